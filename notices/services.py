"""Sending and reading notices."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone, translation

from notices import emails, kinds, selectors
from notices.live import notices_push_on_commit
from notices.models import EmailLanguage, EmailOptOut, Notice
from notices.stencils import EmailStencil


@dataclass(frozen=True)
class Outgoing:
    kind: str
    params: dict[str, str]
    link: str
    key: str


def notices_send(
    *, recipient_ids: Iterable[int], notice: Outgoing, email: bool = False
) -> list[int]:
    """Put the notice in each recipient's inbox, once per person and key (see
    notices_send_each); returns those newly told."""
    told = notices_send_each(
        notices=[(user_id, notice) for user_id in sorted(set(recipient_ids))], email=email
    )
    return [user_id for user_id, _notice in told]


def notices_send_each(
    *, notices: Sequence[tuple[int, Outgoing]], email: bool = False
) -> list[tuple[int, Outgoing]]:
    """Put each notice in its recipient's inbox, once per person and key: the database keeps
    one notice per person and key, so a notice already there (the same reminder sent again by
    another worker or after a restart) is left as it is. Returns those newly sent. Call it
    inside the transaction that decided who is told, so that both commit together. The caller
    has checked that every recipient may see what their notice names. After the commit the
    notices and the new counts reach every page the recipients have open.

    With `email`, those newly told who have an address and have not asked for this kind in the
    inbox only also get it by e-mail (notices.emails: sent after the commit, retried)."""
    unknown = {notice.kind for _user_id, notice in notices} - kinds.TEXTS.keys()
    if unknown:
        raise ValueError(f"unknown notice kinds {sorted(unknown)}")
    # Only spares the work for those told already; the unique constraint is what keeps one.
    told = set(
        Notice.objects.filter(
            key__in={notice.key for _user_id, notice in notices},
            recipient_id__in={user_id for user_id, _notice in notices},
        ).values_list("recipient_id", "key")
    )
    new = list(
        {
            (user_id, notice.key): (user_id, notice)
            for user_id, notice in notices
            if (user_id, notice.key) not in told
        }.values()
    )
    if not new:
        return []
    # One time for all: they are sent together, and their list items are drawn once
    # (notices.live).
    now = timezone.now()
    Notice.objects.bulk_create(
        [
            Notice(
                recipient_id=user_id,
                kind=notice.kind,
                params=notice.params,
                link=notice.link,
                key=notice.key,
                created_at=now,
            )
            for user_id, notice in new
        ],
        ignore_conflicts=True,
    )
    notices_push_on_commit(
        user_ids=[user_id for user_id, _notice in new], keys=[notice.key for _id, notice in new]
    )
    if email:
        _email(new)
    return new


def _email(new: list[tuple[int, Outgoing]]) -> None:
    user_ids = {user_id for user_id, _notice in new}
    opted_out = set(
        EmailOptOut.objects.filter(
            user_id__in=user_ids, kind__in={notice.kind for _id, notice in new}
        ).values_list("user_id", "kind")
    )
    people = {
        person.pk: person
        for person in User.objects.filter(pk__in=user_ids)
        .exclude(email="")
        .only("pk", "email", "username", "first_name", "last_name")
    }
    languages = selectors.email_languages(list(user_ids))
    # A reminder to many says the same to each: its text is written once per language, and the
    # body around it once per language (notices.stencils).
    texts: dict[tuple[str, str, str], tuple[str, str]] = {}
    bodies: dict[tuple[str, bool], EmailStencil] = {}
    queued = []
    for user_id, notice in new:
        person = people.get(user_id)
        if person is None or (user_id, notice.kind) in opted_out:
            continue
        language = languages[user_id]
        said = (language, notice.kind, repr(sorted(notice.params.items())))
        drawn = (language, bool(notice.link))
        if said not in texts or drawn not in bodies:
            with translation.override(language):
                if said not in texts:
                    texts[said] = (
                        _one_line(str(kinds.SUBJECTS[notice.kind]) % notice.params),
                        kinds.render(notice.kind, notice.params),
                    )
                if drawn not in bodies:
                    bodies[drawn] = EmailStencil(with_url=drawn[1])
        subject, text = texts[said]
        queued.append(
            emails.Email(
                recipient_id=user_id,
                key=notice.key,
                to=person.email,
                subject=subject,
                body=bodies[drawn].fill(
                    name=person.get_full_name() or person.username,
                    text=text,
                    url=settings.SITE_URL + notice.link if notice.link else "",
                ),
            )
        )
    emails.emails_queue(emails=queued)


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


def email_language_set(*, actor: User, language: str) -> None:
    """Record the language the actor chose for the site: their notices' e-mails follow it."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"unknown language {language!r}")
    EmailLanguage.objects.update_or_create(user=actor, defaults={"language": language})
