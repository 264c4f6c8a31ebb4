"""Reads for the minutes: the meeting's record as plain data, and the minutes themselves.

`meeting_record` reads what happened from the models the session wrote (attendance, agenda
items with their times, speakers, comments, polls with their frozen results, recusals) in a
fixed number of queries, and returns JSON-ready data: the draft and the PDF are built from it
without the database. Written-opinion polls the secretariat linked to the meeting are part of
its record: their results were frozen when they closed, and the chair's decision with them.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone

from agendas.models import AgendaItem, Comment, Speaker
from agendas.outline import Node, numbered
from consultations.models import Consultation
from core.dates import local_iso
from meetings.models import Attendance, AttendanceCorrection, Body, Meeting, Membership
from meetings.regions import roll_call_order
from minutes import layout
from minutes.draft import ATTENDANCE_GROUPS
from minutes.models import ActionItem, LinkedConsultation, Minutes
from realtime import selectors as realtime_selectors
from voting.models import Poll, Recusal

# The session's course as the event log has it: opened, adjourned, reconvened, closed.
SITTING_EVENTS = {
    "meetings.meeting_started": "started",
    "meetings.meeting_adjourned": "adjourned",
    "meetings.meeting_reconvened": "reconvened",
    "meetings.meeting_closed": "closed",
}


def person(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def attendance_groups(attendances: list[Attendance]) -> dict[str, list[dict[str, Any]]]:
    """Present, represented, excused and absent, each in the body's order of precedence (the
    chair, the vice-chairs, the members, then the others)."""
    groups: dict[str, list[dict[str, Any]]] = {group: [] for group in ATTENDANCE_GROUPS}
    for attendance in roll_call_order(attendances):
        row: dict[str, Any] = {
            "name": person(attendance.user),
            "title": attendance.title,
            "role": attendance.role,
            "has_vote": attendance.has_vote,
        }
        if attendance.status in (Attendance.Status.PRESENT, Attendance.Status.LEFT):
            row["arrived"] = local_iso(attendance.checked_in_at)
            row["remote"] = attendance.remote
            row["left"] = (
                local_iso(attendance.checked_out_at)
                if attendance.status == Attendance.Status.LEFT
                else None
            )
            groups["present"].append(row)
        elif attendance.status == Attendance.Status.REPRESENTED:
            # Who attended for whom, as the minutes print it: "name, title, organisation".
            row["substitute"] = ", ".join(
                filter(
                    None,
                    [
                        person(attendance.substitute),
                        attendance.substitute_title,
                        attendance.substitute_organisation,
                    ],
                )
            )
            groups["represented"].append(row)
        else:
            # Invited but never checked in counts as absent; the record has no reason then.
            row["status"] = attendance.status
            row["reason"] = attendance.reason
            excused = attendance.status == Attendance.Status.EXCUSED
            groups["excused" if excused else "absent"].append(row)
    return groups


def attendance_corrections(meeting: Meeting) -> list[dict[str, Any]]:
    """The corrections the secretariat made after the close, oldest first, for the record."""
    corrections = (
        AttendanceCorrection.objects.filter(attendance__meeting=meeting, after_close=True)
        .select_related("attendance__user", "corrected_by", "previous_substitute", "substitute")
        .order_by("corrected_at", "pk")
    )
    return [
        {
            "name": person(correction.attendance.user),
            "previous_status": correction.previous_status,
            "status": correction.status,
            "previous_substitute": person(correction.previous_substitute),
            "substitute": person(correction.substitute),
            "by": person(correction.corrected_by),
            "at": local_iso(correction.corrected_at),
            "explanation": correction.explanation,
        }
        for correction in corrections
    ]


def meeting_attendance(meeting: Meeting) -> list[Attendance]:
    return list(Attendance.objects.filter(meeting=meeting).select_related("user", "substitute"))


def _poll(poll: Poll) -> dict[str, Any]:
    result = poll.result or {}
    named = poll.secrecy == Poll.Secrecy.NAMED
    return {
        "question": poll.question,
        "secrecy": poll.secrecy,
        "secret": not named,
        "method": poll.method,
        "majority": str(poll.get_majority_display()),
        "opened_at": local_iso(poll.opened_at),
        "closed_at": local_iso(poll.closed_at),
        "passed": result.get("passed"),
        "void": result.get("void", False),
        "objected": bool(result.get("objected")),
        "explanation": result.get("explanation", ""),
        "counts": [
            {"label": row["label"], "count": row["count"]} for row in result.get("counts", [])
        ],
        "present": result.get("present"),
        "members": result.get("members"),
        # Names only on a roll call: a secret ballot's result never holds them, and this
        # makes sure the minutes could not print them even if it did.
        "roll_call": [{"name": row["name"], "vote": row["vote"]} for row in result["roll_call"]]
        if named and result.get("roll_call") is not None
        else None,
    }


def meeting_record(meeting: Meeting) -> dict[str, Any]:
    """Everything the minutes record about a meeting, as JSON-ready data (nine queries, the
    body loaded with the meeting)."""
    attendances = meeting_attendance(meeting)
    items = list(AgendaItem.objects.filter(meeting=meeting))
    speakers: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for speaker in (
        Speaker.objects.filter(meeting=meeting, status=Speaker.Status.DONE)
        .select_related("user")
        .order_by("started_at", "pk")
    ):
        speakers[speaker.item_id].append(
            {
                "name": person(speaker.user),
                "kind": speaker.kind,
                "started_at": local_iso(speaker.started_at),
                "ended_at": local_iso(speaker.ended_at),
            }
        )
    # For the record: every comment still visible (not deleted by its author, not hidden by
    # the chair), in its final wording. Deleted and hidden ones stay in the database only.
    comments: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for comment in (
        Comment.objects.filter(meeting=meeting, deleted_at__isnull=True, hidden_at__isnull=True)
        .select_related("author")
        .order_by("created_at", "pk")
    ):
        comments[comment.item_id].append(
            {
                "author": person(comment.author),
                "text": comment.text,
                "at": local_iso(comment.created_at),
            }
        )
    recusals: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for recusal in Recusal.objects.filter(item__meeting=meeting).select_related("user"):
        recusals[recusal.item_id].append({"name": person(recusal.user), "reason": recusal.reason})
    polls: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for poll in Poll.objects.filter(meeting=meeting, status=Poll.Status.CLOSED).order_by(
        "closed_at", "pk"
    ):
        polls[poll.item_id].append(_poll(poll))

    by_id = {item.pk: item for item in items}
    outline = numbered(Node(item.pk, item.parent_id, item.position) for item in items)
    agenda = []
    for item_id, number, depth in outline:
        item = by_id[item_id]
        agenda.append(
            {
                "id": item.pk,
                "number": number,
                "depth": depth,
                "title": item.title,
                "kind": item.kind,
                "presenter": item.presenter,
                "status": item.status,
                "started_at": local_iso(item.started_at),
                "ended_at": local_iso(item.ended_at),
                "speakers": speakers.get(item_id, []),
                "comments": comments.get(item_id, []),
                "recusals": sorted(recusals.get(item_id, []), key=lambda row: row["name"]),
                "polls": polls.get(item_id, []),
            }
        )
    chair = next((a for a in attendances if a.role == Membership.Role.CHAIR), None)
    secretary = next((a for a in attendances if a.role == Membership.Role.SECRETARY), None)
    sittings = [
        {"event": SITTING_EVENTS[type], "at": local_iso(at)}
        for type, at in realtime_selectors.event_times(meeting.pk, list(SITTING_EVENTS))
    ]
    body = meeting.body
    return {
        "body": body.name,
        "rules_reference": body.rules_reference,
        "meeting": {
            "id": meeting.pk,
            "title": meeting.title,
            "kind": meeting.kind,
            "place": meeting.place,
            "starts_at": local_iso(meeting.starts_at),
            "started_at": local_iso(meeting.started_at),
            "closed_at": local_iso(meeting.closed_at),
            "adjourned_at": local_iso(meeting.adjourned_at),
        },
        "chair": person(chair.user) if chair else "",
        "chair_title": chair.title if chair else "",
        "secretary": person(secretary.user) if secretary else "",
        "secretary_title": secretary.title if secretary else "",
        "attendance": attendance_groups(attendances),
        "attendance_corrections": attendance_corrections(meeting),
        "sittings": sittings,
        "items": agenda,
        "consultations": consultation_record(meeting),
    }


def _consultation(consultation: Consultation) -> dict[str, Any]:
    result = consultation.result or {}
    decided = consultation.status == Consultation.Status.DECIDED
    # The chair's decision per question (prefetched), by the id the result keeps.
    adopted = {question.pk: question.adopted for question in consultation.questions.all()}
    return {
        "id": consultation.pk,
        "subject": consultation.subject,
        "sent_at": local_iso(consultation.sent_at),
        "deadline": local_iso(consultation.deadline),
        "closed_at": local_iso(consultation.closed_at),
        "closed_early": bool(result.get("closed_early")),
        "members": result.get("members", 0),
        # Per question as frozen at closing: the figures against all the recipients, and the
        # explanation, which names the rule applied and the outcome.
        "questions": [
            {
                "text": row["text"],
                "agree": row["agree"],
                "disagree": row["disagree"],
                "comment_only": row["comment_only"],
                "unanswered": row["unanswered"],
                "passed": row["passed"],
                "explanation": row["explanation"],
                "adopted": adopted.get(row.get("question")) if decided else None,
            }
            for row in result.get("questions", [])
        ],
        "decided": decided,
        "adopted": consultation.adopted if decided else None,
        "decision": consultation.decision_text if decided else "",
        "decided_by": person(consultation.decided_by) if decided else "",
        "decided_at": local_iso(consultation.decided_at) if decided else None,
    }


def consultation_record(meeting: Meeting) -> list[dict[str, Any]]:
    """The written-opinion polls linked to the meeting, in the order they closed, with their
    questions (two queries)."""
    links = (
        LinkedConsultation.objects.filter(meeting=meeting)
        .select_related("consultation__decided_by")
        .prefetch_related("consultation__questions")
        .order_by("consultation__closed_at", "consultation_id")
    )
    return [_consultation(link.consultation) for link in links]


def consultations_linkable(meeting: Meeting) -> QuerySet[Consultation]:
    """The body's closed or decided polls not yet reported in any meeting's minutes, the
    latest first: what the secretariat may link to the meeting."""
    return Consultation.objects.filter(
        body_id=meeting.body_id,
        status__in=(Consultation.Status.CLOSED, Consultation.Status.DECIDED),
        minutes_link__isnull=True,
    ).order_by("-closed_at", "-pk")


def consultations_linked(meeting: Meeting) -> list[LinkedConsultation]:
    """The meeting's links with their polls (one query), for its minutes page and the API."""
    return list(
        LinkedConsultation.objects.filter(meeting=meeting)
        .select_related("consultation", "linked_by")
        .order_by("consultation__closed_at", "consultation_id")
    )


