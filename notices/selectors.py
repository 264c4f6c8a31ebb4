"""Reading one's own notices. Nobody reads another's: every query starts from the reader."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404

from notices.models import Notice

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
