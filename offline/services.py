"""Registering devices, handing out leases and their keys, storing papers on a device, the
device's sync, wiping and the meeting's period (docs/offline.md).

Nothing here publishes a meeting event: what a device may keep is computed afresh at each of
its syncs, from the rights of the moment, so nothing needs telling.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Collection

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import trail
from audit.models import Entry
from core.errors import ServiceError, require
from documents import permissions as document_permissions
from documents import services as document_services
from documents.models import Access, Document
from meetings import permissions as meeting_permissions
from meetings.models import Meeting
from offline import permissions, selectors
from offline.models import Device, Holding, Lease, Period

MAX_NAME = 100
# A period longer than a month would make "expires" meaningless.
MAX_HOURS = 24 * 30
KEY_BYTES = 32  # AES-256


def device_register(*, actor: User, name: str) -> Device:
    """A new device of the actor's: the browser they are using now."""
    name = " ".join(name.split())[:MAX_NAME] or _("Tablet")
    return Device.objects.create(user=actor, name=name)


def lease_take(*, actor: User, device: Device, meeting: Meeting) -> Lease:
    """Let the device keep the meeting's papers for the meeting's period from now: a new key
    if the last lease ran out, the same key (and so the papers already stored) otherwise. A
    wiped lease is never renewed: the device was lost, or its papers withdrawn from it.
    The lease row is locked so that a wipe and a renewal do not cross."""
    require(device.user_id == actor.pk, _("This is not your device."))
    require(
        meeting_permissions.VIEW_MEETING in meeting_permissions.meeting_rights(actor, meeting),
        _("You may not read this meeting's papers."),
    )
    if meeting.status not in selectors.UNDER_WAY:
        raise ServiceError(_("The meeting is over: its papers can no longer be taken away."))
    now = timezone.now()
    expires_at = now + datetime.timedelta(hours=selectors.period_hours(meeting))
    with transaction.atomic():
        lease = Lease.objects.select_for_update().filter(device=device, meeting=meeting).first()
        if lease is not None and lease.wiped_at is not None:
            raise PermissionDenied(
                _("The secretariat wiped this meeting's papers from this device.")
            )
        if lease is None:
            lease = Lease(device=device, meeting=meeting)
        if lease.pk is None or not selectors.lease_runs(lease, now):
            lease.key = secrets.token_bytes(KEY_BYTES)
            lease.issued_at = now
            # The papers stored under the old key cannot be read any more: forget them.
            if lease.pk is not None:
                lease.holdings.filter(removed_at__isnull=True).update(removed_at=now)
        lease.expires_at = expires_at
        lease.save()
    return lease


def paper_keep(
    *, actor: User, device: Device, document: Document, session_key: str | None
) -> document_services.Copy:
    """The paper's newest version for the device to store, recorded as kept offline (stamped,
    and in the audit trail, when it is confidential) and as held by the device."""
    require(device.user_id == actor.pk, _("This is not your device."))
    lease = (
        Lease.objects.filter(device=device, meeting_id=document.meeting_id)
        .select_related("meeting")
        .first()
    )
    require(
        lease is not None and selectors.lease_runs(lease),
        _("Take the meeting's papers for offline reading first."),
    )
    assert lease is not None
    require(
        permissions.may_keep(document, document_permissions.document_rights(actor, document)),
        _("This paper cannot be kept on a device."),
    )
    version = selectors.latest_version(document)
    if version is None:
        raise ServiceError(_("The document has no file yet."))
    with transaction.atomic():
        copy = document_services.version_open(
            reader=actor, version=version, action=Access.Action.OFFLINE, session_key=session_key
        )
        Holding.objects.update_or_create(
            lease=lease,
            document=document,
            defaults={"version": version.number, "stored_at": timezone.now(), "removed_at": None},
        )
    return copy


def device_sync(
    *, actor: User, device: Device, held: Collection[int]
) -> list[selectors.KeptMeeting]:
    """The device says which papers it holds; the answer is what it may keep. Papers it no
    longer holds are recorded as removed from it."""
    require(device.user_id == actor.pk, _("This is not your device."))
    now = timezone.now()
    with transaction.atomic():
        Holding.objects.filter(lease__device=device, removed_at__isnull=True).exclude(
            document_id__in=list(held)
        ).update(removed_at=now)
        Device.objects.filter(pk=device.pk).update(synced_at=now)
    return selectors.papers_for_device(device)


def lease_wipe(*, actor: User, lease: Lease) -> Lease:
    """Withdraw the meeting's papers from a device (a lost tablet): its key is refused from
    now on, and the device deletes the papers at its next sync."""
    require(
        permissions.can_manage_devices(actor, lease.meeting),
        _("Only the meeting's secretariat wipes devices."),
    )
    with transaction.atomic():
        lease = Lease.objects.select_for_update().select_related("device__user").get(pk=lease.pk)
        if lease.wiped_at is not None:
            return lease
        lease.wiped_at = timezone.now()
        lease.wiped_by = actor
        lease.save(update_fields=["wiped_at", "wiped_by"])
        trail.record(
            Entry.Action.DEVICE_WIPED,
            actor=actor,
            person=lease.device.user,
            meeting_id=lease.meeting_id,
            details={"device": str(lease.device_id), "name": lease.device.name},
        )
    return lease


def period_set(*, actor: User, meeting: Meeting, hours: int) -> Period:
    """How long a device may keep the meeting's papers from when it takes them. Leases
    already handed out keep their end; a device that takes the papers again gets the new one."""
    require(
        permissions.can_manage_devices(actor, meeting),
        _("Only the meeting's secretariat sets how long papers stay on devices."),
    )
    if not 1 <= hours <= MAX_HOURS:
        raise ServiceError(
            _("Choose between 1 and %(max)d hours.") % {"max": MAX_HOURS}, field="hours"
        )
    period, _created = Period.objects.update_or_create(meeting=meeting, defaults={"hours": hours})
    return period
