"""The meeting pages' live regions: what the meeting page, the attendance board and the session
screens show of the meeting's status, quorum, attendance and lifecycle buttons.

The views render the pages from the same functions, so a page and the region an event pushes
into it are the same markup (realtime.regions). A shared region's context depends only on the
meeting and the audience's rights; the personal one on the person alone.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from meetings import forms, permissions, rules, selectors, services
from meetings.models import Attendance, Meeting, Membership
from realtime import presence, regions

StrOrPromise = str | Promise
S = Meeting.Status
ROLE_ORDER = {role: rank for rank, role in enumerate(Membership.Role.values)}
# Closed too: the secretariat corrects the attendance until the minutes are approved.
RECORDABLE = {S.SCHEDULED, S.IN_SESSION, S.ADJOURNED, S.CLOSED}
LIVE = {S.SCHEDULED, S.IN_SESSION, S.ADJOURNED}
# Who sees which tablets are online, and who sees the board's buttons.
PRESENCE_RIGHTS = frozenset({permissions.RUN_MEETING, permissions.MANAGE_MEETING})
STATUS_EVENTS = tuple(
    f"meetings.meeting_{change}"
    for change in (
        "scheduled",
        "changed",
        "started",
        "adjourned",
        "reconvened",
        "closed",
        "cancelled",
    )
)
MEETING_EVENTS = ("meetings.",)


@dataclass(frozen=True)
class LifecycleAction:
    """A lifecycle button. Which states it starts from is the service's `TRANSITIONS`; who may
    press it is the right the service checks."""

    name: str
    label: StrOrPromise
    done: StrOrPromise
    right: str
    refused: StrOrPromise

    def available(self, rights: frozenset[str], meeting: Meeting) -> bool:
        sources = services.TRANSITIONS[self.name].sources
        return meeting.status in sources and self.right in rights


LIFECYCLE: dict[str, LifecycleAction] = {
    action.name: action
    for action in [
        LifecycleAction(
            "schedule",
            gettext_lazy("Schedule and send invitations"),
            gettext_lazy("The meeting is scheduled and the invitations are on their way."),
            permissions.MANAGE_MEETING,
            gettext_lazy("You cannot schedule this meeting."),
        ),
        LifecycleAction(
            "start",
            gettext_lazy("Open the session"),
            gettext_lazy("The session is open."),
            permissions.RUN_MEETING,
            gettext_lazy("Only the chair can open the session."),
        ),
        LifecycleAction(
            "adjourn",
            gettext_lazy("Adjourn"),
            gettext_lazy("The session is adjourned."),
            permissions.RUN_MEETING,
            gettext_lazy("Only the chair can adjourn."),
        ),
        LifecycleAction(
            "reconvene",
            gettext_lazy("Reconvene"),
            gettext_lazy("The session has reconvened."),
            permissions.RUN_MEETING,
            gettext_lazy("Only the chair can reconvene."),
        ),
        LifecycleAction(
            "close",
            gettext_lazy("Close the meeting"),
            gettext_lazy("The meeting is closed."),
            permissions.MANAGE_MEETING,
            gettext_lazy("You cannot close this meeting."),
        ),
        LifecycleAction(
            "cancel",
            gettext_lazy("Cancel the meeting"),
            gettext_lazy("The meeting is cancelled and everyone invited has been told."),
            permissions.MANAGE_MEETING,
            gettext_lazy("You cannot cancel this meeting."),
        ),
    ]
}


def available_actions(rights: frozenset[str], meeting: Meeting) -> list[LifecycleAction]:
    return [action for action in LIFECYCLE.values() if action.available(rights, meeting)]


@dataclass(frozen=True)
class OwnAttendance:
    """The person's own place at the meeting, as the check-in box shows it."""

    attendance: Attendance
    as_substitute: bool
    present: bool
    can_check_in: bool
    can_check_out: bool
    check_in_opens_at: datetime.datetime
    check_in_opens_later: bool
    # Where the body lets members attend from outside the room: whether they may check in that
    # way (not once they are in), and the video room. Never for substitutes, who attend in the
    # room; and only here, in the person's own box, so that nobody who is not invited sees the
    # link.
    can_check_in_remotely: bool = False
    video_link: str = ""


def own_attendance(meeting: Meeting, user: User) -> OwnAttendance | None:
    return own_attendance_in(meeting, selectors.attendance_for_user(meeting, user), user.pk)


