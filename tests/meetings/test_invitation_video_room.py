"""The video room in the invitations: shown, in the message and its calendar, to those who may
attend remotely (invited in their own right, where the body's rules allow it), in the site's
language; never to a substitute, a represented member, in a cancellation, nor where the body
keeps everyone in the room."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import icalendar
import pytest
from django.core import mail

from meetings import services
from meetings.models import Body, Meeting
from tests.conftest import Personas
from tests.factories import UserFactory

INVITES_REMOTELY = {
    "en": "The body's rules let you attend from outside the room.",
    "vi": "Quy chế của cơ quan cho phép bạn tham dự từ bên ngoài phòng họp.",
}
LABEL = {"en": "Video room", "vi": "Phòng họp trực tuyến"}


def allow_remote(body: Body) -> None:
    Body.objects.filter(pk=body.pk).update(remote_attendance_allowed=True)


def event_of(message: mail.EmailMessage) -> icalendar.Event:
    (_name, content, _mimetype) = message.attachments[0]
    return icalendar.Calendar.from_ical(content).walk("VEVENT")[0]


def to(person_email: str) -> mail.EmailMessage:
    return next(m for m in mail.outbox if m.to == [person_email])


def shows_the_room(message: mail.EmailMessage, link: str) -> bool:
    """Anywhere in the message or its calendar event (read property by property: the raw
    calendar folds long lines, which could split the link)."""
    event = event_of(message)
    texts = [message.body, *(str(value) for value in event.values())]
    return "CONFERENCE" in event or any(link in text for text in texts)


@pytest.mark.parametrize("language", ["en", "vi"])
def test_members_who_may_attend_remotely_get_the_video_room_in_the_mail_and_calendar(
    government: Personas,
    draft_meeting: Meeting,
    settings: Any,
    django_capture_on_commit_callbacks: Callable,
    language: str,
) -> None:
    settings.LANGUAGE_CODE = language
    allow_remote(government.body)
    link = draft_meeting.video_link
    assert link
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_schedule(actor=government.secretary, meeting=draft_meeting)
    message = to(government.members[0].email)
    assert INVITES_REMOTELY[language] in message.body and link in message.body
    event = event_of(message)
    assert str(event["CONFERENCE"]) == link
    assert event["CONFERENCE"].params["FEATURE"] == "VIDEO"
    assert event["CONFERENCE"].params["LABEL"] == LABEL[language]
    assert f"{LABEL[language]}: {link}" in str(event["DESCRIPTION"])
    # The room stays where the meeting is held.
    assert str(event["LOCATION"]) == "Room 1"


@pytest.mark.parametrize("language", ["en", "vi"])
def test_where_the_body_keeps_everyone_in_the_room_nobody_gets_the_video_room(
    government: Personas,
    draft_meeting: Meeting,
    settings: Any,
    django_capture_on_commit_callbacks: Callable,
    language: str,
) -> None:
    settings.LANGUAGE_CODE = language
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_schedule(actor=government.secretary, meeting=draft_meeting)
    assert len(mail.outbox) == 28
    for message in mail.outbox:
        assert not shows_the_room(message, draft_meeting.video_link)
        assert INVITES_REMOTELY[language] not in message.body


def test_a_substitute_and_the_member_they_represent_never_get_the_video_room(
    government: Personas, meeting: Meeting, django_capture_on_commit_callbacks: Callable
) -> None:
    allow_remote(government.body)
    deputy = UserFactory()
    represented = government.members[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.attendance_record(
            actor=government.secretary,
            attendance=meeting.attendances.get(user=represented),
            status="represented",
            substitute=deputy,
        )
    assert not shows_the_room(to(deputy.email), meeting.video_link)
    # A change of time goes to everyone invited: the member who is represented and their
    # substitute get it without the room, the others with it.
    mail.outbox.clear()
    later = meeting.starts_at + datetime.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(
            actor=government.secretary,
            meeting=meeting,
            starts_at=later,
            ends_at=later + datetime.timedelta(hours=3),
        )
    assert not shows_the_room(to(deputy.email), meeting.video_link)
    assert not shows_the_room(to(represented.email), meeting.video_link)
    assert shows_the_room(to(government.members[1].email), meeting.video_link)


def test_a_cancellation_carries_no_video_room(
    government: Personas, meeting: Meeting, django_capture_on_commit_callbacks: Callable
) -> None:
    allow_remote(government.body)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(actor=government.secretary, meeting=meeting)
    assert mail.outbox
    for message in mail.outbox:
        assert not shows_the_room(message, meeting.video_link)
