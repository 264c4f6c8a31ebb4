"""Forms parse and check the shape of input; the services decide whether the change is allowed.

A `ServiceError` raised by a service is put back on the form with `add_service_error`, next to
the field it names, so both kinds of refusal look the same to the person filling it in.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.errors import ServiceError
from meetings import services
from meetings.models import Attendance, Body, Meeting, Membership

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def datetime_widget() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class PersonChoiceField(forms.ModelChoiceField):
    """People are chosen by name; the username tells apart two people with the same name."""

    def label_from_instance(self, obj: Any) -> str:
        user: User = obj
        name = user.get_full_name()
        return f"{name} ({user.username})" if name else user.username


class AttendanceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        attendance: Attendance = obj
        return attendance.user.get_full_name() or attendance.user.username


def people() -> QuerySet[User]:
    return User.objects.filter(is_active=True).order_by("last_name", "first_name", "username")


class BodyForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    kind = forms.ChoiceField(label=_("kind"), choices=Body.Kind.choices)
    description = forms.CharField(
        label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    language = forms.ChoiceField(
        label=_("language of the record"),
        choices=settings.LANGUAGES,
        help_text=_("The minutes are written in it, whatever the reader's language."),
    )
    quorum_numerator = forms.IntegerField(label=_("quorum numerator"), min_value=1, max_value=999)
    quorum_denominator = forms.IntegerField(
        label=_("quorum denominator"), min_value=1, max_value=999
    )
    quorum_strict = forms.BooleanField(
        label=_("quorum needs more than the fraction"),
        required=False,
        help_text=_("On: more than the fraction. Off: at least the fraction."),
    )
    quorum_base = forms.ChoiceField(label=_("quorum base"), choices=Body.QuorumBase.choices)
    majority_numerator = forms.IntegerField(
        label=_("majority numerator"), min_value=1, max_value=999
    )
    majority_denominator = forms.IntegerField(
        label=_("majority denominator"), min_value=1, max_value=999
    )
    majority_strict = forms.BooleanField(
        label=_("majority needs more than the fraction"),
        required=False,
        help_text=_("On: more than the fraction. Off: at least the fraction."),
    )
    majority_base = forms.ChoiceField(label=_("majority base"), choices=Body.MajorityBase.choices)
    tie_rule = forms.ChoiceField(label=_("tie rule"), choices=Body.TieRule.choices)
    substitutes_may_vote = forms.BooleanField(label=_("substitutes may vote"), required=False)
    chair_votes_last = forms.BooleanField(label=_("the chair votes last"), required=False)
    votes_may_change = forms.BooleanField(
        label=_("members may change their vote while the vote is open"), required=False
    )
    remote_attendance_allowed = forms.BooleanField(
        label=_("members may attend remotely"),
        required=False,
        help_text=_("They check in from outside the room, confirming who they are."),
    )
    remote_counts_for_quorum = forms.BooleanField(
        label=_("remote members count toward the quorum"), required=False
    )
    remote_may_vote = forms.BooleanField(
        label=_("remote members may vote"),
        required=False,
        help_text=_("Only where they count toward the quorum."),
    )
    rules_reference = forms.CharField(label=_("legal reference"), max_length=300, required=False)
    extraordinary_numerator = forms.IntegerField(
        label=_("extraordinary meeting: numerator"), min_value=1, max_value=999, required=False
    )
    extraordinary_denominator = forms.IntegerField(
        label=_("extraordinary meeting: denominator"),
        min_value=1,
        max_value=999,
        required=False,
        help_text=_(
            "The share of all members who may demand an extraordinary meeting (at least 1/3 for"
            " the Government). Leave both empty where only the chair calls one."
        ),
    )

    RULE_FIELDS = services.RULE_FIELDS

    @classmethod
    def initial_for(cls, body: Body) -> dict[str, Any]:
        return {name: getattr(body, name) for name in cls.base_fields}

    @classmethod
    def initial_for_new(cls, kind: str = Body.Kind.COMMITTEE) -> dict[str, Any]:
        """A new body starts from its kind's usual rules, which the secretariat may change."""
        preset = Body(kind=kind, name="", language=services.default_language_for(kind))
        preset.apply_rules(services.PRESETS[Body.Kind(kind)])
        return cls.initial_for(preset)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "kind" in cleaned and all(name in cleaned for name in self.RULE_FIELDS):
            try:
                self.rules = services.rules_for(
                    cleaned["kind"], {name: cleaned[name] for name in self.RULE_FIELDS}
                )
            except ServiceError as error:
                self.add_error(error.field, error.message)
        return cleaned


