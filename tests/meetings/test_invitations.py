"""E-mail invitations with iCalendar attachments: REQUEST, updates (SEQUENCE) and CANCEL."""

import datetime
from collections.abc import Callable

import icalendar
import pytest
from django.core import mail
from django.db import transaction

from meetings import services
from meetings.models import Meeting
from tests.conftest import Personas


def calendar_of(message: mail.EmailMessage) -> icalendar.Calendar:
    (name, content, mimetype) = message.attachments[0]
    assert name == "invite.ics"
    return icalendar.Calendar.from_ical(content)


def event_of(message: mail.EmailMessage) -> icalendar.Event:
    return calendar_of(message).walk("VEVENT")[0]


def test_scheduling_sends_each_invitee_a_calendar_request(
    government: Personas, draft_meeting: Meeting, django_capture_on_commit_callbacks: Callable
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_schedule(actor=government.secretary, meeting=draft_meeting)
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted(u.email for u in [*government.voters, government.secretary])
    message = next(m for m in mail.outbox if m.to == [government.chair.email])
    assert message.subject == "Invitation: Regular Government meeting"
    assert "Room 1" in message.body
    calendar = calendar_of(message)
    assert calendar["METHOD"] == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == draft_meeting.starts_at
    assert event.decoded("DTEND") == draft_meeting.ends_at
    assert str(event["SUMMARY"]) == "Regular Government meeting"
    assert str(event["ATTENDEE"]) == f"mailto:{government.chair.email}"
    assert str(event["UID"]).startswith(f"meeting-{draft_meeting.pk}@")
    assert f"/meetings/{draft_meeting.pk}/" in str(event["URL"])


def test_a_change_sends_an_update_with_a_higher_sequence_and_the_same_uid(
    government: Personas, meeting: Meeting, django_capture_on_commit_callbacks: Callable
) -> None:
    later = meeting.starts_at + datetime.timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(
            actor=government.secretary,
            meeting=meeting,
            starts_at=later,
            ends_at=later + datetime.timedelta(hours=3),
        )
    assert len(mail.outbox) == 28
    message = mail.outbox[0]
    assert message.subject == "Updated: Regular Government meeting"
    event = event_of(message)
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == later
    assert str(event["UID"]) == f"meeting-{meeting.pk}@127.0.0.1"


def test_an_edit_that_changes_nothing_for_calendars_sends_nothing(
    government: Personas, meeting: Meeting, django_capture_on_commit_callbacks: Callable
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(
            actor=government.secretary, meeting=meeting, confidentiality="confidential"
        )
    assert mail.outbox == []
    assert Meeting.objects.get(pk=meeting.pk).ics_sequence == 0


def test_cancelling_sends_a_cancel(
    government: Personas, meeting: Meeting, django_capture_on_commit_callbacks: Callable
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(
            actor=government.secretary, meeting=meeting, reason="The Prime Minister is abroad"
        )
    message = mail.outbox[0]
    assert message.subject == "Cancelled: Regular Government meeting"
    assert "The Prime Minister is abroad" in message.body
    calendar = calendar_of(message)
    assert calendar["METHOD"] == "CANCEL"
    event = calendar.walk("VEVENT")[0]
    assert (event["STATUS"], event["SEQUENCE"]) == ("CANCELLED", 1)


def test_cancelling_a_draft_emails_nobody(
    government: Personas, draft_meeting: Meeting, django_capture_on_commit_callbacks: Callable
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(actor=government.secretary, meeting=draft_meeting)
    assert mail.outbox == []


def test_a_substitute_receives_the_invitation(
    government: Personas, meeting: Meeting, django_capture_on_commit_callbacks: Callable
) -> None:
    from tests.factories import UserFactory

    deputy = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.attendance_record(
            actor=government.secretary,
            attendance=meeting.attendances.get(user=government.members[0]),
            status="represented",
            substitute=deputy,
        )
    assert [m.to for m in mail.outbox] == [[deputy.email]]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_nothing_is_sent_when_the_change_rolls_back(
    government: Personas, draft_meeting: Meeting
) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        services.meeting_schedule(actor=government.secretary, meeting=draft_meeting)
        raise RuntimeError("the request failed after the service")
    assert mail.outbox == []
    assert Meeting.objects.get(pk=draft_meeting.pk).status == Meeting.Status.DRAFT


def test_a_title_saved_on_several_lines_before_it_was_refused_still_mails_one_subject_line(
    government: Personas, meeting: Meeting, django_capture_on_commit_callbacks: Callable
) -> None:
    """A title saved before line breaks were refused must not turn the cancellation into a 500."""
    Meeting.objects.filter(pk=meeting.pk).update(title="Budget\r\nBcc: everyone@example.org")
    meeting.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(actor=government.secretary, meeting=meeting)
    assert len(mail.outbox) == 28
    assert mail.outbox[0].subject == "Cancelled: Budget Bcc: everyone@example.org"
    assert mail.outbox[0].message()["Bcc"] is None
