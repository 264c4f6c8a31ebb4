"""Reminders under the 3-day rule: a meeting's papers reach the members at least three days
before it (Decree 39/2022/ND-CP). From then on, the secretariat is warned while the packet is
not published, and members who have not opened any of their papers are reminded, a day after
the packet was published at the earliest. Each person once per meeting: the notices' unique
constraint (person, key) keeps one however many workers run the job, and again after a
restart."""

from __future__ import annotations

import datetime
from typing import cast

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import get_users_with_perms

from documents import permissions, selectors
from meetings.models import Meeting
from notices import kinds
from notices import services as notice_services


def papers_reminders_send_due(*, now: datetime.datetime | None = None) -> int:
    """Warn the secretariat of meetings whose papers are late, and remind the members who have
    not opened theirs; returns how many people were newly told."""
    now = now or timezone.now()
    meetings = Meeting.objects.filter(
        status=Meeting.Status.SCHEDULED,
        starts_at__gt=now,
        starts_at__lte=now + datetime.timedelta(days=selectors.READING_DAYS),
    ).select_related("body", "packet")
    told = 0
    for meeting in meetings:
        with transaction.atomic():
            if permissions.packet_published(meeting):
                told += _remind_readers(meeting, now)
            else:
                told += _warn_secretariat(meeting)
    return told


def _params(meeting: Meeting) -> dict[str, str]:
    return {
        "meeting": meeting.title,
        "starts_at": timezone.localtime(meeting.starts_at).strftime("%d/%m/%Y %H:%M"),
    }


def _warn_secretariat(meeting: Meeting) -> int:
    # Without attach_perms, guardian answers with a queryset of users.
    secretariat = cast(
        "QuerySet[User]",
        get_users_with_perms(meeting, only_with_perms_in=["manage_meeting"], with_group_users=True),
    ).values_list("pk", flat=True)
    return len(
        notice_services.notices_send(
            recipient_ids=list(secretariat),
            notice=notice_services.Outgoing(
                kind=kinds.PAPERS_LATE,
                params=_params(meeting),
                link=reverse("documents:packet", args=[meeting.pk]),
                key=f"meeting-{meeting.pk}-papers-late",
            ),
            email=True,
        )
    )


def _remind_readers(meeting: Meeting, now: datetime.datetime) -> int:
    published_at = meeting.packet.published_at
    assert published_at is not None  # packet_published
    if now < published_at + datetime.timedelta(hours=settings.PAPERS_READING_GRACE_HOURS):
        return 0  # give them a day to open what just arrived
    unread = [
        row.user.pk for row in selectors.read_receipts(meeting, now=now).readers if row.flagged
    ]
    return len(
        notice_services.notices_send(
            recipient_ids=unread,
            notice=notice_services.Outgoing(
                kind=kinds.PAPERS_UNREAD,
                params=_params(meeting),
                link=reverse("documents:packet", args=[meeting.pk]),
                key=f"meeting-{meeting.pk}-papers-unread",
            ),
            email=True,
        )
    )