def own_attendance_in(
    meeting: Meeting, attendance: Attendance | None, user_id: int
) -> OwnAttendance | None:
    """The person's place, from the attendance row they act on (their own or the one they
    substitute in)."""
    if attendance is None:
        return None
    as_substitute = attendance.substitute_id == user_id
    if as_substitute:
        present = attendance.substitute_checked_in_at is not None
    else:
        present = attendance.status == Attendance.Status.PRESENT
    open_for_check_in = meeting.status in (S.SCHEDULED, S.IN_SESSION)
    represented = not as_substitute and attendance.status == Attendance.Status.REPRESENTED
    opens_at = meeting.starts_at - datetime.timedelta(hours=settings.CHECK_IN_OPENS_HOURS)
    can_check_in = open_for_check_in and not present and not represented
    remote = meeting.body.remote_attendance_allowed and not as_substitute and not represented
    return OwnAttendance(
        attendance=attendance,
        as_substitute=as_substitute,
        present=present,
        can_check_in=can_check_in,
        can_check_out=present and meeting.status in LIVE,
        check_in_opens_at=opens_at,
        check_in_opens_later=meeting.status == S.SCHEDULED and timezone.now() < opens_at,
        can_check_in_remotely=remote and can_check_in,
        video_link=meeting.video_link if remote and meeting.status in LIVE else "",
    )


def roll_call_order(attendances: Iterable[Attendance]) -> list[Attendance]:
    """Chair, vice-chairs, members, secretary, observers, as a roll is called. The selector sorts
    by the stored role value, which is alphabetical and puts the vice-chairs last."""
    return sorted(attendances, key=lambda a: ROLE_ORDER.get(a.role, len(ROLE_ORDER)))


def in_the_room(attendance: Attendance) -> bool:
    if attendance.status == Attendance.Status.REPRESENTED:
        return attendance.substitute_checked_in_at is not None
    return attendance.status == Attendance.Status.PRESENT


# Context builders, shared by the views and the regions


def lifecycle_context(
    meeting: Meeting, rights: frozenset[str], *, board: bool = False
) -> dict[str, Any]:
    """The session buttons. The board has no cancel form and returns to itself."""
    actions = available_actions(rights, meeting)
    with_cancel = not board and any(action.name == "cancel" for action in actions)
    return {
        "meeting": meeting,
        "actions": [action for action in actions if action.name != "cancel"],
        "cancel_form": forms.CancelForm() if with_cancel else None,
        "region": "board-lifecycle" if board else "lifecycle",
        "return_to": "board" if board else "",
    }


def _counts(attendances: list[Attendance]) -> dict[str, int]:
    present = sum(1 for a in attendances if in_the_room(a))
    return {"present_count": present, "absent_count": len(attendances) - present}


def attendance_context(meeting: Meeting, rights: frozenset[str]) -> dict[str, Any]:
    """The attendance table of the meeting page."""
    attendances = roll_call_order(selectors.attendance_list(meeting))
    return {
        "meeting": meeting,
        "attendances": attendances,
        "invited": len(attendances),
        **_counts(attendances),
        "record_form": _records(meeting, rights) and bool(attendances),
    }


def _records(meeting: Meeting, rights: frozenset[str]) -> bool:
    return permissions.MANAGE_MEETING in rights and meeting.status in RECORDABLE


@dataclass(frozen=True)
class BoardRow:
    attendance: Attendance
    present: bool


def board_context(meeting: Meeting, rights: frozenset[str]) -> dict[str, Any]:
    """The attendance board's figures and lists; tablets online for those who run the session."""
    attendances = roll_call_order(selectors.attendance_list(meeting))
    return {
        "meeting": meeting,
        "quorum": selectors.meeting_quorum(meeting),
        "rows": [BoardRow(a, in_the_room(a)) for a in attendances],
        **_counts(attendances),
        **_presence(meeting, rights),
    }


def _presence(meeting: Meeting, rights: frozenset[str]) -> dict[str, Any]:
    follows = bool(rights & PRESENCE_RIGHTS)
    return {
        "follows_presence": follows,
        "online": presence.online_user_ids(meeting.pk) if follows else set(),
    }


def quorum_context(meeting: Meeting) -> dict[str, Any]:
    return {
        "meeting": meeting,
        "quorum": selectors.meeting_quorum(meeting) if meeting.status != S.DRAFT else None,
    }


def own_attendance_context(meeting: Meeting, user: User) -> dict[str, Any]:
    return {"meeting": meeting, "mine": own_attendance(meeting, user)}


# The regions (registered in MeetingsConfig.ready)


