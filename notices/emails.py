"""Notices' e-mails, kept in the database until the mail server takes them.

They are queued in the transaction that decides them (so they exist exactly when the change
does), tried once right after its commit, and then by the worker's job (config.tasks) as long
as the mail server refuses them: after each failure the next attempt waits longer
(NOTICE_EMAIL_RETRY_SECONDS); after the last, the e-mail is marked failed and shows so in the
admin. A mail server that is down never turns a committed change into an error, and the notice
is in the inbox all the same.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from notices.models import NoticeEmail

logger = logging.getLogger(__name__)

# E-mails locked and sent per transaction.
BATCH = 200
# Fewer e-mails than this are not worth another connection.
ROWS_PER_CONNECTION = 25


@dataclass(frozen=True)
class Email:
    recipient_id: int
    key: str  # the occasion, as the notice's
    to: str
    subject: str
    body: str


def emails_queue(*, emails: Iterable[Email]) -> None:
    """Queue the e-mails inside the caller's transaction, one per person and key (the occasion):
    a person who already has an e-mail for that key (the same reminder decided again by another
    worker or after a restart) keeps the one they have; the database keeps one per person and
    key. After the commit, a first attempt is made at once."""
    rows = [
        NoticeEmail(
            recipient_id=email.recipient_id,
            key=email.key,
            to=email.to,
            subject=email.subject,
            body=email.body,
        )
        for email in emails
    ]
    if not rows:
        return
    NoticeEmail.objects.bulk_create(rows, ignore_conflicts=True)
    keys = sorted({row.key for row in rows})
    recipient_ids = sorted({row.recipient_id for row in rows})
    transaction.on_commit(
        lambda: emails_send_due(keys=keys, recipient_ids=recipient_ids), robust=True
    )


def emails_send_due(
    *,
    now: datetime.datetime | None = None,
    keys: Sequence[str] | None = None,
    recipient_ids: Sequence[int] | None = None,
) -> int:
    """Try the e-mails whose attempt is due (only those of `keys` to `recipient_ids`, when
    given); returns how many the mail server took.

    Each e-mail is locked while it is sent (FOR UPDATE SKIP LOCKED): two workers, or the first
    attempt and the worker, never send the same one, and each takes what the other has not.
    Only a process that dies after the mail server took an e-mail and before its row is marked
    sends it again."""
    now = now or timezone.now()
    sent = 0
    while True:
        with transaction.atomic():
            due = NoticeEmail.objects.select_for_update(skip_locked=True).filter(
                sent_at__isnull=True, failed_at__isnull=True, next_attempt_at__lte=now
            )
            if keys is not None:
                due = due.filter(key__in=keys, recipient_id__in=list(recipient_ids or ()))
            rows = list(due.order_by("next_attempt_at", "pk")[:BATCH])
            if not rows:
                return sent
            errors = _deliver(rows)
            taken = [row.pk for row, error in zip(rows, errors, strict=True) if error is None]
            # One statement for those the server took (Django's bulk_update writes a CASE per
            # row and field: seconds for a few hundred), one per refusal, which are rare.
            NoticeEmail.objects.filter(pk__in=taken).update(
                attempts=F("attempts") + 1, sent_at=timezone.now(), last_error=""
            )
            for row, error in zip(rows, errors, strict=True):
                if error is not None:
                    _record_failure(row, error, now)
            sent += errors.count(None)


def _deliver(rows: list[NoticeEmail]) -> list[str | None]:
    """Send each row; for each, None or what went wrong. Many rows are shared among up to
    NOTICE_EMAIL_CONNECTIONS connections at once: a mail server answers each command of a
    message in turn, so that one connection spends most of its time waiting for replies."""
    count = max(1, min(settings.NOTICE_EMAIL_CONNECTIONS, len(rows) // ROWS_PER_CONNECTION))
    if count == 1:
        return _deliver_on_one(rows)
    errors: list[str | None] = [None] * len(rows)
    with ThreadPoolExecutor(max_workers=count) as pool:
        for share, share_errors in enumerate(
            pool.map(_deliver_on_one, [rows[share::count] for share in range(count)])
        ):
            errors[share::count] = share_errors
    return errors


def _deliver_on_one(rows: list[NoticeEmail]) -> list[str | None]:
    """Send each row on one connection; for each, None or what went wrong."""
    connection = get_connection()
    try:
        connection.open()
    except (OSError, smtplib.SMTPException) as error:
        return [_describe(error)] * len(rows)
    errors: list[str | None] = []
    try:
        for row in rows:
            message = EmailMessage(
                subject=row.subject, body=row.body, to=[row.to], connection=connection
            )
            try:
                message.send()
            except (OSError, smtplib.SMTPException) as error:
                errors.append(_describe(error))
            else:
                errors.append(None)
    finally:
        try:
            connection.close()
        except (OSError, smtplib.SMTPException):
            logger.warning("Could not close the connection to the mail server.", exc_info=True)
    return errors


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:1000]


def _record_failure(row: NoticeEmail, error: str, now: datetime.datetime) -> None:
    row.attempts += 1
    row.last_error = error
    waits = settings.NOTICE_EMAIL_RETRY_SECONDS
    if row.attempts > len(waits):
        row.failed_at = now
        logger.error(
            "Gave up the e-mail %s to %s after %s attempts: %s",
            row.key,
            row.to,
            row.attempts,
            error,
        )
    else:
        row.next_attempt_at = now + datetime.timedelta(seconds=waits[row.attempts - 1])
        logger.warning("The e-mail %s to %s will be tried again: %s", row.key, row.to, error)
    row.save(update_fields=["attempts", "last_error", "failed_at", "next_attempt_at"])
