"""Reads shaped for screens and the API, each with a fixed number of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from meetings import permissions, rules
from meetings.models import Attendance, AttendanceCorrection, Body, Meeting, Membership
from realtime.models import DisplayToken


def meeting_quorum(meeting: Meeting) -> rules.QuorumResult:
    """The quorum now, from attendance and the body's rules (one query)."""
    return attendance_figures(meeting).quorum


@dataclass(frozen=True)
class AttendanceFigures:
    quorum: rules.QuorumResult
    # Who is in the room (present in their own right, or represented by a substitute who has
    # checked in), and everyone invited.
    in_the_room: int
    invited: int


def attendance_figures(meeting: Meeting) -> AttendanceFigures:
    """The quorum and the room's figures now, from attendance and the body's rules (one query).

    The base is the invitation list frozen when the meeting was scheduled. A represented member
    counts as present when their substitute has checked in and the rules let substitutes vote;
    a member checked in remotely when the rules count remote members toward the quorum.
    In SQL because every check-in counts it inside its transaction, and composing it through
    the ORM took longer than running it.
    """
    body_rules = meeting.body.decision_rules
    voting_members = body_rules.quorum_base == rules.QuorumBase.VOTING_MEMBERS
    base = "(has_vote OR NOT %s)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FILTER (WHERE {base}),"  # noqa: S608  (no value in the text)
            f" count(*) FILTER (WHERE {base} AND ((status = %s AND (NOT remote OR %s)) OR"
            " (%s AND status = %s AND substitute_checked_in_at IS NOT NULL))),"
            " count(*) FILTER (WHERE status = %s OR"
            " (status = %s AND substitute_checked_in_at IS NOT NULL)),"
            " count(*) FROM meetings_attendance WHERE meeting_id = %s",
            [
                voting_members,
                voting_members,
                Attendance.Status.PRESENT,
                body_rules.remote_counts(),
                body_rules.substitutes_may_vote,
                Attendance.Status.REPRESENTED,
                Attendance.Status.PRESENT,
                Attendance.Status.REPRESENTED,
                meeting.pk,
            ],
        )
        members, present, in_the_room, invited = cursor.fetchone()
    return AttendanceFigures(
        quorum=rules.quorum(body_rules, members=members, present=present),
        in_the_room=in_the_room,
        invited=invited,
    )


def counts_toward_quorum(attendance: Attendance, body_rules: rules.DecisionRules) -> bool:
    """Whether the row counts as present for the quorum, as `meeting_quorum` counts it."""
    if attendance.status == Attendance.Status.PRESENT:
        return not attendance.remote or body_rules.remote_counts()
    return (
        body_rules.substitutes_may_vote
        and attendance.status == Attendance.Status.REPRESENTED
        and attendance.substitute_checked_in_at is not None
    )


