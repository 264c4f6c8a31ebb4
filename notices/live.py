"""Pushing a person's notices to every page they have open: the bell with its count and, on the
inbox page, the new notice at the top of the list. Drawn once per person and language after
the commit, and sent to that person's sockets alone (realtime.events.publish_personal)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import translation

from notices import kinds
from notices.models import Notice
from realtime.events import publish_personal


def notices_push_on_commit(*, user_ids: Iterable[int], keys: Iterable[str] = ()) -> None:
    """After the commit, push each person's bell, and their notices of these keys for the
    inbox list. Call it in the transaction that wrote the notices or marked them read."""
    ids = sorted(set(user_ids))
    key_list = sorted(set(keys))
    if ids:
        publish_personal(render=lambda: _frames(ids, key_list))


def _frames(user_ids: list[int], keys: list[str]) -> dict[int, dict[str, dict[str, Any]]]:
    unread = dict(
        Notice.objects.filter(recipient_id__in=user_ids)
        .values("recipient_id")
        .annotate(unread=Count("pk", filter=Q(read_at__isnull=True)))
        .values_list("recipient_id", "unread")
    )
    notices: dict[int, list[Notice]] = {}
    if keys:
        for notice in Notice.objects.filter(recipient_id__in=user_ids, key__in=keys).order_by(
            "created_at", "pk"
        ):
            notices.setdefault(notice.recipient_id, []).append(notice)
    frames: dict[int, dict[str, dict[str, Any]]] = {user_id: {} for user_id in user_ids}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            # Many people share a count: each bell is drawn once per count and language.
            bells: dict[int, str] = {}
            texts: dict[tuple[str, str], str] = {}
            for user_id in user_ids:
                count = unread.get(user_id, 0)
                if count not in bells:
                    bells[count] = render_to_string("notices/bell.html", {"unread": count})
                # Oldest first: each goes to the top of the list in turn.
                added: list[dict[str, str]] = []
                for notice in notices.get(user_id, ()):
                    # A reminder to many says the same to each: its text is rendered once.
                    said = (notice.kind, repr(sorted(notice.params.items())))
                    if said not in texts:
                        texts[said] = kinds.render(notice.kind, notice.params)
                    added.append(
                        {
                            "id": f"notice-{notice.pk}",
                            "html": render_to_string(
                                "notices/_notice.html", {"notice": notice, "text": texts[said]}
                            ),
                        }
                    )
                frames[user_id][language] = {
                    "type": "notices",
                    "regions": {"notices-bell": bells[count]},
                    "notices": added,
                }
    return frames
