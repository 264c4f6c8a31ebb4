from django.conf import settings
from django.db import models


class MeetingStream(models.Model):
    """The last event number given out for a meeting. Incrementing it locks the row until the
    transaction ends, so a meeting's events are numbered 1, 2, 3... in commit order with no gap
    (a rolled-back event gives its number back)."""

    meeting = models.OneToOneField(
        "meetings.Meeting", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    last_seq = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.meeting_id}#{self.last_seq}"


class MeetingEvent(models.Model):
    """One change in a meeting, kept for replay to clients that were offline and for the minutes.

    `restricted_to` names a meeting permission (such as "meetings.manage_meeting") that a viewer
    needs to see the payload; `users` lists the only people who may see it. Others receive the
    event's number and type without the payload, so their sequence stays gap-free.
    """

    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveBigIntegerField()
    type = models.CharField(max_length=80)
    payload = models.JSONField(default=dict)
    restricted_to = models.CharField(max_length=100, blank=True)
    users = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "seq"], name="event_seq_unique_per_meeting")
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}#{self.seq} {self.type}"


class Presence(models.Model):
    """Who follows a meeting now: one row per person and server process, with how many sockets
    they have open there. Each process refreshes `last_seen` on every heartbeat tick, so the
    rows of a process that died go stale and stop counting."""

    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    process = models.CharField(max_length=200)
    sockets = models.PositiveIntegerField(default=0)
    last_seen = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user", "process"], name="presence_once_per_process"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.meeting_id} via {self.process}"


class DisplayToken(models.Model):
    """A room display's key to follow one meeting without signing in: the projector's page and
    socket take the token. Only its SHA-256 is kept (the token is random and long, so a plain
    digest is enough); the secretariat sees the token once, when it is made. A revoked token
    opens nothing, and the display's open socket is closed."""

    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.CASCADE, related_name="+")
    label = models.CharField(max_length=100, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "-created_at", "-pk"]

    def __str__(self) -> str:
        return f"display {self.pk} of {self.meeting_id}"
