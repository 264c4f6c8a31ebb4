"""Django admin. Changes that carry permissions or e-mails go through the services, so an
edit here has the same effect as the same edit on the secretariat's screens."""

from typing import Any, cast

from django.contrib import admin
from django.contrib.auth.models import User
from django.http import HttpRequest
from guardian.admin import GuardedModelAdmin

from meetings import services
from meetings.models import Attendance, Body, Meeting, Membership


@admin.register(Body)
class BodyAdmin(GuardedModelAdmin):
    list_display = ["name", "kind", "rules_reference"]
    list_filter = ["kind"]
    search_fields = ["name"]

    def save_model(self, request: HttpRequest, obj: Body, form: Any, change: bool) -> None:
        if change:
            fields = {name: getattr(obj, name) for name in services.EDITABLE_BODY_FIELDS}
            services.body_update(actor=cast(User, request.user), body=obj, **fields)
        else:
            obj.pk = services.body_create(
                actor=cast(User, request.user),
                name=obj.name,
                kind=obj.kind,
                description=obj.description,
                decision_rules=obj.decision_rules,
            ).pk


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "body", "role", "title", "has_vote", "starts_on", "ends_on"]
    list_filter = ["body", "role", "has_vote"]
    search_fields = ["user__username", "user__last_name", "title"]
    autocomplete_fields = ["user"]

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        fields = {name: getattr(obj, name) for name in ("role", "title", "has_vote", "ends_on")}
        if change:
            services.membership_update(actor=cast(User, request.user), membership=obj, **fields)
        else:
            obj.pk = services.membership_create(
                actor=cast(User, request.user),
                body=obj.body,
                user=obj.user,
                starts_on=obj.starts_on,
                **fields,
            ).pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # End a membership instead: it keeps the record and revokes access.


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    fields = readonly_fields = (
        "user",
        "role",
        "has_vote",
        "status",
        "reason",
        "substitute",
        "checked_in_at",
    )
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Meeting)
class MeetingAdmin(GuardedModelAdmin):
    list_display = ["title", "body", "kind", "starts_at", "status", "confidentiality"]
    list_filter = ["body", "status", "kind", "confidentiality"]
    search_fields = ["title"]
    date_hierarchy = "starts_at"
    readonly_fields = ["status", "started_at", "adjourned_at", "closed_at", "cancelled_at"]
    inlines = [AttendanceInline]

    def save_model(self, request: HttpRequest, obj: Meeting, form: Any, change: bool) -> None:
        fields = {name: getattr(obj, name) for name in services.EDITABLE_MEETING_FIELDS}
        if change:
            services.meeting_update(actor=cast(User, request.user), meeting=obj, **fields)
        else:
            obj.pk = services.meeting_create(
                actor=cast(User, request.user), body=obj.body, **fields
            ).pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass  # Attendance is read-only here; it changes through the attendance services.


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["meeting", "user", "status", "checked_in_at", "substitute"]
    list_filter = ["status", "meeting__body"]
    readonly_fields = [f.name for f in Attendance._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
