"""Request and response shapes of the REST API.

Response serializers render models. Request serializers only check shape: types, lengths,
choices and references. Whether a change is allowed, and when, is decided by
`meetings.services`, so the API and the screens refuse the same things with the same words.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from core.errors import ServiceError
from core.serializers import RejectUnknownFields
from meetings import services
from meetings.models import Attendance, Body, Meeting, Membership
from realtime.models import DisplayToken

RULE_FIELDS = services.RULE_FIELDS
FRACTION_FIELDS = (
    "quorum_numerator",
    "quorum_denominator",
    "majority_numerator",
    "majority_denominator",
    "extraordinary_numerator",
    "extraordinary_denominator",
)


PERSON_ERRORS: dict[str, Any] = {
    "does_not_exist": gettext_lazy("No such person."),
    "incorrect_type": gettext_lazy("Give the person's id as a number."),
}


# Responses


class PersonSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name"]
        read_only_fields = fields

    def get_name(self, user: User) -> str:
        return user.get_full_name() or user.get_username()


class BodySerializer(serializers.ModelSerializer):
    class Meta:
        model = Body
        fields = ["id", "name", "kind", "description", "language", *RULE_FIELDS, "created_at"]
        read_only_fields = fields


class MembershipSerializer(serializers.ModelSerializer):
    user = PersonSerializer(read_only=True)
    is_current = serializers.BooleanField(read_only=True)

    class Meta:
        model = Membership
        fields = [
            "id",
            "body",
            "user",
            "role",
            "title",
            "has_vote",
            "starts_on",
            "ends_on",
            "is_current",
        ]
        read_only_fields = fields


class MeetingSerializer(serializers.ModelSerializer):
    body_name = serializers.CharField(source="body.name", read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "body",
            "body_name",
            "title",
            "kind",
            "description",
            "starts_at",
            "ends_at",
            "place",
            "online_link",
            "confidentiality",
            "status",
            "started_at",
            "adjourned_at",
            "closed_at",
            "cancelled_at",
            "cancellation_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AttendanceSerializer(serializers.ModelSerializer):
    user = PersonSerializer(read_only=True)
    substitute = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Attendance
        fields = [
            "id",
            "user",
            "role",
            "title",
            "has_vote",
            "status",
            "reason",
            "checked_in_at",
            "checked_out_at",
            "substitute",
            "substitute_title",
            "substitute_organisation",
            "substitute_checked_in_at",
            "remote",
        ]
        read_only_fields = fields


class QuorumSerializer(serializers.Serializer):
    # Built here rather than declared: a field called `required` would shadow the
    # serializer's own `required` flag.
    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            "present": serializers.IntegerField(read_only=True),
            "members": serializers.IntegerField(read_only=True),
            "required": serializers.IntegerField(read_only=True),
            "met": serializers.BooleanField(read_only=True),
            "explanation": serializers.CharField(read_only=True),
        }


# Requests


class BodyCreateSerializer(RejectUnknownFields, serializers.ModelSerializer):
    """A body starts from its kind's rules; any rule field given replaces that one rule."""

    class Meta:
        model = Body
        fields = ["name", "kind", "description", "language", *RULE_FIELDS]
        extra_kwargs: dict[str, dict[str, Any]] = {
            # Uniqueness is the service's to check: it ignores case, the database does not.
            "name": {"validators": []},
            "language": {"required": False},
            **{name: {"required": False} for name in RULE_FIELDS},
            **{name: {"required": False, "min_value": 1} for name in FRACTION_FIELDS},
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        overrides = {name: attrs.pop(name) for name in RULE_FIELDS if name in attrs}
        if overrides:
            try:
                attrs["decision_rules"] = services.rules_for(attrs["kind"], overrides)
            except ServiceError as error:
                raise serializers.ValidationError(
                    {error.field or "non_field_errors": [error.message]}
                ) from None
        return attrs


class BodyUpdateSerializer(RejectUnknownFields, serializers.ModelSerializer):
    class Meta:
        model = Body
        fields = ["name", "kind", "description", "language", *RULE_FIELDS]
        extra_kwargs: dict[str, dict[str, Any]] = {
            "name": {"validators": []},
            **{name: {"min_value": 1} for name in FRACTION_FIELDS},
        }


class MembershipCreateSerializer(RejectUnknownFields, serializers.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), error_messages=PERSON_ERRORS
    )
    has_vote = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Left out or null: chair, vice-chairs and members vote."),
    )

    class Meta:
        model = Membership
        fields = ["user", "role", "title", "has_vote", "starts_on", "ends_on"]
        validators: list[Any] = []


