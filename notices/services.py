"""Sending and reading notices."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.utils import timezone

from notices import kinds
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
    The caller has checked that every recipient may see what the notice names."""
    if notice.kind not in kinds.TEXTS:
        raise ValueError(f"unknown notice kind {notice.kind!r}")
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


def notice_mark_read(*, actor: User, notice: Notice) -> Notice:
    """Mark one of the actor's notices read (the view fetched it with access_notice)."""
    if notice.read_at is None:
        notice.read_at = timezone.now()
        Notice.objects.filter(pk=notice.pk, recipient=actor, read_at__isnull=True).update(
            read_at=notice.read_at
        )
    return notice


def notices_mark_all_read(*, actor: User) -> int:
    return Notice.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )


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