def _html(template: str, context: dict[str, Any]) -> str:
    return render_to_string(template, context)


@dataclass(frozen=True)
class QuorumFigures:
    """Who counts toward the quorum, as the event counted them: the result (and its
    explanation, a sentence in the reader's language) is worked out when each language renders,
    not when the figures are read."""

    meeting: Meeting
    members: int
    present: int

    def result(self) -> rules.QuorumResult:
        decision_rules = self.meeting.body.decision_rules
        return rules.quorum(decision_rules, members=self.members, present=self.present)


def _quorum_figures(meeting: Meeting, payload: dict[str, Any]) -> QuorumFigures | None:
    """The quorum's figures: those an attendance event carries, counted in its transaction, so
    no query; for any other event, counted now. None before the meeting is scheduled."""
    if meeting.status == S.DRAFT:
        return None
    figures = payload.get("quorum")
    if isinstance(figures, dict) and {"members", "present"} <= figures.keys():
        return QuorumFigures(meeting, int(figures["members"]), int(figures["present"]))
    counted = selectors.meeting_quorum(meeting)
    return QuorumFigures(meeting, counted.members, counted.present)


@dataclass(frozen=True)
class Arrival:
    """What one person's attendance change shows: their row and the figures around it, read
    without the whole list, so that its cost does not grow with the number invited."""

    meeting: Meeting
    row: Attendance
    present: int
    invited: int
    quorum: QuorumFigures | None

    @property
    def counts(self) -> dict[str, int]:
        return {"present_count": self.present, "absent_count": self.invited - self.present}

    @cached_property
    def online(self) -> set[int]:
        """Which tablets are online: read only when an audience that sees it is rendered."""
        return presence.online_user_ids(self.meeting.pk)


def _load_attendance(meeting: Meeting, payload: dict[str, Any]) -> Arrival | Meeting:
    """For one person's change, that row, with the figures the event counted in its
    transaction; for a change of the whole meeting, the meeting: everything is drawn again."""
    attendance_id, room = payload.get("attendance"), payload.get("room")
    if not attendance_id or not isinstance(room, dict):
        return meeting
    row = selectors.attendance_row(meeting, attendance_id)
    if row is None:
        return meeting
    return Arrival(
        meeting=meeting,
        row=row,
        present=int(room["present"]),
        invited=int(room["invited"]),
        quorum=_quorum_figures(meeting, payload),
    )


def _attendance_table(data: Arrival | Meeting, rights: frozenset[str]) -> dict[str, str]:
    if isinstance(data, Meeting):
        context = attendance_context(data, rights)
        return {"attendance": _html("meetings/_attendance_table.html", context)}
    context = {
        "meeting": data.meeting,
        "a": data.row,
        "invited": data.invited,
        **data.counts,
        "record_form": _records(data.meeting, rights),
    }
    return {
        f"attendance-row-{data.row.pk}": _html("meetings/_attendance_row.html", context),
        "attendance-count": _html("meetings/_attendance_count.html", context),
    }


def _board(data: Arrival | Meeting, rights: frozenset[str]) -> dict[str, str]:
    if isinstance(data, Meeting):
        return {"board-live": _html("meetings/_board_live.html", board_context(data, rights))}
    follows = bool(rights & PRESENCE_RIGHTS)
    context = {
        "meeting": data.meeting,
        "quorum": data.quorum.result() if data.quorum else None,
        "row": BoardRow(data.row, in_the_room(data.row)),
        "follows_presence": follows,
        "online": data.online if follows else set(),
    }
    counts = data.counts
    return {
        "board-top": _html("meetings/_board_top.html", context),
        f"board-present-{data.row.pk}": _html(
            "meetings/_board_person.html", {**context, "column": "present"}
        ),
        f"board-absent-{data.row.pk}": _html(
            "meetings/_board_person.html", {**context, "column": "absent"}
        ),
        "board-present-count": _count_html("board-present-count", counts["present_count"]),
        "board-absent-count": _count_html("board-absent-count", counts["absent_count"]),
    }


def _count_html(element_id: str, count: int) -> str:
    return f'<span class="count" id="{element_id}">{count}</span>'


def _load_quorum(meeting: Meeting, payload: dict[str, Any]) -> QuorumFigures | Meeting:
    return _quorum_figures(meeting, payload) or meeting


