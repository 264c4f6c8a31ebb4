"""Pushing a person's notices to every page they have open: the bell with its count and, on the
inbox page, the new notice at the top of the list. Drawn after the commit, in each language a
page may be shown in, and sent to that person's sockets alone (realtime.events.publish_personal).

Many people are told at once (a batch of reminders), so the drawing is shared: a bell is drawn
once per count and language, and a notice's list item once per language, read state and time,
as a stencil that each notice fills with its number and text (notices.stencils)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone, translation

from notices import kinds, selectors
from notices.models import Notice
from notices.stencils import NoticeStencil
from realtime.events import publish_personal

Frames = dict[int, dict[str, dict[str, Any]]]

# How long before its commit a notice may have been dated (a batch of reminders is written in a
# second or two), with room for clocks of different servers that differ a little.
REPLAY_MARGIN = datetime.timedelta(seconds=60)


def notices_push_on_commit(*, user_ids: Iterable[int], keys: Iterable[str] = ()) -> None:
    """After the commit, push each person's bell, and their notices of these keys for the
    inbox list. Call it in the transaction that wrote the notices or marked them read."""
    ids = sorted(set(user_ids))
    key_list = sorted(set(keys))
    if ids:
        publish_personal(render=lambda: _frames(ids, key_list))


def _frames(user_ids: list[int], keys: list[str]) -> Frames:
    notices: dict[int, list[Notice]] = {}
    if keys:
        for notice in Notice.objects.filter(recipient_id__in=user_ids, key__in=keys).order_by(
            "created_at", "pk"
        ):
            notices.setdefault(notice.recipient_id, []).append(notice)
    return notices_frames(unread_counts(user_ids), notices)


def unread_counts(user_ids: list[int]) -> dict[int, int]:
    """Each person's unread count (0 for those without a row)."""
    counted = dict(
        Notice.objects.filter(recipient_id__in=user_ids, read_at__isnull=True)
        .values("recipient_id")
        .annotate(unread=Count("pk"))
        .values_list("recipient_id", "unread")
    )
    return {user_id: counted.get(user_id, 0) for user_id in user_ids}


def cursor(moment: datetime.datetime) -> int:
    """A time as pages carry it to their socket's `since`: milliseconds since 1970 (UTC)."""
    return int(moment.timestamp() * 1000)


def notices_replay(user_id: int, language: str, since: datetime.datetime) -> dict[str, Any] | None:
    """The frame for a page of this person that was drawn (or last heard from its socket) at
    `since`: their bell, and the notices written since then (at most a page's worth), or None
    when there are none. A notice is dated before its transaction commits, so the notices of
    REPLAY_MARGIN before `since` come too (the page skips those it shows)."""
    now = timezone.now()
    recent = list(
        Notice.objects.filter(recipient_id=user_id, created_at__gte=since - REPLAY_MARGIN).order_by(
            "-created_at", "-pk"
        )[: selectors.PAGE]
    )
    if not recent:
        return None
    recent.reverse()  # oldest first, as pushed
    frames = notices_frames(unread_counts([user_id]), {user_id: recent}, [language], now=now)
    return frames[user_id][language]


def notices_frames(
    unread: dict[int, int],
    notices: dict[int, list[Notice]],
    languages: list[str] | None = None,
    *,
    now: datetime.datetime | None = None,
) -> Frames:
    """For each person of `unread`, a `notices` frame per language (every language the site
    speaks, unless told): their bell with that count and their `notices` (oldest first) for
    the list, with the time they were drawn (`cursor`, the page's next `since`)."""
    frames: Frames = {user_id: {} for user_id in unread}
    drawn_at = cursor(now or timezone.now())
    for language in languages or [code for code, _name in settings.LANGUAGES]:
        with translation.override(language):
            bells: dict[int, str] = {}
            stencils: dict[tuple[bool, datetime.datetime], NoticeStencil] = {}
            texts: dict[tuple[str, str], str] = {}
            for user_id, count in unread.items():
                if count not in bells:
                    bells[count] = render_to_string("notices/bell.html", {"unread": count})
                added: list[dict[str, str]] = []
                for notice in notices.get(user_id, ()):
                    # A reminder to many says the same to each: its text is rendered once.
                    said = (notice.kind, repr(sorted(notice.params.items())))
                    if said not in texts:
                        texts[said] = kinds.render(notice.kind, notice.params)
                    drawn = (notice.read_at is not None, notice.created_at)
                    if drawn not in stencils:
                        stencils[drawn] = NoticeStencil(read=drawn[0], created_at=notice.created_at)
                    added.append(
                        {
                            "id": f"notice-{notice.pk}",
                            "html": stencils[drawn].fill(pk=notice.pk, text=texts[said]),
                        }
                    )
                frames[user_id][language] = {
                    "type": "notices",
                    "regions": {"notices-bell": bells[count]},
                    "notices": added,
                    "cursor": drawn_at,
                }
    return frames