class MembershipCreateForm(forms.Form):
    BY_ROLE, VOTES, NO_VOTE = "", "yes", "no"

    user = PersonChoiceField(label=_("person"), queryset=User.objects.none())
    role = forms.ChoiceField(label=_("role"), choices=Membership.Role.choices)
    title = forms.CharField(
        label=pgettext_lazy("position", "title"), max_length=200, required=False
    )
    has_vote = forms.ChoiceField(
        label=_("voting right"),
        required=False,
        choices=[
            (BY_ROLE, _("As the role gives (chair, vice-chairs and members vote)")),
            (VOTES, _("Votes")),
            (NO_VOTE, _("Does not vote")),
        ],
    )
    starts_on = forms.DateField(label=_("member since"), required=False, widget=DATE_WIDGET)
    ends_on = forms.DateField(
        label=_("ends on"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("From this day on, no longer a member."),
    )

    def __init__(self, *args: Any, body: Body, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user_field = self.fields["user"]
        assert isinstance(user_field, forms.ModelChoiceField)
        # People already in the body are left out; the service refuses them anyway.
        user_field.queryset = people().exclude(memberships__body=body)

    def vote(self) -> bool | None:
        return {self.VOTES: True, self.NO_VOTE: False}.get(self.cleaned_data["has_vote"])


class MembershipUpdateForm(forms.Form):
    role = forms.ChoiceField(label=_("role"), choices=Membership.Role.choices)
    title = forms.CharField(
        label=pgettext_lazy("position", "title"), max_length=200, required=False
    )
    has_vote = forms.BooleanField(label=_("voting right"), required=False)
    starts_on = forms.DateField(label=_("member since"), widget=DATE_WIDGET)
    ends_on = forms.DateField(
        label=_("ends on"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("From this day on, no longer a member."),
    )

    @classmethod
    def initial_for(cls, membership: Membership) -> dict[str, Any]:
        return {name: getattr(membership, name) for name in cls.base_fields}


class MembershipEndForm(forms.Form):
    ends_on = forms.DateField(
        label=_("ends on"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("The first day without access. Leave empty to end it today, at once."),
    )


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=300)
    kind = forms.ChoiceField(label=_("kind"), choices=Meeting.Kind.choices)
    starts_at = forms.DateTimeField(label=_("starts at"), widget=datetime_widget())
    ends_at = forms.DateTimeField(label=_("ends at"), widget=datetime_widget())
    place = forms.CharField(
        label=_("room"),
        max_length=200,
        required=False,
        help_text=_("Give a room, an online link, or both."),
    )
    online_link = forms.URLField(
        label=_("online link"), required=False, assume_scheme="https", max_length=200
    )
    video_link = forms.URLField(
        label=_("video room"),
        required=False,
        assume_scheme="https",
        max_length=200,
        help_text=_(
            "For members attending remotely; shown to those invited only. Left empty on a new"
            " meeting, a room is made for it."
        ),
    )
    confidentiality = forms.ChoiceField(
        label=_("confidentiality"),
        choices=Meeting.Confidentiality.choices,
        initial=Meeting.Confidentiality.INTERNAL,
    )
    description = forms.CharField(
        label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    @classmethod
    def initial_for(cls, meeting: Meeting) -> dict[str, Any]:
        initial = {name: getattr(meeting, name) for name in cls.base_fields}
        # The inputs show minutes; seconds left in the initial value would count as a change.
        for name in ("starts_at", "ends_at"):
            initial[name] = timezone.localtime(initial[name]).replace(second=0, microsecond=0)
        return initial


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("reason for the cancellation"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Sent to everyone invited."),
    )


class DisplayForm(forms.Form):
    label = forms.CharField(
        label=_("where it is shown"),
        max_length=100,
        required=False,
        help_text=_("For example: the projector in the main hall."),
    )


def invited(meeting: Meeting) -> QuerySet[Attendance]:
    return (
        Attendance.objects.filter(meeting=meeting)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )


class AttendanceRecordForm(forms.Form):
    STATUSES = [
        (Attendance.Status.PRESENT, _("Present")),
        (Attendance.Status.ABSENT, _("Absent")),
        (Attendance.Status.EXCUSED, _("Excused")),
        (Attendance.Status.REPRESENTED, _("Represented by a substitute")),
        (Attendance.Status.INVITED, _("Back to invited")),
    ]

    attendance = AttendanceChoiceField(
        label=_("person"), queryset=Attendance.objects.none(), empty_label=None
    )
    status = forms.ChoiceField(label=_("attendance"), choices=STATUSES)
    reason = forms.CharField(
        label=_("reason"),
        required=False,
        max_length=2000,
        help_text=_("Required when absent or excused."),
    )
    substitute = PersonChoiceField(
        label=_("substitute"),
        required=False,
        queryset=User.objects.none(),
        help_text=_("Only when represented."),
    )
    explanation = forms.CharField(
        label=_("why the correction"),
        required=False,
        max_length=2000,
        help_text=_("Required once the meeting has closed; kept with the correction."),
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        attendance_field = self.fields["attendance"]
        substitute_field = self.fields["substitute"]
        assert isinstance(attendance_field, forms.ModelChoiceField)
        assert isinstance(substitute_field, forms.ModelChoiceField)
        attendance_field.queryset = invited(meeting)
        substitute_field.queryset = people().exclude(attendances__meeting=meeting)


class SubstituteAddForm(forms.Form):
    """A person without an account, added as a member's substitute (`services.substitute_add`)."""

    attendance = AttendanceChoiceField(
        label=_("represented member"), queryset=Attendance.objects.none(), empty_label=None
    )
    name = forms.CharField(label=_("substitute's full name"), max_length=150)
    title = forms.CharField(
        label=pgettext_lazy("position", "substitute's title"), required=False, max_length=150
    )
    organisation = forms.CharField(
        label=_("substitute's organisation"), required=False, max_length=150
    )
    explanation = forms.CharField(
        label=_("why the correction"),
        required=False,
        max_length=2000,
        help_text=_("Required once the meeting has closed; kept with the correction."),
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        attendance_field = self.fields["attendance"]
        assert isinstance(attendance_field, forms.ModelChoiceField)
        attendance_field.queryset = invited(meeting)
