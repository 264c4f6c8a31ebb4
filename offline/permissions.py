"""Who may keep which papers on which device.

A device is its owner's alone: anybody else's device, like a missing one, is a 404. A device
may keep a paper its owner may download, except a secret one (read on the screen only, never
stored anywhere): the paper's rights are read afresh at every sync, so a right withdrawn, a
membership ended or a paper handed back when the meeting closed removes it from the device.
The meeting's secretariat sees which devices hold its papers and wipes them.
"""

from __future__ import annotations

import uuid

from django.http import Http404

from documents import permissions as document_permissions
from documents.models import Document
from meetings import permissions as meeting_permissions
from meetings.models import Meeting
from meetings.permissions import AnyUser
from offline.models import Device, Lease


def access_device(user: AnyUser, device_id: uuid.UUID | str) -> Device:
    """One's own device; anyone else's is missing."""
    try:
        return Device.objects.get(pk=device_id, user_id=user.pk or 0)
    except (Device.DoesNotExist, ValueError, TypeError):
        raise Http404("No such device.") from None


def may_keep(document: Document, rights: frozenset[str]) -> bool:
    """Whether a device may store the paper, given its owner's rights on it."""
    return (
        document.classification != Document.Classification.SECRET
        and document_permissions.DOWNLOAD_DOCUMENT in rights
    )


def can_manage_devices(user: AnyUser, meeting: Meeting) -> bool:
    """See the devices that hold the meeting's papers, wipe them, set the period: the
    meeting's secretariat."""
    return meeting_permissions.can_manage_meeting(user, meeting)


def access_meeting_devices(user: AnyUser, meeting_id: int) -> Meeting:
    """The meeting, for its secretariat; the same 404 for everybody else."""
    return meeting_permissions.access_meeting(user, meeting_id, meeting_permissions.MANAGE_MEETING)


def access_meeting_lease(user: AnyUser, meeting_id: int, device_id: uuid.UUID | str) -> Lease:
    """A device's lease on the meeting's papers, for the meeting's secretariat."""
    meeting = access_meeting_devices(user, meeting_id)
    try:
        return Lease.objects.select_related("device__user", "meeting").get(
            meeting=meeting, device_id=device_id
        )
    except (Lease.DoesNotExist, ValueError, TypeError):
        raise Http404("No such device.") from None
