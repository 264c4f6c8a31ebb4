from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from meetings import rules


def default_language() -> str:
    return settings.LANGUAGE_CODE


class Body(models.Model):
    """A cabinet, committee or board, with the decision rules it has chosen for itself."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Government")
        COMMITTEE = "committee", _("Committee")
        BOARD = "board", _("Board")

    class QuorumBase(models.TextChoices):
        VOTING_MEMBERS = rules.QuorumBase.VOTING_MEMBERS, _("members entitled to vote")
        ALL_MEMBERS = rules.QuorumBase.ALL_MEMBERS, _("all members")

    class MajorityBase(models.TextChoices):
        VOTES_CAST = rules.MajorityBase.VOTES_CAST, _("votes cast")
        MEMBERS_PRESENT = rules.MajorityBase.MEMBERS_PRESENT, _("members present")
        ALL_MEMBERS = rules.MajorityBase.ALL_MEMBERS, _("all members")

    class TieRule(models.TextChoices):
        CHAIR_DECIDES = rules.TieRule.CHAIR_DECIDES, _("the chair's side wins")
        FAILS = rules.TieRule.FAILS, _("a tie fails")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(
        _("language of the record"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=default_language,
        help_text=_("The minutes are written in it, whatever the reader's language."),
    )

    quorum_numerator = models.PositiveSmallIntegerField(_("quorum numerator"))
    quorum_denominator = models.PositiveSmallIntegerField(_("quorum denominator"))
    quorum_strict = models.BooleanField(
        _("quorum needs more than the fraction"),
        help_text=_("On: more than the fraction. Off: at least the fraction."),
    )
    quorum_base = models.CharField(_("quorum base"), max_length=20, choices=QuorumBase.choices)
    majority_numerator = models.PositiveSmallIntegerField(_("majority numerator"))
    majority_denominator = models.PositiveSmallIntegerField(_("majority denominator"))
    majority_strict = models.BooleanField(
        _("majority needs more than the fraction"),
        help_text=_("On: more than the fraction. Off: at least the fraction."),
    )
    majority_base = models.CharField(
        _("majority base"), max_length=20, choices=MajorityBase.choices
    )
    tie_rule = models.CharField(_("tie rule"), max_length=20, choices=TieRule.choices)
    substitutes_may_vote = models.BooleanField(_("substitutes may vote"))
    chair_votes_last = models.BooleanField(_("the chair votes last"))
    votes_may_change = models.BooleanField(
        _("members may change their vote while the vote is open"), default=False
    )
    remote_attendance_allowed = models.BooleanField(_("members may attend remotely"), default=False)
    remote_counts_for_quorum = models.BooleanField(
        _("remote members count toward the quorum"), default=False
    )
    remote_may_vote = models.BooleanField(_("remote members may vote"), default=False)
    rules_reference = models.CharField(_("legal reference"), max_length=300, blank=True)
    # The share of all members who may demand an extraordinary meeting ("at least" it);
    # empty when only the chair calls one.
    extraordinary_numerator = models.PositiveSmallIntegerField(
        _("extraordinary meeting: numerator"), null=True, blank=True
    )
    extraordinary_denominator = models.PositiveSmallIntegerField(
        _("extraordinary meeting: denominator"), null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("body")
        verbose_name_plural = _("bodies")
        permissions = [("manage_body", "Manage the body, its members and its meetings")]
        constraints = [
            models.CheckConstraint(
                condition=Q(quorum_denominator__gt=0)
                & Q(quorum_numerator__gt=0)
                & Q(quorum_numerator__lte=models.F("quorum_denominator")),
                name="body_quorum_is_a_fraction",
            ),
            models.CheckConstraint(
                condition=Q(majority_denominator__gt=0)
                & Q(majority_numerator__gt=0)
                & Q(majority_numerator__lte=models.F("majority_denominator")),
                name="body_majority_is_a_fraction",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def decision_rules(self) -> rules.DecisionRules:
        return rules.DecisionRules(
            quorum=rules.Threshold(
                self.quorum_numerator, self.quorum_denominator, self.quorum_strict
            ),
            quorum_base=rules.QuorumBase(self.quorum_base),
            majority=rules.Threshold(
                self.majority_numerator, self.majority_denominator, self.majority_strict
            ),
            majority_base=rules.MajorityBase(self.majority_base),
            tie_rule=rules.TieRule(self.tie_rule),
            substitutes_may_vote=self.substitutes_may_vote,
            chair_votes_last=self.chair_votes_last,
            reference=self.rules_reference,
            votes_may_change=self.votes_may_change,
            remote_attendance_allowed=self.remote_attendance_allowed,
            remote_counts_for_quorum=self.remote_counts_for_quorum,
            remote_may_vote=self.remote_may_vote,
            extraordinary_request=rules.Threshold(
                self.extraordinary_numerator, self.extraordinary_denominator, strict=False
            )
            if self.extraordinary_numerator and self.extraordinary_denominator
            else None,
        )

    def apply_rules(self, decision_rules: rules.DecisionRules) -> None:
        self.quorum_numerator = decision_rules.quorum.numerator
        self.quorum_denominator = decision_rules.quorum.denominator
        self.quorum_strict = decision_rules.quorum.strict
        self.quorum_base = decision_rules.quorum_base
        self.majority_numerator = decision_rules.majority.numerator
        self.majority_denominator = decision_rules.majority.denominator
        self.majority_strict = decision_rules.majority.strict
        self.majority_base = decision_rules.majority_base
        self.tie_rule = decision_rules.tie_rule
        self.substitutes_may_vote = decision_rules.substitutes_may_vote
        self.chair_votes_last = decision_rules.chair_votes_last
        self.votes_may_change = decision_rules.votes_may_change
        self.remote_attendance_allowed = decision_rules.remote_attendance_allowed
        self.remote_counts_for_quorum = decision_rules.remote_counts_for_quorum
        self.remote_may_vote = decision_rules.remote_may_vote
        self.rules_reference = decision_rules.reference
        demand = decision_rules.extraordinary_request
        self.extraordinary_numerator = demand.numerator if demand else None
        self.extraordinary_denominator = demand.denominator if demand else None


class Membership(models.Model):
    class Role(models.TextChoices):
        CHAIR = "chair", _("Chair")
        VICE_CHAIR = "vice_chair", _("Vice-chair")
        MEMBER = "member", _("Member")
        SECRETARY = "secretary", _("Secretary")
        OBSERVER = "observer", _("Observer")

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    title = models.CharField(pgettext_lazy("position", "title"), max_length=200, blank=True)
    has_vote = models.BooleanField(_("voting right"))
    starts_on = models.DateField(_("member since"), default=timezone.localdate)
    ends_on = models.DateField(
        _("ends on"), null=True, blank=True, help_text=_("From this day on, no longer a member.")
    )

    class Meta:
        ordering = ["body", "role", "user__last_name", "user__first_name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["body", "user"], name="membership_once_per_body"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="membership_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.body})"

    @property
    def is_current(self) -> bool:
        return self.is_current_on(timezone.localdate())

    def is_current_on(self, day: datetime.date) -> bool:
        """A member from `starts_on` until the day before `ends_on`."""
        return self.starts_on <= day and (self.ends_on is None or self.ends_on > day)


class Meeting(models.Model):
    class Kind(models.TextChoices):
        REGULAR = "regular", _("Regular")
        EXTRAORDINARY = "extraordinary", _("Extraordinary")
        THEMATIC = "thematic", _("Thematic")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        IN_SESSION = "in_session", _("In session")
        ADJOURNED = "adjourned", _("Adjourned")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    class Confidentiality(models.TextChoices):
        PUBLIC = "public", _("Public")
        INTERNAL = "internal", _("Internal")
        CONFIDENTIAL = "confidential", _("Confidential")
        SECRET = "secret", _("Secret")

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="meetings")
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.REGULAR)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("room"), max_length=200, blank=True)
    online_link = models.URLField(_("online link"), blank=True)
    # Where members attending remotely meet by video; shown to those invited only.
    video_link = models.URLField(
        _("video room"),
        blank=True,
        help_text=_("Shown to those invited only, where the body lets members attend remotely."),
    )
    confidentiality = models.CharField(
        _("confidentiality"),
        max_length=20,
        choices=Confidentiality.choices,
        default=Confidentiality.INTERNAL,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    # iCalendar SEQUENCE: raised on every change sent to invitees, so calendars apply updates.
    ics_sequence = models.PositiveIntegerField(default=0, editable=False)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    adjourned_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancellation_reason = models.TextField(blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        permissions = [
            ("manage_meeting", "Prepare, schedule, cancel and close the meeting"),
            ("run_meeting", "Open, adjourn and reconvene the session"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_it_starts"
            ),
            models.CheckConstraint(
                condition=~Q(place="") | ~Q(online_link=""), name="meeting_has_a_place"
            ),
        ]
        indexes = [models.Index(fields=["body", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_live(self) -> bool:
        """Whether the meeting still changes: scheduled, in session or adjourned. Only then do
        its pages follow it and show a live quorum."""
        return self.status in (self.Status.SCHEDULED, self.Status.IN_SESSION, self.Status.ADJOURNED)


class Attendance(models.Model):
    """One invited person's presence at one meeting, with a snapshot of their role and vote."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        PRESENT = "present", _("Present")
        LEFT = "left", _("Left")
        ABSENT = "absent", _("Absent")
        EXCUSED = "excused", _("Excused")
        REPRESENTED = "represented", _("Represented")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attendances"
    )
    role = models.CharField(_("role"), max_length=20, choices=Membership.Role.choices)
    title = models.CharField(pgettext_lazy("position", "title"), max_length=200, blank=True)
    has_vote = models.BooleanField(_("voting right"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.INVITED
    )
    reason = models.TextField(_("reason"), blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("left at"), null=True, blank=True)
    substitute = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("substitute"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="substitutions",
    )
    substitute_checked_in_at = models.DateTimeField(null=True, blank=True)
    # Checked in from outside the room (the body's rules say whether that counts and votes).
    remote = models.BooleanField(_("remote"), default=False)
    # The substitute's position as the minutes print it ("Deputy Minister", "Ministry of
    # Finance"); given when the secretariat adds a person who has no account.
    substitute_title = models.CharField(
        pgettext_lazy("position", "substitute's title"), max_length=200, blank=True
    )
    substitute_organisation = models.CharField(
        _("substitute's organisation"), max_length=200, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["meeting", "pk"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="attendance_once_per_person"),
            models.UniqueConstraint(
                fields=["meeting", "substitute"],
                condition=Q(substitute__isnull=False),
                name="substitute_represents_one_member",
            ),
            models.CheckConstraint(
                condition=Q(status="represented", substitute__isnull=False)
                | (~Q(status="represented") & Q(substitute__isnull=True)),
                name="substitute_only_when_represented",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.meeting}: {self.status}"


# Direct foreign-key object permissions (django-guardian's fast path).
class BodyUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Body, on_delete=models.CASCADE)


class BodyGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Body, on_delete=models.CASCADE)


class MeetingUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Meeting, on_delete=models.CASCADE)


class MeetingGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Meeting, on_delete=models.CASCADE)


class AttendanceCorrection(models.Model):
    """One change the secretariat made to someone's attendance, kept for the record: what it
    was and what it became, who changed it, when, and why. Check-ins and check-outs by the
    people themselves are not corrections; the event log keeps them."""

    attendance = models.ForeignKey(Attendance, on_delete=models.CASCADE, related_name="corrections")
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    corrected_at = models.DateTimeField(_("corrected at"), default=timezone.now)
    previous_status = models.CharField(max_length=20, choices=Attendance.Status.choices)
    status = models.CharField(max_length=20, choices=Attendance.Status.choices)
    previous_substitute = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    substitute = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    explanation = models.TextField(_("why"), blank=True)
    # Made after the meeting closed: the minutes then say the record was corrected.
    after_close = models.BooleanField(default=False)

    class Meta:
        ordering = ["attendance", "corrected_at", "pk"]
        verbose_name = _("attendance correction")
        verbose_name_plural = _("attendance corrections")

    def __str__(self) -> str:
        return f"{self.attendance}: {self.previous_status} -> {self.status}"
