"""The draft is written from what the session recorded, not retyped."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied

from core.errors import ServiceError
from meetings.models import Attendance
from minutes import selectors
from minutes.models import Minutes, MinutesVersion
from minutes.services import minutes as minutes_services
from realtime.models import MeetingEvent
from tests.conftest import Personas
from tests.minutes.conftest import Held, drafted


def _item(minutes: Minutes, held: Held) -> dict:
    return next(i for i in minutes.record["items"] if i["id"] == held.plan.decree.pk)


def test_closing_the_meeting_writes_the_draft(government: Personas, held: Held) -> None:
    minutes = drafted(held)
    assert minutes.created_by == government.secretary
    types = list(
        MeetingEvent.objects.filter(meeting=held.meeting)
        .order_by("-seq")
        .values_list("type", flat=True)[:2]
    )
    assert types == ["minutes.minutes_drafted", "meetings.meeting_closed"]


def test_the_draft_records_attendance_with_reasons_and_substitutes(
    government: Personas, held: Held
) -> None:
    minutes = drafted(held)
    attendance = minutes.record["attendance"]
    present = {row["name"] for row in attendance["present"]}
    assert len([row for row in attendance["present"] if row["has_vote"]]) == 20
    assert government.chair.get_full_name() in present
    [excused] = attendance["excused"]
    assert excused["name"] == held.excused.get_full_name()
    assert excused["status"] == "excused" and excused["reason"] == "Công tác nước ngoài"
    assert held.excused.get_full_name() not in {row["name"] for row in attendance["absent"]}
    assert attendance["represented"] == [
        {
            "name": held.represented.get_full_name(),
            "title": "Member 16",
            "role": "member",
            "has_vote": True,
            "substitute": "Đức Phạm Văn",
        }
    ]
    assert minutes.number == "1/BB-G"
    assert minutes.status == Minutes.Status.DRAFT
    assert minutes.versions.get().event == MinutesVersion.Event.DRAFTED
    text = {section["key"]: section["text"] for section in minutes.sections}
    assert "20 of 27 members entitled to vote attended." in text["attendance"]


def test_attendance_is_listed_by_precedence_with_excused_apart_from_absent() -> None:
    def row(name: str, role: str, status: str, reason: str = "") -> Attendance:
        user = User(username=name, first_name=name)
        return Attendance(
            user=user, role=role, title="", has_vote=True, status=status, reason=reason
        )

    groups = selectors.attendance_groups(
        [
            row("Minister", "member", "present"),
            row("Observer", "observer", "present"),
            row("Deputy", "vice_chair", "present"),
            row("Prime Minister", "chair", "present"),
            row("Away", "member", "excused", "On mission"),
            row("Ill", "vice_chair", "absent", "Ill"),
            row("Never", "member", "invited"),
        ]
    )
    assert [r["name"] for r in groups["present"]] == [
        "Prime Minister",
        "Deputy",
        "Minister",
        "Observer",
    ]
    assert [r["name"] for r in groups["excused"]] == ["Away"]
    assert [r["name"] for r in groups["absent"]] == ["Ill", "Never"]


def test_items_keep_their_order_times_speakers_and_visible_comments(
    government: Personas, held: Held
) -> None:
    minutes = drafted(held)
    numbers = [(item["number"], item["title"]) for item in minutes.record["items"]]
    assert numbers == [
        ("1", "State budget 2027"),
        ("1.1", "Revenue"),
        ("1.2", "Spending"),
        ("2", "Draft decree on e-government"),
        ("3", "Socio-economic report"),
    ]
    item = _item(minutes, held)
    held.plan.decree.refresh_from_db()
    assert item["started_at"] and item["ended_at"]
    assert [s["name"] for s in item["speakers"]] == [held.speaker.get_full_name()]
    # Hidden comments stay out of the minutes.
    assert [c["text"] for c in item["comments"]] == ["Cần bổ sung đánh giá tác động."]
    assert item["recusals"] == [{"name": held.recused.get_full_name(), "reason": "Related company"}]
    section = next(s for s in minutes.sections if s["key"] == f"item-{held.plan.decree.pk}")
    assert section["title"] == "2. Draft decree on e-government"
    assert "Speakers: " + held.speaker.get_full_name() in section["text"]
    assert "Off the record" not in section["text"]


def test_a_roll_call_lists_names_and_a_secret_ballot_none(government: Personas, held: Held) -> None:
    minutes = drafted(held)
    named, secret = _item(minutes, held)["polls"]
    assert named["question"] == "Adopt the decree on e-government"
    assert named["passed"] is True
    assert {"label": "Yes", "count": 15} in named["counts"]
    assert named["explanation"]
    # Counted by rows: the factories' random names may repeat, which a dict would merge.
    # Every member with a voting right: the 19 who voted, the recused one, and those who did not.
    assert len(named["roll_call"]) == 27
    names = {row["name"]: row["vote"] for row in named["roll_call"]}
    assert names[government.voters[0].get_full_name()] == "Yes"
    assert names[government.voters[19].get_full_name()] == "No"
    # The same words as the item's line "... declared a conflict of interest and did not vote".
    assert names[held.recused.get_full_name()] == "Recused (conflict of interest)"
    assert list(names.values()).count("Did not vote") == 7
    assert secret["secret"] is True and secret["roll_call"] is None
    assert {"label": "No", "count": 4} in secret["counts"]
    document = str(minutes.record) + str(minutes.sections)
    assert "Appoint the rapporteur" in document


def test_the_course_of_the_session_comes_from_the_event_log(
    government: Personas, held: Held
) -> None:
    minutes = drafted(held)
    assert [s["event"] for s in minutes.record["sittings"]] == [
        "started",
        "adjourned",
        "reconvened",
        "adjourned",
        "closed",
    ]
    text = {section["key"]: section["text"] for section in minutes.sections}
    assert "The session was adjourned from " in text["opening"]
    assert "The session opened at " in text["opening"]
    assert "Chair: " + government.chair.get_full_name() in text["opening"]
    assert "The meeting closed at " in text["conclusions"]
    assert "Decision: “Adopt the decree on e-government” was adopted." in text["conclusions"]


def test_only_the_secretariat_drafts(government: Personas, held: Held) -> None:
    Minutes.objects.all().delete()
    for person in (government.chair, government.members[0]):
        with pytest.raises(PermissionDenied):
            minutes_services.minutes_draft(actor=person, meeting=held.meeting)
    assert not Minutes.objects.exists()


def test_no_draft_before_the_meeting_is_closed(government: Personas, meeting) -> None:
    with pytest.raises(ServiceError, match="once the meeting is closed"):
        minutes_services.minutes_draft(actor=government.secretary, meeting=meeting)


def test_drafting_again_by_hand(government: Personas, held: Held) -> None:
    Minutes.objects.all().delete()
    minutes = minutes_services.minutes_draft(actor=government.secretary, meeting=held.meeting)
    assert minutes.number == "1/BB-G" and minutes.sections
    with pytest.raises(ServiceError, match="already drafted"):
        minutes_services.minutes_draft(actor=government.secretary, meeting=held.meeting)


def test_reading_the_record_takes_the_same_queries_however_much_happened(
    government: Personas, held: Held, committee: Personas
) -> None:
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from meetings import services as meeting_services
    from minutes.selectors import meeting_record
    from tests.conftest import plan_meeting

    quiet = plan_meeting(committee, starts_in=datetime.timedelta(hours=1))
    quiet = meeting_services.meeting_schedule(actor=committee.secretary, meeting=quiet)
    counts = []
    for meeting in (quiet, held.meeting):
        meeting = type(meeting).objects.select_related("body").get(pk=meeting.pk)
        with CaptureQueriesContext(connection) as queries:
            meeting_record(meeting)
        counts.append(len(queries))
    assert counts == [9, 9]


def test_a_failing_draft_does_not_stop_the_meeting_from_closing(
    government: Personas, meeting, monkeypatch
) -> None:
    from meetings import services as meeting_services
    from meetings.models import Meeting
    from minutes import selectors
    from tests.conftest import check_in

    def broken(meeting: Meeting) -> dict:
        raise ValueError("a bug in the draft")

    # The record reader fails (as a bug would); the close must stand regardless.
    monkeypatch.setattr(selectors, "meeting_record", broken)
    check_in(meeting, government.voters[:18])
    meeting_services.meeting_start(actor=government.chair, meeting=meeting)
    meeting_services.meeting_adjourn(actor=government.chair, meeting=meeting)
    meeting = meeting_services.meeting_close(actor=government.secretary, meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CLOSED
    assert not Minutes.objects.filter(meeting=meeting).exists()
    assert (
        MeetingEvent.objects.filter(meeting=meeting).order_by("seq").last().type
        == "meetings.meeting_closed"
    )


def test_a_void_vote_and_an_objection_read_as_such_in_the_minutes() -> None:
    from minutes.draft import decision_line, outcome_word

    void = {"question": "Adopt?", "passed": False, "void": True, "objected": False}
    assert decision_line(void) == (
        "Decision: “Adopt?” was void: the quorum was lost before the vote closed, so it "
        "decided nothing."
    )
    assert outcome_word(void) == "Void: no quorum"
    objected = {"question": "Approve the agenda?", "passed": False, "objected": True}
    assert decision_line(objected) == (
        "Decision: “Approve the agenda?” was not adopted by general consent: a member objected."
    )
    assert outcome_word({"question": "Adopt?", "passed": True}) == "Adopted"