class MembershipUpdateSerializer(RejectUnknownFields, serializers.ModelSerializer):
    class Meta:
        model = Membership
        fields = ["role", "title", "has_vote", "starts_on", "ends_on"]
        validators: list[Any] = []


class MembershipEndSerializer(RejectUnknownFields):
    ends_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=gettext_lazy("From this day on, no longer a member; left out: today."),
    )


class MeetingCreateSerializer(RejectUnknownFields, serializers.ModelSerializer):
    # A plain id: the view resolves it with access_body, so that a body the user cannot see
    # is reported exactly like one that does not exist.
    body = serializers.IntegerField(min_value=1)

    class Meta:
        model = Meeting
        fields = [
            "body",
            "title",
            "kind",
            "description",
            "starts_at",
            "ends_at",
            "place",
            "online_link",
            "confidentiality",
        ]


class MeetingUpdateSerializer(RejectUnknownFields, serializers.ModelSerializer):
    class Meta:
        model = Meeting
        fields = sorted(services.EDITABLE_MEETING_FIELDS)


class DisplaySerializer(serializers.ModelSerializer):
    created_by = PersonSerializer(read_only=True)

    class Meta:
        model = DisplayToken
        fields = ["id", "meeting", "label", "created_by", "created_at", "revoked_at"]
        read_only_fields = fields


class NewDisplaySerializer(DisplaySerializer):
    """A display just set up: with its link, the only time it is given."""

    url = serializers.SerializerMethodField()

    class Meta(DisplaySerializer.Meta):
        fields = [*DisplaySerializer.Meta.fields, "url"]
        read_only_fields = fields

    def get_url(self, display: DisplayToken) -> str:
        return str(self.context["url"])


class CheckInSerializer(RejectUnknownFields):
    remote = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Attend from outside the room, where the body's rules allow it; needs a "
        "recent proof of who you are (a session that signed in or confirmed who it is within "
        "REAUTHENTICATION_MINUTES, or HTTP Basic). Refused for API tokens.",
    )


class DisplayCreateSerializer(RejectUnknownFields):
    # DRF takes declared fields off the class, so this does not replace Field.label.
    label = serializers.CharField(  # type: ignore[assignment]
        required=False, allow_blank=True, default="", max_length=100
    )


class MeetingCancelSerializer(RejectUnknownFields):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class AttendanceRecordSerializer(RejectUnknownFields):
    """The whole record at once: a status, with a reason for an absence and a substitute for a
    represented member. What is left out is cleared."""

    status = serializers.ChoiceField(choices=Attendance.Status.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    substitute = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        allow_null=True,
        default=None,
        error_messages=PERSON_ERRORS,
    )
    substitute_title = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=services.SUBSTITUTE_FIELD_LENGTH
    )
    substitute_organisation = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=services.SUBSTITUTE_FIELD_LENGTH
    )
    explanation = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="Why the attendance changes; required once the meeting has closed.",
    )


class SubstituteAddSerializer(RejectUnknownFields):
    """A person who has no account, attending for the member as their substitute."""

    name = serializers.CharField(
        max_length=services.SUBSTITUTE_FIELD_LENGTH, help_text="The substitute's full name."
    )
    title = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=services.SUBSTITUTE_FIELD_LENGTH
    )
    organisation = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=services.SUBSTITUTE_FIELD_LENGTH
    )
    explanation = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="Why the attendance changes; required once the meeting has closed.",
    )


class MeetingFilterSerializer(serializers.Serializer):
    body = serializers.IntegerField(
        required=False, min_value=1, help_text=gettext_lazy("Only this body's meetings.")
    )
    status = serializers.ChoiceField(
        choices=Meeting.Status.choices,
        required=False,
        help_text=gettext_lazy("Only meetings in this state."),
    )
    date_from = serializers.DateField(
        required=False, help_text=gettext_lazy("Meetings starting on or after this day.")
    )
    date_to = serializers.DateField(
        required=False, help_text=gettext_lazy("Meetings starting on or before this day.")
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "date_from" in attrs and "date_to" in attrs and attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError(
                {"date_to": [_("The end of the range comes before its start.")]}
            )
        return attrs
