"""Meeting invitations by e-mail with an iCalendar (RFC 5545) attachment.

Each invitee gets their own message with a REQUEST (new or changed meeting) or CANCEL. The UID
stays the same for the life of the meeting and SEQUENCE rises with each change sent, so calendar
programs replace the earlier invitation instead of adding a second event.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from enum import StrEnum
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from meetings.models import Attendance, Meeting
from meetings.text import header_safe

logger = logging.getLogger(__name__)


class Method(StrEnum):
    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


def ics_uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.pk}@{urlsplit(settings.SITE_URL).hostname or 'localhost'}"


def meeting_url(meeting: Meeting) -> str:
    return settings.SITE_URL + reverse("meetings:meeting_detail", args=[meeting.pk])


def meeting_event(meeting: Meeting, *, sequence: int, cancelled: bool) -> icalendar.Event:
    """The meeting as a VEVENT, shared by the invitations and the calendar feeds so that both
    describe it the same way under the same UID."""
    event = icalendar.Event()
    event.add("uid", ics_uid(meeting))
    event.add("sequence", sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("summary", meeting.title)
    event.add("location", meeting.place or meeting.online_link)
    event.add("description", "\n\n".join(filter(None, [meeting.description, meeting_url(meeting)])))
    event.add("url", meeting_url(meeting))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    organizer = icalendar.vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL}")
    organizer.params["cn"] = icalendar.vText(str(meeting.body))
    event.add("organizer", organizer)
    return event


def remote_attendees(meeting: Meeting, user_ids: Iterable[int]) -> set[int]:
    """Those among `user_ids` who may attend the meeting remotely, where its body's rules allow
    it: members invited in their own right and not represented by a substitute (substitutes
    attend in the room), as the check-in box (meetings.regions) says. One query."""
    if not meeting.body.remote_attendance_allowed or not meeting.video_link:
        return set()
    return set(
        Attendance.objects.filter(meeting=meeting, user_id__in=list(user_ids))
        .exclude(status=Attendance.Status.REPRESENTED)
        .values_list("user_id", flat=True)
    )


def build_ics(
    meeting: Meeting, attendee: User, method: Method, *, sequence: int, video_link: str = ""
) -> bytes:
    """The invitation's calendar; with `video_link` (for one who may attend remotely), the
    video room as the event's CONFERENCE (RFC 7986) and in its description, for calendar
    programs that do not show CONFERENCE. The room stays the LOCATION."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Paperless meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method.value)
    event = meeting_event(meeting, sequence=sequence, cancelled=method == Method.CANCEL)
    if video_link:
        label = _("Video room")
        event.add(
            "conference",
            video_link,
            parameters={"VALUE": "URI", "FEATURE": "VIDEO", "LABEL": label},
        )
        event["description"] = icalendar.vText(f"{event['description']}\n\n{label}: {video_link}")
    attendee_address = icalendar.vCalAddress(f"mailto:{attendee.email}")
    attendee_address.params["cn"] = icalendar.vText(
        attendee.get_full_name() or attendee.get_username()
    )
    attendee_address.params["role"] = icalendar.vText("REQ-PARTICIPANT")
    attendee_address.params["partstat"] = icalendar.vText("NEEDS-ACTION")
    event.add("attendee", attendee_address)
    calendar.add_component(event)
    return calendar.to_ical()


def build_message(
    meeting: Meeting, attendee: User, method: Method, *, sequence: int, remote: bool = False
) -> EmailMessage:
    """One invitee's message. `remote`: they may attend remotely (`remote_attendees`), and the
    message and its calendar carry the video room; nobody else's do, and a cancellation never
    does."""
    video_link = meeting.video_link if remote and method == Method.REQUEST else ""
    title = header_safe(meeting.title)
    if method == Method.CANCEL:
        subject = _("Cancelled: %(title)s") % {"title": title}
    elif sequence:
        subject = _("Updated: %(title)s") % {"title": title}
    else:
        subject = _("Invitation: %(title)s") % {"title": title}
    body = render_to_string(
        "meetings/email/invitation.txt",
        {
            "meeting": meeting,
            "attendee": attendee,
            "cancelled": method == Method.CANCEL,
            "updated": bool(sequence) and method == Method.REQUEST,
            "url": meeting_url(meeting),
            "video_link": video_link,
        },
    )
    message = EmailMessage(subject=subject, body=body, to=[attendee.email])
    message.attach(
        "invite.ics",
        build_ics(meeting, attendee, method, sequence=sequence, video_link=video_link),
        f"text/calendar; method={method.value}",
    )
    return message


def send(meeting_id: int, user_ids: Iterable[int], method: Method, *, sequence: int) -> None:
    """Send after the change committed. A mail server failure is logged, not raised: the
    meeting change stands, and the secretariat can resend by editing the meeting."""
    meeting = Meeting.objects.select_related("body").get(pk=meeting_id)
    users = list(get_user_model().objects.filter(pk__in=list(user_ids)).exclude(email=""))
    remote = remote_attendees(meeting, [user.pk for user in users])
    with translation.override(settings.LANGUAGE_CODE):
        messages = [
            build_message(meeting, user, method, sequence=sequence, remote=user.pk in remote)
            for user in users
        ]
    try:
        get_connection().send_messages(messages)
    except OSError:
        logger.exception("Could not send %s invitations for meeting %s", method, meeting_id)