def _quorum(data: QuorumFigures | Meeting, rights: frozenset[str]) -> dict[str, str]:
    if isinstance(data, Meeting):  # a draft: no quorum yet
        context: dict[str, Any] = {"meeting": data, "quorum": None}
    else:
        context = {"meeting": data.meeting, "quorum": data.result()}
    badge = {"quorum-badge": _html("meetings/_quorum_badge.html", context)}
    if regions.is_display(rights):
        return badge  # the room display shows the badge alone
    return {"quorum": _html("meetings/_quorum.html", context), **badge}


def _meeting(meeting: Meeting, rights: frozenset[str]) -> dict[str, str]:
    """The meeting's status and facts (times, place, when it opened and closed); the status
    alone on a room display."""
    status = {"meeting-status": _html("meetings/_live_status.html", {"meeting": meeting})}
    if regions.is_display(rights):
        return status
    return {**status, "facts": _html("meetings/_meeting_facts.html", {"meeting": meeting})}


def _lifecycle(meeting: Meeting, rights: frozenset[str]) -> dict[str, str]:
    return {
        "lifecycle": _html("meetings/_lifecycle.html", lifecycle_context(meeting, rights)),
        "board-lifecycle": _html(
            "meetings/_lifecycle.html", lifecycle_context(meeting, rights, board=True)
        ),
    }


def everyone(meeting: Meeting) -> Iterable[int]:
    """Everyone with an own-attendance box: the invited and their substitutes."""
    for user_id, substitute_id in Attendance.objects.filter(meeting=meeting).values_list(
        "user_id", "substitute_id"
    ):
        yield user_id
        if substitute_id:
            yield substitute_id


def _load_own_attendances(
    meeting: Meeting, user_ids: set[int], payload: dict[str, Any]
) -> dict[int, dict[str, Any]]:
    """Each person's own-attendance box, from one read of their rows of the meeting's
    attendance: their own, or the one they substitute in."""
    rows: dict[int, Attendance] = {}
    theirs = Q(user_id__in=user_ids) | Q(substitute_id__in=user_ids)
    for attendance in selectors.attendance_list(meeting).filter(theirs):
        if attendance.substitute_id in user_ids:
            rows.setdefault(attendance.substitute_id, attendance)
        if attendance.user_id in user_ids:
            rows[attendance.user_id] = attendance
    return {
        user_id: {
            "meeting": meeting,
            "mine": own_attendance_in(meeting, rows.get(user_id), user_id),
        }
        for user_id in user_ids
    }


def _own_attendance(context: dict[str, Any]) -> dict[str, str]:
    return {"my-attendance": _html("meetings/_my_attendance.html", context)}


def _run_or_manage(rights: frozenset[str]) -> frozenset[str]:
    return rights & PRESENCE_RIGHTS


def register() -> None:
    view = permissions.VIEW_MEETING
    run, manage = permissions.RUN_MEETING, permissions.MANAGE_MEETING
    # The members, the chair, the secretariat, both; and room displays (permissions.display_rights).
    regions.register_audiences(
        frozenset({view, *extra})
        for extra in ((), (run,), (manage,), (run, manage), (regions.DISPLAY,))
    )
    for region in (
        regions.SharedRegion(
            "meeting",
            STATUS_EVENTS,
            ids=("meeting-status", "facts"),
            load=lambda meeting, payload: meeting,
            render=_meeting,
            displayed=True,
        ),
        regions.SharedRegion(
            "lifecycle",
            STATUS_EVENTS,
            ids=("lifecycle", "board-lifecycle"),
            load=lambda meeting, payload: meeting,
            render=_lifecycle,
            variant=_run_or_manage,
        ),
        regions.SharedRegion(
            "quorum",
            MEETING_EVENTS,
            ids=("quorum", "quorum-badge"),
            load=_load_quorum,
            render=_quorum,
            displayed=True,
        ),
        regions.SharedRegion(
            "attendance",
            MEETING_EVENTS,
            ids=("attendance", "attendance-row-", "attendance-count"),
            load=_load_attendance,
            render=_attendance_table,
            variant=lambda rights: manage in rights,
        ),
        regions.SharedRegion(
            "board",
            MEETING_EVENTS,
            ids=("board-live", "board-top", "board-present-", "board-absent-"),
            load=_load_attendance,
            render=_board,
            variant=lambda rights: bool(rights & PRESENCE_RIGHTS),
        ),
    ):
        regions.register_shared(region)
    regions.register_personal(
        regions.PersonalRegion(
            "my-attendance",
            on=("meetings.attendance_changed",),
            on_everyone=STATUS_EVENTS,
            everyone=lambda meeting, payload: everyone(meeting),
            load=_load_own_attendances,
            render=_own_attendance,
        )
    )
