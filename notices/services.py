"""Sending and reading notices."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.template.loader import render_to_string
from django.utils import timezone, translation

from notices import emails, kinds, selectors
from notices.live import notices_push_on_commit
from notices.models import EmailOptOut, Notice


@dataclass(frozen=True)
class Outgoing:
    kind: str
    params: dict[str, str]
    link: str
    key: str


def notices_send(
    *, recipient_ids: Iterable[int], notice: Outgoing, email: bool = False
) -> list[int]:
    """Put the notice in each recipient's inbox, once per person and key: the database keeps
    one notice per person and key, so a notice already there (the same reminder sent again by
    another worker or after a restart) is left as it is. Returns those newly told. Call it
    inside the transaction that decided who is told, so that both commit together. The caller
    has checked that every recipient may see what the notice names. After the commit the notice
    and the new count reach every page the recipients have open.

    With `email`, those newly told who have an address and have not asked for this kind in the
    inbox only also get it by e-mail (notices.emails: sent after the commit, retried)."""
    if notice.kind not in kinds.TEXTS:
        raise ValueError(f"unknown notice kind {notice.kind!r}")
    wanted = set(recipient_ids)
    # Only spares the work for those told already; the unique constraint is what keeps one.
    told = set(
        Notice.objects.filter(key=notice.key, recipient_id__in=wanted).values_list(
            "recipient_id", flat=True
        )
    )
    new = sorted(wanted - told)
    if not new:
        return []
    Notice.objects.bulk_create(
        [
            Notice(
                recipient_id=user_id,
                kind=notice.kind,
                params=notice.params,
                link=notice.link,
                key=notice.key,
            )
            for user_id in new
        ],
        ignore_conflicts=True,
    )
    notices_push_on_commit(user_ids=new, key=notice.key)
    if email:
        _email(new, notice)
    return new


def _email(user_ids: list[int], notice: Outgoing) -> None:
    opted_out = selectors.email_opted_out(user_ids, notice.kind)
    people = User.objects.filter(pk__in=[pk for pk in user_ids if pk not in opted_out]).exclude(
        email=""
    )
    with translation.override(settings.LANGUAGE_CODE):
        subject = _one_line(str(kinds.SUBJECTS[notice.kind]) % notice.params)
        text = kinds.render(notice.kind, notice.params)
        emails.emails_queue(
            key=notice.key,
            emails=[
                emails.Email(
                    recipient_id=person.pk,
                    to=person.email,
                    subject=subject,
                    body=render_to_string(
                        "notices/email.txt",
                        {
                            "person": person,
                            "text": text,
                            "url": settings.SITE_URL + notice.link if notice.link else "",
                        },
                    ),
                )
                for person in people
            ],
        )


def _one_line(text: str) -> str:
    """A subject on one line, whatever the names in it hold."""
    return " ".join(text.split())[:250]


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
