"""The secretariat corrects the attendance after the close, until the minutes are approved: the
correction is kept (who, when, why), the quorum figures and the minutes follow it, and what the
session knew at each moment (the event log, the votes' figures) stays as it was."""

from __future__ import annotations

import subprocess

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from core.errors import ServiceError
from meetings import selectors as meeting_selectors
from meetings import services as meeting_services
from meetings.models import Attendance, AttendanceCorrection
from minutes import layout
from minutes import selectors as minutes_selectors
from minutes.models import Minutes, MinutesVersion
from minutes.services import minutes as minutes_services
from realtime.models import MeetingEvent
from tests.conftest import Personas
from tests.minutes.conftest import Held, approved, drafted


def row(held: Held, user: User) -> Attendance:
    return Attendance.objects.select_related("meeting").get(meeting=held.meeting, user=user)


def correct(government: Personas, held: Held, user: User, **fields: object) -> Attendance:
    fields.setdefault("status", Attendance.Status.PRESENT)
    fields.setdefault("explanation", "Was in the room; forgot to check in.")
    return meeting_services.attendance_record(
        actor=government.secretary,
        attendance=row(held, user),
        **fields,  # type: ignore[arg-type]
    )


def absent_names(minutes: Minutes) -> list[str]:
    return [r["name"] for r in minutes.record["attendance"]["absent"]]


def attendance_section(minutes: Minutes) -> str:
    return next(s["text"] for s in minutes.sections if s["key"] == "attendance")


def test_a_forgotten_check_in_is_corrected_after_the_close_and_the_minutes_follow(
    government: Personas, held: Held
) -> None:
    forgot = government.voters[22]
    name = forgot.get_full_name()
    before = drafted(held)
    assert name in absent_names(before)
    assert attendance_section(before).startswith("20 of 27 members")
    quorum_events = MeetingEvent.objects.filter(
        meeting=held.meeting, type="meetings.attendance_changed"
    )
    logged = {event.seq: event.payload for event in quorum_events}
    vote_figures = held.named_poll.result

    correct(government, held, forgot)

    corrected = row(held, forgot)
    assert corrected.status == Attendance.Status.PRESENT
    assert corrected.checked_in_at == held.meeting.started_at
    correction = AttendanceCorrection.objects.get(attendance=corrected)
    assert (correction.corrected_by, correction.previous_status, correction.status) == (
        government.secretary,
        Attendance.Status.INVITED,
        Attendance.Status.PRESENT,
    )
    assert correction.explanation == "Was in the room; forgot to check in."
    assert correction.after_close
    assert meeting_selectors.meeting_quorum(held.meeting).present == 21

    minutes = drafted(held)
    assert name not in absent_names(minutes)
    assert name in [r["name"] for r in minutes.record["attendance"]["present"]]
    assert attendance_section(minutes).startswith("21 of 27 members")
    [recorded] = minutes.record["attendance_corrections"]
    assert recorded["by"] == government.secretary.get_full_name()
    assert recorded["explanation"] == "Was in the room; forgot to check in."
    assert minutes.versions.order_by("number").last().event == MinutesVersion.Event.EDITED  # type: ignore[union-attr]
    # What was known at each moment stays: the earlier events and the votes' figures.
    for event in MeetingEvent.objects.filter(seq__in=logged, meeting=held.meeting):
        assert event.payload == logged[event.seq]
    held.named_poll.refresh_from_db()
    assert held.named_poll.result == vote_figures
    assert MeetingEvent.objects.filter(meeting=held.meeting, type="minutes.minutes_edited").exists()


def test_the_pdf_states_the_correction(government: Personas, held: Held) -> None:
    forgot = government.voters[22]
    correct(government, held, forgot)
    rendered = layout.render(minutes_selectors.document_of(drafted(held)))
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=rendered.pdf, capture_output=True, check=True
    ).stdout.decode()
    flat = " ".join(text.split())
    assert f"Attendance of {forgot.get_full_name()} corrected on" in flat
    assert "by " + government.secretary.get_full_name() in flat
    assert "invited, now present. Why: Was in the room; forgot to check in." in flat


def test_a_submitted_minutes_takes_the_correction_and_is_approved_as_corrected(
    government: Personas, held: Held
) -> None:
    minutes_services.minutes_submit(actor=government.secretary, minutes=drafted(held))
    correct(government, held, government.voters[22])
    minutes = minutes_services.minutes_approve(actor=government.chair, minutes=drafted(held))
    assert minutes.approved_as_corrected


