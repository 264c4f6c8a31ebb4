"""What a device may keep now, and which devices hold a meeting's papers."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from documents import permissions as document_permissions
from documents import selectors as document_selectors
from documents.models import Document, DocumentVersion
from meetings import permissions as meeting_permissions
from meetings.models import Meeting
from meetings.permissions import AnyUser
from offline import permissions
from offline.models import Device, Lease, Period

# Meetings whose papers a member takes away to read: not yet over.
UNDER_WAY = (Meeting.Status.SCHEDULED, Meeting.Status.IN_SESSION, Meeting.Status.ADJOURNED)


def period_hours(meeting: Meeting) -> int:
    period = Period.objects.filter(meeting=meeting).first()
    return period.hours if period is not None else int(settings.OFFLINE_HOURS)


def lease_runs(lease: Lease, now: datetime.datetime | None = None) -> bool:
    return lease.wiped_at is None and lease.expires_at > (now or timezone.now())


@dataclass(frozen=True)
class KeptPaper:
    document: Document
    version: DocumentVersion


@dataclass(frozen=True)
class KeptMeeting:
    lease: Lease
    papers: list[KeptPaper]


def papers_for_lease(lease: Lease) -> list[KeptPaper] | None:
    """The papers the lease's device may keep now; None when it may keep none of the meeting's
    (its owner no longer sees the meeting)."""
    user = lease.device.user
    meeting = lease.meeting
    rights = meeting_permissions.meeting_rights(user, meeting)
    if meeting_permissions.VIEW_MEETING not in rights:
        return None
    documents = list(
        Document.objects.filter(meeting=meeting).order_by("agenda_item_id", "position", "pk")
    )
    for document in documents:
        document.meeting = meeting
    held = document_permissions.meeting_document_rights(user, meeting, documents, rights)
    latest: dict[int, DocumentVersion] = {}
    for version in DocumentVersion.objects.filter(document__in=documents).order_by("number"):
        latest[version.document_id] = version
    return [
        KeptPaper(document, latest[document.pk])
        for document in documents
        if document.pk in latest and permissions.may_keep(document, held[document.pk])
    ]


def papers_for_device(device: Device) -> list[KeptMeeting]:
    """Every running lease of the device with the papers it may keep: what the device keeps
    after a sync. A lease missing here has its key refused and its papers deleted."""
    now = timezone.now()
    kept = []
    for lease in (
        Lease.objects.filter(device=device, wiped_at__isnull=True, expires_at__gt=now)
        .select_related("device__user", "meeting__body")
        .order_by("meeting__starts_at", "meeting_id")
    ):
        papers = papers_for_lease(lease)
        if papers is not None:
            kept.append(KeptMeeting(lease, papers))
    return kept


def meetings_to_take(user: AnyUser) -> QuerySet[Meeting]:
    """The meetings whose papers the person may take away: those they see, not yet over."""
    return (
        meeting_permissions.meetings_for_user(user)
        .filter(status__in=UNDER_WAY)
        .select_related("body")
        .order_by("starts_at", "pk")
    )


@dataclass(frozen=True)
class DeviceRow:
    lease: Lease
    papers: int
    now: datetime.datetime

    @property
    def state(self) -> str:
        """wiped (the device has not said it deleted them yet), deleted, expired or holding."""
        if self.lease.wiped_at is not None:
            return "wiped" if self.papers else "deleted"
        if self.lease.expires_at <= self.now:
            return "expired"
        return "holding"


def device_list_for_meeting(meeting: Meeting) -> list[DeviceRow]:
    """The devices that took the meeting's papers, with how many they still hold (one query)."""
    now = timezone.now()
    leases = (
        Lease.objects.filter(meeting=meeting)
        .select_related("device__user")
        .annotate(papers=Count("holdings", filter=Q(holdings__removed_at__isnull=True)))
        .order_by("device__user__last_name", "device__user__first_name", "issued_at")
    )
    return [DeviceRow(lease, lease.papers, now) for lease in leases]


def latest_version(document: Document) -> DocumentVersion | None:
    return document_selectors.latest_version(document)
