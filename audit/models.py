"""The audit trail: one row per sensitive act, each chained to the one before by its hash.

Entries name people, meetings and papers by their ids (and people also by their user name at
the time), never by foreign keys: an entry must outlive what it speaks of, and no deletion
elsewhere may cascade into the trail. On PostgreSQL a trigger refuses to update or delete an
entry (migration 0002); the chain shows it if someone with the database's owner rights does.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

# The hash that the first entry follows.
GENESIS = "0" * 64


class Entry(models.Model):
    class Action(models.TextChoices):
        SIGNED_IN = "auth.signed_in", _("Signed in")
        SIGN_IN_FAILED = "auth.sign_in_failed", _("Sign-in failed")
        DOCUMENT_VIEWED = "documents.viewed", _("Paper viewed")
        DOCUMENT_DOWNLOADED = "documents.downloaded", _("Paper downloaded")
        DOCUMENT_IN_PACKET = "documents.packet_downloaded", _("Paper downloaded in the packet")
        DOCUMENT_OFFLINE = "documents.kept_offline", _("Paper kept on a device for offline reading")
        DEVICE_WIPED = "documents.device_wiped", _("Meeting papers wiped from a device")
        ACCESS_GRANTED = "documents.access_granted", _("Rights on a paper given")
        ACCESS_REVOKED = "documents.access_revoked", _("Rights on a paper taken back")
        HANDED_BACK = "documents.handed_back", _("Confidential papers handed back")
        POLL_OPENED = "voting.poll_opened", _("Vote opened")
        POLL_CLOSED = "voting.poll_closed", _("Vote closed")
        CONSULTATION_OPENED = "consultations.opened", _("Written-opinion poll opened")
        CONSULTATION_CLOSED = "consultations.closed", _("Written-opinion poll closed")
        MINUTES_SIGNED = "minutes.signed", _("Minutes signed")
        MEMBERSHIP_CREATED = "meetings.membership_created", _("Member added")
        MEMBERSHIP_CHANGED = "meetings.membership_changed", _("Membership changed")
        ADMIN_CHANGED = "admin.changed", _("Person or group changed in the administration")
        TOKEN_CREATED = "api.token_created", _("API token created")
        TOKEN_REVOKED = "api.token_revoked", _("API token revoked")

    # The place in the chain, from 1 with no gaps: the number verification names.
    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    action = models.CharField(max_length=50, choices=Action.choices)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_name = models.CharField(max_length=150, blank=True)
    # The person acted upon: given rights, made a member, or named at a failed sign-in.
    person_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    person_name = models.CharField(max_length=150, blank=True)
    meeting_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    document_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.seq} {self.action} {self.actor_name}"

    def content(self) -> dict[str, Any]:
        """What the hash covers: every field but the hash itself."""
        return {
            "seq": self.seq,
            "at": self.at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
            "action": self.action,
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "person_id": self.person_id,
            "person_name": self.person_name,
            "meeting_id": self.meeting_id,
            "document_id": self.document_id,
            "details": self.details,
            "prev_hash": self.prev_hash,
        }

    def digest(self) -> str:
        """SHA-256 of the canonical JSON of `content()` (sorted keys, no spaces, UTF-8), so
        anyone can recompute it from the row alone."""
        canonical = json.dumps(
            self.content(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


class Head(models.Model):
    """The chain's end, one row: appends lock it, so two writers never follow the same entry;
    and it tells verification how long the chain must be (a removed last entry shows)."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS)

    def __str__(self) -> str:
        return f"Audit head at {self.seq}"