def test_the_secretarys_own_wording_is_kept(government: Personas, held: Held) -> None:
    minutes_services.minutes_edit(
        actor=government.secretary,
        minutes=drafted(held),
        texts={"attendance": "Twenty members attended, as the roll shows."},
    )
    correct(government, held, government.voters[22])
    minutes = drafted(held)
    assert attendance_section(minutes) == "Twenty members attended, as the roll shows."
    assert government.voters[22].get_full_name() not in absent_names(minutes)


def test_a_correction_after_the_close_needs_its_reason(government: Personas, held: Held) -> None:
    with pytest.raises(ServiceError, match="Say why") as error:
        correct(government, held, government.voters[22], explanation="  ")
    assert error.value.field == "explanation"
    assert row(held, government.voters[22]).status == Attendance.Status.INVITED


def test_leaving_cannot_be_recorded_after_the_close(government: Personas, held: Held) -> None:
    with pytest.raises(ServiceError, match="present, absent, excused or represented"):
        correct(government, held, government.voters[0], status=Attendance.Status.LEFT)


def test_once_the_minutes_are_approved_the_attendance_is_final(
    government: Personas, held: Held
) -> None:
    minutes = approved(government, held)
    with pytest.raises(ServiceError) as error:
        correct(government, held, government.voters[22])
    assert error.value.message == (
        "The attendance can no longer be corrected once the minutes are approved."
        " These minutes are: approved, awaiting signatures."
    )
    assert row(held, government.voters[22]).status == Attendance.Status.INVITED
    assert not AttendanceCorrection.objects.filter(after_close=True).exists()
    minutes.refresh_from_db()
    assert government.voters[22].get_full_name() in absent_names(minutes)


@pytest.mark.parametrize("who", ["chair", "member"])
def test_only_the_secretariat_corrects_after_the_close(
    government: Personas, held: Held, who: str
) -> None:
    actor = government.chair if who == "chair" else government.members[0]
    with pytest.raises(PermissionDenied):
        meeting_services.attendance_record(
            actor=actor,
            attendance=row(held, government.voters[22]),
            status=Attendance.Status.PRESENT,
            explanation="Was there.",
        )
    assert row(held, government.voters[22]).status == Attendance.Status.INVITED


def test_the_api_corrects_after_the_close_and_refuses_others(
    government: Personas, held: Held
) -> None:
    target = row(held, government.voters[22])
    path = f"/api/v1/meetings/{held.meeting.pk}/attendance/{target.pk}/"
    body = {"status": "present", "explanation": "Was in the room."}
    member = APIClient()
    member.force_authenticate(government.members[0])
    assert member.patch(path, body, format="json").status_code == 403
    secretary = APIClient()
    secretary.force_authenticate(government.secretary)
    response = secretary.patch(path, {"status": "present"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Say why the attendance is corrected after the meeting.",
        "field": "explanation",
    }
    response = secretary.patch(path, body, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "present"


def test_the_meeting_page_shows_who_corrected_what_and_why(
    client: Client, government: Personas, held: Held
) -> None:
    correct(government, held, government.voters[22])
    client.force_login(government.secretary)
    page = client.get(reverse("meetings:meeting_detail", args=[held.meeting.pk]))
    html = page.content.decode()
    assert "Attendance corrections" in html
    assert "Was in the room; forgot to check in." in html
    assert "Invited → Present" in html
    client.force_login(government.members[0])
    html = client.get(reverse("meetings:meeting_detail", args=[held.meeting.pk])).content.decode()
    assert "Attendance corrections" not in html


def test_a_substitute_added_after_the_close_is_named_in_the_minutes(
    government: Personas, held: Held
) -> None:
    absent = government.voters[22]
    meeting_services.substitute_add(
        actor=government.secretary,
        attendance=row(held, absent),
        name="Lê Văn An",
        title="Thứ trưởng",
        organisation="Bộ Y tế",
        explanation="Attended for the minister; the secretariat had no account for him.",
    )
    minutes = drafted(held)
    represented = {r["name"]: r["substitute"] for r in minutes.record["attendance"]["represented"]}
    assert represented[absent.get_full_name()] == "Lê Văn An, Thứ trưởng, Bộ Y tế"
    rendered = layout.render(minutes_selectors.document_of(minutes))
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=rendered.pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "Lê Văn An, Thứ trưởng, Bộ Y tế" in " ".join(text.split())
