"""Papers kept on a member's device for offline reading (docs/offline.md).

A `Device` is one browser on one tablet, registered by its owner. A `Lease` lets one device keep
one meeting's papers until `expires_at`, encrypted in the browser under the lease's key, which
the server hands out only to the signed-in owner, only while the lease runs and is not wiped.
A `Holding` is one paper the device said it keeps: the server's record of which device holds
which papers until when. A meeting's `Period` is how long a lease runs, set by its secretariat.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from documents.models import Document
from meetings.models import Meeting


class Device(models.Model):
    # Random: a device's address tells nothing, and is only ever used by its owner.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="offline_devices"
    )
    name = models.CharField(_("device"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user", "created_at"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"


class Lease(models.Model):
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="leases")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="+")
    # The AES-256-GCM key the device's copies are encrypted under. It never rests on the
    # device: the page holds it in memory, as a non-extractable CryptoKey.
    key = models.BinaryField(max_length=32)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    wiped_at = models.DateTimeField(null=True, blank=True)
    wiped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["device", "meeting"]
        constraints = [
            models.UniqueConstraint(fields=["device", "meeting"], name="one_lease_per_meeting"),
        ]

    def __str__(self) -> str:
        return f"{self.device} keeps {self.meeting_id} until {self.expires_at}"


class Holding(models.Model):
    lease = models.ForeignKey(Lease, on_delete=models.CASCADE, related_name="holdings")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    stored_at = models.DateTimeField()
    # When the device reported it no longer keeps the paper.
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["lease", "document"]
        constraints = [
            models.UniqueConstraint(fields=["lease", "document"], name="one_holding_per_paper"),
        ]

    def __str__(self) -> str:
        return f"{self.lease.device} holds {self.document_id} v{self.version}"


class Period(models.Model):
    """How long a device may keep this meeting's papers; without one, OFFLINE_HOURS."""

    meeting = models.OneToOneField(
        Meeting, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    hours = models.PositiveIntegerField(_("hours"))

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(hours__gte=1), name="offline_period_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}: {self.hours} h"
