"""Sending and reading notices."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.utils import timezone

from notices import kinds
from notices.live import notices_push_on_commit
from notices.models import EmailOptOut, Notice


@dataclass(frozen=True)
class Outgoing:
    kind: str
    params: dict[str, str]
    link: str
    key: str


def notices_send(*, recipient_ids: Iterable[int], notice: Outgoing) -> None:
    """Put the notice in each recipient's inbox, once per person and key: a notice already
    there (the same reminder sent again by another worker or after a restart) is left as it
    is. Call it inside the transaction that decided who is told, so that both commit together.
    The caller has checked that every recipient may see what the notice names. After the commit
    the notice and the new count reach every page the recipients have open."""
    if notice.kind not in kinds.TEXTS:
        raise ValueError(f"unknown notice kind {notice.kind!r}")
    recipient_ids = list(recipient_ids)
    Notice.objects.bulk_create(
        [
            Notice(
                recipient_id=user_id,
                kind=notice.kind,
                params=notice.params,
                link=notice.link,
                key=notice.key,
            )
            for user_id in recipient_ids
        ],
        ignore_conflicts=True,
    )
    notices_push_on_commit(user_ids=recipient_ids, key=notice.key)


def notice_mark_read(*, actor: User, notice: Notice) -> Notice:
    """Mark one of the actor's notices read (the view fetched it with access_notice)."""
    if notice.read_at is None:
        notice.read_at = timezone.now()
        Notice.objects.filter(pk=notice.pk, recipient=actor, read_at__isnull=True).update(
            read_at=notice.read_at
        )
        notices_push_on_commit(user_ids=[actor.pk])
    return notice


def notices_mark_all_read(*, actor: User) -> int:
    marked = Notice.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if marked:
        notices_push_on_commit(user_ids=[actor.pk])
    return marked


def email_choices_set(*, actor: User, by_email: set[str]) -> None:
    """Which of the e-mailed kinds the actor also wants by e-mail; the others stay in the inbox
    only."""
    unknown = by_email - kinds.EMAILED.keys()
    if unknown:
        raise ValueError(f"unknown notice kinds {sorted(unknown)}")
    EmailOptOut.objects.filter(user=actor, kind__in=by_email).delete()
    EmailOptOut.objects.bulk_create(
        [EmailOptOut(user=actor, kind=kind) for kind in kinds.EMAILED.keys() - by_email],
        ignore_conflicts=True,
    )