def meeting_with_body(meeting_id: int) -> Meeting:
    """The meeting and its body, in one plain statement: what every event's regions are drawn
    from, read after its commit while every screen's frame waits. In SQL because composing it
    through the ORM took longer than running it. Raises Meeting.DoesNotExist."""
    quote = connection.ops.quote_name
    meeting_fields = Meeting._meta.concrete_fields
    body_fields = Body._meta.concrete_fields
    columns = ", ".join(
        [f"m.{quote(f.column)}" for f in meeting_fields]
        + [f"b.{quote(f.column)}" for f in body_fields]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM meetings_meeting m"  # noqa: S608  (the models' own columns)
            " JOIN meetings_body b ON b.id = m.body_id WHERE m.id = %s",
            [meeting_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise Meeting.DoesNotExist(f"No meeting {meeting_id}.")
    split = len(meeting_fields)
    meeting = Meeting.from_db(connection.alias, [f.attname for f in meeting_fields], row[:split])
    meeting.body = Body.from_db(connection.alias, [f.attname for f in body_fields], row[split:])
    return meeting


def attendance_row(meeting: Meeting, attendance_id: int) -> Attendance | None:
    """One row with its member's and substitute's names, in one plain statement: what an
    arrival redraws, after the commit that every screen's frame waits for. In SQL because
    composing it through the ORM took longer than running it."""
    quote = connection.ops.quote_name
    fields = Attendance._meta.concrete_fields
    names = ("username", "first_name", "last_name")
    columns = ", ".join(
        [f"a.{quote(f.column)}" for f in fields]
        + [f"{person}.{name}" for person in ("u", "s") for name in names]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM meetings_attendance a"  # noqa: S608  (the models' own columns)
            " JOIN auth_user u ON u.id = a.user_id"
            " LEFT JOIN auth_user s ON s.id = a.substitute_id"
            " WHERE a.meeting_id = %s AND a.id = %s",
            [meeting.pk, attendance_id],
        )
        found = cursor.fetchone()
    if found is None:
        return None
    split = len(fields)
    row = Attendance.from_db(connection.alias, [f.attname for f in fields], found[:split])
    # Only the names are read; any other field of these users loads when it is first used.
    person = ["id", *names]
    row.user = User.from_db(connection.alias, person, [row.user_id, *found[split : split + 3]])
    if row.substitute_id is not None:
        row.substitute = User.from_db(
            connection.alias, person, [row.substitute_id, *found[split + 3 :]]
        )
    return row


def attendance_list(meeting: Meeting) -> QuerySet[Attendance]:
    return (
        Attendance.objects.filter(meeting=meeting)
        .select_related("user", "substitute")
        .order_by("role", "user__last_name", "user__first_name", "pk")
    )


def attendance_corrections(meeting: Meeting) -> list[AttendanceCorrection]:
    """Every change the secretariat made to the meeting's attendance, newest first."""
    return list(
        AttendanceCorrection.objects.filter(attendance__meeting=meeting)
        .select_related("attendance__user", "corrected_by", "previous_substitute", "substitute")
        .order_by("-corrected_at", "-pk")
    )


def attendance_for_user(meeting: Meeting, user: User | AnonymousUser) -> Attendance | None:
    """The attendance row the user acts on: their own, or the one they substitute in."""
    if not user.is_authenticated:
        return None
    return (
        Attendance.objects.filter(meeting=meeting)
        .filter(Q(user=user) | Q(substitute=user))
        .select_related("user", "substitute")
        .first()
    )


@dataclass(frozen=True)
class MyMeetings:
    today: list[Meeting]
    upcoming: list[Meeting]
    past: list[Meeting]


def meeting_list_for_member(user: User) -> MyMeetings:
    """The meetings a person is invited to (or substitutes in), split around today."""
    meetings = (
        Meeting.objects.filter(Q(attendances__user=user) | Q(attendances__substitute=user))
        .exclude(status=Meeting.Status.DRAFT)
        .select_related("body")
        .distinct()
        .order_by("starts_at")
    )
    today = timezone.localdate()
    start_of_today = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    start_of_tomorrow = start_of_today + datetime.timedelta(days=1)
    listed = list(meetings)
    return MyMeetings(
        today=[m for m in listed if start_of_today <= m.starts_at < start_of_tomorrow],
        upcoming=[m for m in listed if m.starts_at >= start_of_tomorrow],
        past=sorted(
            (m for m in listed if m.starts_at < start_of_today),
            key=lambda m: m.starts_at,
            reverse=True,
        ),
    )


def meeting_list_for_secretariat(user: User) -> QuerySet[Meeting]:
    """Meetings of the bodies the user manages, drafts included, newest first."""
    managed = permissions.bodies_for_user(user, permissions.MANAGE_BODY)
    return Meeting.objects.filter(body__in=managed).select_related("body").order_by("-starts_at")


def body_list_for_user(user: User) -> QuerySet[Body]:
    return permissions.bodies_for_user(user)


def membership_list(body: Body) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(body=body)
        .select_related("user")
        .order_by("role", "user__last_name", "user__first_name")
    )


def in_the_room(meeting: Meeting, user: User | AnonymousUser) -> bool:
    """Whether the person has checked in, in their own right or as a member's substitute."""
    attendance = attendance_for_user(meeting, user)
    if attendance is None:
        return False
    if attendance.substitute_id == user.pk:
        return attendance.substitute_checked_in_at is not None
    return attendance.status == Attendance.Status.PRESENT


def display_list(meeting: Meeting) -> QuerySet[DisplayToken]:
    """The meeting's room displays, newest first, with who set each up (one query)."""
    return DisplayToken.objects.filter(meeting=meeting).select_related("created_by")