def minutes_list(meeting: Meeting) -> QuerySet[Minutes]:
    """The meeting's minutes and their corrections, oldest first."""
    return (
        Minutes.objects.filter(meeting=meeting)
        .defer("pdf")
        .select_related("corrects", "approved_by")
        .order_by("created_at", "pk")
    )


def current_minutes(meeting: Meeting) -> Minutes | None:
    """The newest minutes of the meeting (the original, or its latest correction)."""
    return (
        Minutes.objects.filter(meeting=meeting)
        .defer("pdf")
        .select_related("meeting__body", "corrects")
        .order_by("-created_at", "-pk")
        .first()
    )


def signed_minutes(meeting: Meeting) -> list[Minutes]:
    return list(
        Minutes.objects.filter(meeting=meeting, status=Minutes.Status.SIGNED)
        .defer("pdf")
        .order_by("created_at", "pk")
    )


# Action items


def _actions(queryset: QuerySet[ActionItem]) -> QuerySet[ActionItem]:
    return queryset.select_related("meeting__body", "assignee_user", "followed_up_in")


def action_list_for_meeting(meeting: Meeting) -> list[ActionItem]:
    """The meeting's action items with their notes (two queries)."""
    return list(
        _actions(ActionItem.objects.filter(meeting=meeting))
        .prefetch_related("notes__author")
        .order_by("pk")
    )


