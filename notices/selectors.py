"""Reading one's own notices. Nobody reads another's: every query starts from the reader."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404

from notices import kinds
from notices.models import EmailLanguage, EmailOptOut, Notice

PAGE = 100


def access_notice(user: User, notice_id: int) -> Notice:
    """The user's own notice; someone else's is as missing as one that does not exist."""
    notice = Notice.objects.filter(pk=notice_id, recipient_id=user.pk).first()
    if notice is None:
        raise Http404
    return notice


def notice_list_for_user(user: User) -> QuerySet[Notice]:
    return Notice.objects.filter(recipient_id=user.pk)[:PAGE]


def unread_count(user: User) -> int:
    return Notice.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def email_opted_out(user_ids: list[int], kind: str) -> set[int]:
    """Those among `user_ids` who want this kind of notice in the inbox only."""
    return set(
        EmailOptOut.objects.filter(user_id__in=user_ids, kind=kind).values_list(
            "user_id", flat=True
        )
    )


def email_choices(user: User) -> list[tuple[str, str, bool]]:
    """(kind, label, by e-mail) for each kind that may go by e-mail."""
    off = set(EmailOptOut.objects.filter(user_id=user.pk).values_list("kind", flat=True))
    return [(kind, str(label), kind not in off) for kind, label in kinds.EMAILED.items()]


def email_languages(user_ids: list[int]) -> dict[int, str]:
    """The language each person's e-mails are written in: the one they last chose for the
    site, else the site's."""
    chosen = dict(
        EmailLanguage.objects.filter(user_id__in=user_ids).values_list("user_id", "language")
    )
    return {user_id: chosen.get(user_id, settings.LANGUAGE_CODE) for user_id in user_ids}