def action_list_for_assignee(user: User) -> list[ActionItem]:
    """The user's outstanding tasks across meetings, soonest due first (one query)."""
    return list(
        _actions(
            ActionItem.objects.filter(assignee_user=user, status__in=ActionItem.OUTSTANDING)
        ).order_by("due_on", "pk")
    )


def action_list_overdue(body: Body, today: datetime.date | None = None) -> list[ActionItem]:
    """The body's open or in-progress items past their due date (one query)."""
    today = today or timezone.localdate()
    return list(
        _actions(
            ActionItem.objects.filter(
                meeting__body=body, status__in=ActionItem.OUTSTANDING, due_on__lt=today
            )
        ).order_by("due_on", "pk")
    )


def action_record(meeting: Meeting) -> list[dict[str, Any]]:
    """The meeting's tasks as the minutes list them (one query), cancelled ones left out."""
    return [
        {
            "text": action.text,
            "assignee": action.assignee_name,
            "due_on": action.due_on.isoformat(),
        }
        for action in _actions(
            ActionItem.objects.filter(meeting=meeting).exclude(status=ActionItem.Status.CANCELLED)
        ).order_by("pk")
    ]


def meetings_open_for_follow_up(body: Body) -> list[Meeting]:
    """The body's coming meetings whose agenda is still being prepared (one query)."""
    return list(
        Meeting.objects.filter(
            body=body,
            status__in=(Meeting.Status.DRAFT, Meeting.Status.SCHEDULED),
            starts_at__gt=timezone.now(),
        ).order_by("starts_at")
    )


def document_of(minutes: Minutes) -> layout.MinutesDocument:
    """What the minutes' PDF shows, as plain data for the layout."""
    return layout.MinutesDocument(
        number=minutes.number,
        language=minutes.language,
        # The tasks are usually recorded after the draft was written: the PDF lists them as
        # they stand when it is rendered.
        record={**minutes.record, "actions": action_record(minutes.meeting)},
        sections=minutes.sections,
        place=settings.MINUTES_PLACE,
        approved_as_corrected=minutes.approved_as_corrected,
        approved_at=local_iso(minutes.approved_at),
        corrects=minutes.corrects.number if minutes.corrects else None,
        font_dir=settings.PDF_FONT_DIR,
    )
