"""The HTML screens, as each persona meets them: what they see, what they may press, what a
refused form looks like (status 400, the message by the field, nothing written), and what the
database holds afterwards."""

from __future__ import annotations

import datetime
import re
from html import escape

import pytest
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.models import Attendance, Body, Meeting, Membership
from tests.conftest import Personas, check_in, plan_meeting
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


def url(name: str, *args: object) -> str:
    return reverse(f"meetings:{name}", args=args)


def page(response: HttpResponse) -> str:
    return response.content.decode()


def shown(user: User) -> str:
    """A person's name as the page prints it (HTML-escaped: Faker has names like O'Neil)."""
    return escape(user.get_full_name() or user.username)


def as_user(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def attendance_of(meeting: Meeting, user: User) -> Attendance:
    return Attendance.objects.get(meeting=meeting, user=user)


def section(html: str, start: str, end: str) -> str:
    """The part of a page between two markers, to tell which list a name is in."""
    begin = html.index(start)
    return html[begin : html.index(end, begin)]


def board_list(html: str, column: str) -> str:
    """The entries the board shows in one column ("present" or "absent"): it lists everyone
    in both and hides each entry in the column that does not fit."""
    entries = re.findall(rf'<li id="board-{column}-\d+"(?! hidden)>(.*?)</li>', html, re.S)
    return "\n".join(entries)


@pytest.fixture
def committee_meeting(committee: Personas) -> Meeting:
    draft = plan_meeting(
        committee, starts_in=datetime.timedelta(hours=1), title="Budget review", place="Room 4"
    )
    return services.meeting_schedule(actor=committee.secretary, meeting=draft)


def in_session(government: Personas, meeting: Meeting) -> Meeting:
    check_in(meeting, government.voters[:18])
    return services.meeting_start(actor=government.chair, meeting=meeting)


# Anonymous visitors, login, logout and the language switch


def test_anonymous_visitors_are_sent_to_the_login_page_from_every_screen(
    client: Client, government: Personas, meeting: Meeting
) -> None:
    body = government.body
    membership = Membership.objects.filter(body=body).first()
    assert membership is not None
    screens = [
        ("get", url("my_meetings")),
        ("get", url("meeting_detail", meeting.pk)),
        ("get", url("meeting_edit", meeting.pk)),
        ("post", url("meeting_edit", meeting.pk)),
        ("post", url("meeting_check_in", meeting.pk)),
        ("post", url("meeting_check_out", meeting.pk)),
        ("post", url("attendance_record", meeting.pk)),
        ("get", url("attendance_board", meeting.pk)),
        ("post", url("meeting_lifecycle", meeting.pk, "cancel")),
        ("get", url("secretariat_meetings")),
        ("get", url("body_list")),
        ("get", url("body_create")),
        ("post", url("body_create")),
        ("get", url("body_detail", body.pk)),
        ("get", url("body_edit", body.pk)),
        ("get", url("meeting_create", body.pk)),
        ("get", url("membership_create", body.pk)),
        ("get", url("membership_edit", body.pk, membership.pk)),
        ("post", url("membership_end", body.pk, membership.pk)),
    ]
    for method, address in screens:
        response = getattr(client, method)(address, {"reason": "x"} if method == "post" else {})
        assert response.status_code == 302, address
        assert response["Location"].startswith(f"{reverse('login')}?next="), address
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.SCHEDULED
    assert not Attendance.objects.filter(meeting=meeting).exclude(status="invited").exists()


def test_the_login_page_has_the_form_and_the_language_switch(client: Client) -> None:
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = page(response)
    assert 'name="login"' in html and 'name="password"' in html
    assert "English" in html and "Tiếng Việt" in html
    assert reverse("set_language") in html


def test_a_member_logs_in_and_lands_on_their_meetings(
    client: Client, member: User, meeting: Meeting
) -> None:
    response = client.post(
        reverse("login"), {"login": member.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == url("my_meetings")
    assert meeting.title in page(response)
    assert shown(member) in page(response)


def test_a_wrong_password_is_refused(client: Client, member: User) -> None:
    response = client.post(reverse("login"), {"login": member.username, "password": "wrong"})
    assert "The username and/or password you specified are not correct." in page(response)
    assert client.get(url("my_meetings")).status_code == 302


def test_logout_is_a_post_and_ends_the_session(client: Client, member: User) -> None:
    as_user(client, member)
    # A GET only asks to confirm: a link or an image cannot sign anyone out.
    assert client.get(reverse("logout")).status_code == 200
    assert client.get(url("my_meetings")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert client.get(url("my_meetings")).status_code == 302


def test_every_page_has_a_logout_form(client: Client, member: User) -> None:
    html = page(as_user(client, member).get(url("my_meetings")))
    assert f'action="{reverse("logout")}" method="post"' in html


def test_the_language_switch_remembers_vietnamese(client: Client, member: User) -> None:
    as_user(client, member)
    response = client.post(reverse("set_language"), {"language": "vi", "next": url("body_list")})
    assert response.status_code == 302 and response["Location"] == url("body_list")
    html = page(client.get(url("body_list")))
    assert '<html lang="vi">' in html
    assert 'value="vi" lang="vi" aria-pressed="true"' in html


# My meetings


def test_a_member_sees_scheduled_meetings_but_not_drafts(
    client: Client, government: Personas, member: User, meeting: Meeting
) -> None:
    plan_meeting(government, starts_in=datetime.timedelta(days=2), title="Draft on tax reform")
    response = as_user(client, member).get(url("my_meetings"))
    assert response.status_code == 200
    html = page(response)
    assert meeting.title in html and url("meeting_detail", meeting.pk) in html
    assert "Draft on tax reform" not in html
    assert url("secretariat_meetings") not in html


def test_my_meetings_puts_a_meeting_that_began_yesterday_under_past(
    client: Client, government: Personas, member: User
) -> None:
    began = plan_meeting(
        government,
        starts_in=datetime.timedelta(days=-1),
        ends_at=timezone.now() + datetime.timedelta(hours=1),
        title="Two-day retreat",
    )
    services.meeting_schedule(actor=government.secretary, meeting=began)
    html = page(as_user(client, member).get(url("my_meetings")))
    assert html.index('id="past-title"') < html.index("Two-day retreat")


def test_an_outsider_has_no_meetings_and_no_secretariat_link(
    client: Client, outsider: User, meeting: Meeting
) -> None:
    html = page(as_user(client, outsider).get(url("my_meetings")))
    assert meeting.title not in html
    assert "No meeting planned" in html
    assert url("secretariat_meetings") not in html


def test_the_secretary_finds_the_secretariat_screens_from_the_header(
    client: Client, government: Personas, meeting: Meeting
) -> None:
    html = page(as_user(client, government.secretary).get(url("my_meetings")))
    assert url("secretariat_meetings") in html


# The meeting page


def test_a_member_sees_the_meeting_their_attendance_and_the_quorum(
    client: Client, government: Personas, member: User, meeting: Meeting
) -> None:
    response = as_user(client, member).get(url("meeting_detail", meeting.pk))
    assert response.status_code == 200
    html = page(response)
    for text in (meeting.title, "Government", "Room 1", "Scheduled", "Internal"):
        assert text in html
    assert ">Check in</button>" in html
    assert "No quorum: 0 of 27 members present; at least two thirds (18) required." in html
    assert "quorum-not-met" in html
    assert shown(government.chair) in html and shown(government.members[-1]) in html
    assert "Record attendance" not in html
    assert "Open the session" not in html and "Cancel the meeting" not in html


def test_the_meeting_page_links_to_the_online_meeting(client: Client, committee: Personas) -> None:
    online = plan_meeting(
        committee,
        starts_in=datetime.timedelta(hours=2),
        place="",
        online_link="https://video.example.org/budget",
    )
    services.meeting_schedule(actor=committee.secretary, meeting=online)
    html = page(as_user(client, committee.members[0]).get(url("meeting_detail", online.pk)))
    assert 'href="https://video.example.org/budget"' in html and "Join online" in html


@pytest.mark.parametrize("persona", ["outsider", "other_chair"])
def test_people_outside_the_body_get_a_404_for_its_meeting(
    client: Client, persona: str, outsider: User, committee: Personas, meeting: Meeting
) -> None:
    user = outsider if persona == "outsider" else committee.chair
    response = as_user(client, user).get(url("meeting_detail", meeting.pk))
    assert response.status_code == 404
    assert meeting.title not in page(response)
    assert "This page does not exist, or you do not have access to it." in page(response)


def test_unknown_and_malformed_meeting_ids_are_404(client: Client, member: User) -> None:
    as_user(client, member)
    assert client.get(url("meeting_detail", 999999)).status_code == 404
    assert client.get("/meetings/99999999999999999999999/").status_code == 404
    assert client.get("/meetings/abc/").status_code == 404
    assert client.get("/meetings/-1/").status_code == 404


def test_a_draft_is_the_secretariats_alone(
    client: Client, government: Personas, draft_meeting: Meeting
) -> None:
    for user in (government.chair, government.members[0]):
        assert as_user(client, user).get(url("meeting_detail", draft_meeting.pk)).status_code == 404
    response = as_user(client, government.secretary).get(url("meeting_detail", draft_meeting.pk))
    assert response.status_code == 200
    html = page(response)
    assert "Draft" in html and "Schedule and send invitations" in html
    assert "Invitations go out when the meeting is scheduled." in html
    assert url("meeting_edit", draft_meeting.pk) in html


def test_the_secretary_sees_the_recording_form_with_the_chosen_person(
    client: Client, government: Personas, member: User, meeting: Meeting
) -> None:
    row = attendance_of(meeting, member)
    html = page(
        as_user(client, government.secretary).get(
            url("meeting_detail", meeting.pk) + f"?record={row.pk}"
        )
    )
    assert "Record attendance" in html
    assert f'<option value="{row.pk}" selected>' in html
    assert "?record=abc" not in html
    bad = as_user(client, government.secretary).get(url("meeting_detail", meeting.pk) + "?record=x")
    assert bad.status_code == 200


# Checking in and out


def test_a_member_checks_in_and_the_page_shows_it(
    client: Client, government: Personas, member: User, meeting: Meeting
) -> None:
    check_in(meeting, [voter for voter in government.voters if voter != member][:17])
    as_user(client, member)
    response = client.post(url("meeting_check_in", meeting.pk))
    assert response.status_code == 302 and response["Location"] == url("meeting_detail", meeting.pk)
    assert attendance_of(meeting, member).status == Attendance.Status.PRESENT
    html = page(client.get(response["Location"]))
    assert "You are checked in." in html
    assert "Check out" in html
    assert "Quorum met: 18 of 27 members present" in html and "quorum-met" in html


def test_check_in_is_a_post(client: Client, member: User, meeting: Meeting) -> None:
    response = as_user(client, member).get(url("meeting_check_in", meeting.pk))
    assert response.status_code == 405
    assert attendance_of(meeting, member).status == Attendance.Status.INVITED


def test_an_outsider_cannot_check_in(client: Client, outsider: User, meeting: Meeting) -> None:
    response = as_user(client, outsider).post(url("meeting_check_in", meeting.pk))
    assert response.status_code == 404
    assert not Attendance.objects.filter(meeting=meeting, status="present").exists()


def test_check_in_before_it_opens_is_refused_with_the_opening_time(
    client: Client, committee: Personas
) -> None:
    later = plan_meeting(committee, starts_in=datetime.timedelta(hours=10))
    later = services.meeting_schedule(actor=committee.secretary, meeting=later)
    member = committee.members[0]
    html_before = page(as_user(client, member).get(url("meeting_detail", later.pk)))
    assert "Check-in opens at" in html_before
    response = client.post(url("meeting_check_in", later.pk))
    assert response.status_code == 400
    assert "Check-in opens at" in section(page(response), 'id="my-attendance"', "</section>")
    assert attendance_of(later, member).status == Attendance.Status.INVITED


def test_checking_out_without_checking_in_is_refused(
    client: Client, member: User, meeting: Meeting
) -> None:
    response = as_user(client, member).post(url("meeting_check_out", meeting.pk))
    assert response.status_code == 400
    assert "You have not checked in." in page(response)
    assert attendance_of(meeting, member).status == Attendance.Status.INVITED


def test_a_member_checks_out(client: Client, member: User, meeting: Meeting) -> None:
    as_user(client, member).post(url("meeting_check_in", meeting.pk))
    response = client.post(url("meeting_check_out", meeting.pk), follow=True)
    assert "You have checked out." in page(response)
    row = attendance_of(meeting, member)
    assert row.status == Attendance.Status.LEFT and row.checked_out_at is not None
    assert ">Check in</button>" in page(response)


def test_a_substitute_checks_in_on_behalf_of_the_member(
    client: Client, government: Personas, member: User, outsider: User, meeting: Meeting
) -> None:
    row = attendance_of(meeting, member)
    services.attendance_record(
        actor=government.secretary, attendance=row, status="represented", substitute=outsider
    )
    as_user(client, outsider)
    html = page(client.get(url("meeting_detail", meeting.pk)))
    assert f"You attend on behalf of {shown(member)}." in html
    response = client.post(url("meeting_check_in", meeting.pk), follow=True)
    assert f"You attend on behalf of {shown(member)}." in page(response)
    assert "Check out" in page(response)
    row.refresh_from_db()
    assert row.substitute_checked_in_at is not None
    assert row.status == Attendance.Status.REPRESENTED
    assert meeting.title in page(client.get(url("my_meetings")))


def test_a_represented_member_sees_their_substitute_and_no_check_in(
    client: Client, government: Personas, member: User, outsider: User, meeting: Meeting
) -> None:
    services.attendance_record(
        actor=government.secretary,
        attendance=attendance_of(meeting, member),
        status="represented",
        substitute=outsider,
    )
    html = page(as_user(client, member).get(url("meeting_detail", meeting.pk)))
    own = section(html, 'id="my-attendance"', "</section>")
    assert f"{shown(outsider)} attends on your behalf." in own
    assert ">Check in</button>" not in own


# Following the meeting live


def test_a_live_meeting_page_follows_the_event_log_from_what_it_shows(
    client: Client, government: Personas, member: User, meeting: Meeting
) -> None:
    check_in(meeting, government.voters[:2])  # events 2 and 3 after "scheduled"
    html = page(as_user(client, member).get(url("meeting_detail", meeting.pk)))
    assert f'data-meeting-socket="/ws/meetings/{meeting.pk}/"' in html
    assert 'data-meeting-seq="3"' in html
    assert "No quorum: 2 of 27" in html


def test_a_cancelled_meeting_page_no_longer_follows_the_log(
    client: Client, government: Personas, member: User, meeting: Meeting
) -> None:
    services.meeting_cancel(actor=government.secretary, meeting=meeting, reason="Storm")
    html = page(as_user(client, member).get(url("meeting_detail", meeting.pk)))
    assert "data-meeting-socket" not in html


# The chair's attendance board


def test_the_chair_sees_the_board_with_present_and_absent_and_the_open_button(
    client: Client, government: Personas, member: User, meeting: Meeting
) -> None:
    check_in(meeting, [government.chair])
    services.attendance_record(
        actor=government.secretary,
        attendance=attendance_of(meeting, member),
        status="excused",
        reason="On mission abroad",
    )
    response = as_user(client, government.chair).get(url("attendance_board", meeting.pk))
    assert response.status_code == 200
    html = page(response)
    present = board_list(html, "present")
    absent = board_list(html, "absent")
    assert shown(government.chair) in present and shown(government.chair) not in absent
    assert shown(member) in absent and "On mission abroad" in absent
    assert "No quorum: 1 of 27" in html
    assert "Open the session" in html
    assert f'data-meeting-socket="/ws/meetings/{meeting.pk}/"' in html


def test_a_member_may_look_at_the_board_but_gets_no_buttons(
    client: Client, member: User, meeting: Meeting
) -> None:
    response = as_user(client, member).get(url("attendance_board", meeting.pk))
    assert response.status_code == 200
    assert "Open the session" not in page(response)
    assert "Adjourn" not in page(response)


def test_the_board_is_hidden_from_outsiders_and_does_not_exist_for_drafts(
    client: Client, government: Personas, outsider: User, meeting: Meeting, committee: Personas
) -> None:
    assert as_user(client, outsider).get(url("attendance_board", meeting.pk)).status_code == 404
    draft = plan_meeting(committee, starts_in=datetime.timedelta(days=1))
    as_user(client, committee.secretary)
    assert client.get(url("attendance_board", draft.pk)).status_code == 404


def test_the_board_shows_a_new_arrival(
    client: Client, government: Personas, member: User, meeting: Meeting
) -> None:
    as_user(client, government.chair)
    before = page(client.get(url("attendance_board", meeting.pk)))
    assert shown(member) not in board_list(before, "present")
    check_in(meeting, [member])
    html = page(client.get(url("attendance_board", meeting.pk)))
    assert shown(member) in board_list(html, "present")
    assert "No quorum: 1 of 27" in html


def test_the_board_shows_a_substitute_in_the_room(
    client: Client, government: Personas, member: User, outsider: User, meeting: Meeting
) -> None:
    services.attendance_record(
        actor=government.secretary,
        attendance=attendance_of(meeting, member),
        status="represented",
        substitute=outsider,
    )
    services.attendance_check_in(actor=outsider, meeting=meeting)
    html = page(as_user(client, government.chair).get(url("attendance_board", meeting.pk)))
    present = board_list(html, "present")
    assert shown(outsider) in present and f"for {shown(member)}" in present
    # Substitutes do not vote in the Government, so they do not make the quorum.
    assert "No quorum: 0 of 27" in html


def test_the_board_of_a_closed_meeting_shows_it_closed_and_follows_nothing(
    client: Client, government: Personas, meeting: Meeting
) -> None:
    in_session(government, meeting)
    services.meeting_adjourn(actor=government.chair, meeting=meeting)
    services.meeting_close(actor=government.secretary, meeting=meeting)
    html = page(as_user(client, government.chair).get(url("attendance_board", meeting.pk)))
    assert "data-meeting-socket" not in html
    assert "Closed" in html


# Lifecycle buttons


def test_lifecycle_buttons_are_shown_only_to_those_allowed(
    client: Client, government: Personas, member: User, meeting: Meeting
) -> None:
    chair = page(as_user(client, government.chair).get(url("meeting_detail", meeting.pk)))
    assert "Open the session" in chair and "Cancel the meeting" not in chair
    secretary = page(as_user(client, government.secretary).get(url("meeting_detail", meeting.pk)))
    assert "Cancel the meeting" in secretary and "Open the session" not in secretary
    assert "Schedule and send invitations" not in secretary  # already scheduled
    plain = page(as_user(client, member).get(url("meeting_detail", meeting.pk)))
    assert "Open the session" not in plain and "Cancel the meeting" not in plain


def test_the_secretary_schedules_a_draft_and_everyone_is_invited(
    client: Client, government: Personas, draft_meeting: Meeting
) -> None:
    as_user(client, government.secretary)
    response = client.post(url("meeting_lifecycle", draft_meeting.pk, "schedule"), follow=True)
    assert response.redirect_chain[-1][0] == url("meeting_detail", draft_meeting.pk)
    assert "The meeting is scheduled" in page(response)
    draft_meeting.refresh_from_db()
    assert draft_meeting.status == Meeting.Status.SCHEDULED
    assert draft_meeting.attendances.count() == 28
    assert "Schedule and send invitations" not in page(response)


def test_scheduling_twice_is_refused_with_the_services_reason(
    client: Client, government: Personas, meeting: Meeting
) -> None:
    as_user(client, government.secretary)
    response = client.post(url("meeting_lifecycle", meeting.pk, "schedule"))
    assert response.status_code == 400
    assert "Only a draft meeting can be scheduled." in page(response)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.SCHEDULED


def test_the_chair_cannot_open_without_a_quorum(
    client: Client, government: Personas, meeting: Meeting
) -> None:
    check_in(meeting, government.voters[:17])
    as_user(client, government.chair)
    response = client.post(url("meeting_lifecycle", meeting.pk, "start"))
    assert response.status_code == 400
    assert "The session cannot open without a quorum." in page(response)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.SCHEDULED and meeting.started_at is None


def test_a_refusal_on_the_board_stays_on_the_board(
    client: Client, government: Personas, meeting: Meeting
) -> None:
    as_user(client, government.chair)
    response = client.post(url("meeting_lifecycle", meeting.pk, "start"), {"return_to": "board"})
    assert response.status_code == 400
    html = page(response)
    assert "The session cannot open without a quorum." in html and "board-present" in html


def test_the_chair_opens_the_session_from_the_board(
    client: Client, government: Personas, meeting: Meeting
) -> None:
    check_in(meeting, government.voters[:18])
    as_user(client, government.chair)
    board = page(client.get(url("attendance_board", meeting.pk)))
    assert url("meeting_lifecycle", meeting.pk, "start") in board
    response = client.post(url("meeting_lifecycle", meeting.pk, "start"), {"return_to": "board"})
    assert response.status_code == 302
    assert response["Location"] == url("attendance_board", meeting.pk)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.IN_SESSION and meeting.started_at is not None
    board = page(client.get(response["Location"]))
    assert "The session is open." in board and "Adjourn" in board


@pytest.mark.parametrize("persona", ["member", "secretary"])
def test_only_the_chair_opens_the_session(
    client: Client, persona: str, government: Personas, meeting: Meeting
) -> None:
    check_in(meeting, government.voters[:18])
    user = government.members[0] if persona == "member" else government.secretary
    response = as_user(client, user).post(url("meeting_lifecycle", meeting.pk, "start"))
    assert response.status_code == 403
    assert "Only the chair can open the session." in page(response)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.SCHEDULED


def test_adjourn_reconvene_and_close_through_the_pages(
    client: Client, government: Personas, meeting: Meeting
) -> None:
    in_session(government, meeting)
    chair = as_user(Client(), government.chair)
    secretary = as_user(Client(), government.secretary)

    chair.post(url("meeting_lifecycle", meeting.pk, "adjourn"))
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.ADJOURNED and meeting.adjourned_at is not None
    html = page(chair.get(url("meeting_detail", meeting.pk)))
    assert "Reconvene" in html and "Adjourn</button>" not in html
    assert "Close the meeting" in page(secretary.get(url("meeting_detail", meeting.pk)))

    chair.post(url("meeting_lifecycle", meeting.pk, "reconvene"))
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.IN_SESSION and meeting.adjourned_at is None

    chair.post(url("meeting_lifecycle", meeting.pk, "adjourn"))
    response = secretary.post(url("meeting_lifecycle", meeting.pk, "close"), follow=True)
    assert "The meeting is closed." in page(response)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CLOSED and meeting.closed_at is not None
    assert ">Check in</button>" not in page(response)


def test_the_chair_cannot_close_and_the_secretary_cannot_adjourn(
    client: Client, government: Personas, meeting: Meeting
) -> None:
    in_session(government, meeting)
    response = as_user(client, government.secretary).post(
        url("meeting_lifecycle", meeting.pk, "adjourn")
    )
    assert response.status_code == 403 and "Only the chair can adjourn." in page(response)
    services.meeting_adjourn(actor=government.chair, meeting=meeting)
    response = as_user(client, government.chair).post(url("meeting_lifecycle", meeting.pk, "close"))
    assert response.status_code == 403 and "You cannot close this meeting." in page(response)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.ADJOURNED


def test_cancelling_needs_a_reason(client: Client, government: Personas, meeting: Meeting) -> None:
    as_user(client, government.secretary)
    response = client.post(url("meeting_lifecycle", meeting.pk, "cancel"), {"reason": "  "})
    assert response.status_code == 400
    cancel_form = section(page(response), 'class="cancel"', "</details>")
    assert "This field is required." in cancel_form
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.SCHEDULED and meeting.cancellation_reason == ""


def test_the_secretary_cancels_with_a_reason_that_members_then_read(
    client: Client, government: Personas, member: User, meeting: Meeting
) -> None:
    as_user(client, government.secretary)
    response = client.post(
        url("meeting_lifecycle", meeting.pk, "cancel"), {"reason": "The typhoon closes the city."}
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED
    assert meeting.cancellation_reason == "The typhoon closes the city."
    html = page(as_user(client, member).get(url("meeting_detail", meeting.pk)))
    assert "Cancelled" in html and "The typhoon closes the city." in html
    assert ">Check in</button>" not in html


def test_the_chair_cannot_cancel(client: Client, government: Personas, meeting: Meeting) -> None:
    response = as_user(client, government.chair).post(
        url("meeting_lifecycle", meeting.pk, "cancel"), {"reason": "No"}
    )
    assert response.status_code == 403
    assert "You cannot cancel this meeting." in page(response)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.SCHEDULED


def test_lifecycle_actions_are_posts_and_unknown_ones_404(
    client: Client, government: Personas, meeting: Meeting
) -> None:
    as_user(client, government.chair)
    assert client.get(url("meeting_lifecycle", meeting.pk, "start")).status_code == 405
    assert client.post(url("meeting_lifecycle", meeting.pk, "explode")).status_code == 404
    outsider = as_user(Client(), UserFactory())
    assert outsider.post(url("meeting_lifecycle", meeting.pk, "cancel")).status_code == 404


# Attendance recorded by the secretariat


def record(client: Client, meeting: Meeting, **data: object) -> HttpResponse:
    return client.post(url("attendance_record", meeting.pk), data)


def test_the_secretary_records_an_absence_with_its_reason(
    client: Client, government: Personas, member: User, meeting: Meeting
) -> None:
    row = attendance_of(meeting, member)
    as_user(client, government.secretary)
    response = record(client, meeting, attendance=row.pk, status="absent", reason="Ill")
    assert response.status_code == 302
    assert response["Location"] == url("meeting_detail", meeting.pk) + "#attendance"
    row.refresh_from_db()
    assert (row.status, row.reason) == (Attendance.Status.ABSENT, "Ill")
    html = page(client.get(url("meeting_detail", meeting.pk)))
    assert f"Attendance recorded for {shown(member)}." in html and "Ill" in html


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"status": "excused", "reason": ""}, "Give the reason for the absence."),
        ({"status": "absent", "reason": "   "}, "Give the reason for the absence."),
        ({"status": "represented"}, "Choose the substitute."),
        ({"status": "present", "substitute": "SUBSTITUTE"}, "Only a represented member has"),
        ({"status": "asleep"}, "Select a valid choice."),
    ],
)
def test_refused_attendance_input_is_shown_by_the_field_and_nothing_changes(
    client: Client,
    government: Personas,
    member: User,
    outsider: User,
    meeting: Meeting,
    data: dict[str, str],
    field_error: str,
) -> None:
    row = attendance_of(meeting, member)
    if data.get("substitute") == "SUBSTITUTE":
        data = {**data, "substitute": str(outsider.pk)}
    as_user(client, government.secretary)
    response = record(client, meeting, attendance=row.pk, **data)
    assert response.status_code == 400
    form = section(page(response), 'id="record-attendance"', "</form>")
    assert escape(field_error) in form
    assert 'class="field has-error' in form
    row.refresh_from_db()
    assert (row.status, row.reason, row.substitute_id) == (Attendance.Status.INVITED, "", None)


def test_a_member_invited_in_their_own_right_cannot_be_a_substitute(
    client: Client, government: Personas, member: User, meeting: Meeting
) -> None:
    row = attendance_of(meeting, member)
    other = government.members[1]
    as_user(client, government.secretary)
    response = record(client, meeting, attendance=row.pk, status="represented", substitute=other.pk)
    assert response.status_code == 400
    row.refresh_from_db()
    assert row.status == Attendance.Status.INVITED and row.substitute is None


def test_an_attendance_of_another_meeting_cannot_be_recorded_here(
    client: Client, government: Personas, meeting: Meeting, committee_meeting: Meeting
) -> None:
    foreign = committee_meeting.attendances.first()
    assert foreign is not None
    as_user(client, government.secretary)
    response = record(client, meeting, attendance=foreign.pk, status="absent", reason="x")
    assert response.status_code == 400
    foreign.refresh_from_db()
    assert foreign.status == Attendance.Status.INVITED


def test_the_secretary_records_a_substitute_then_puts_the_member_back(
    client: Client, government: Personas, member: User, outsider: User, meeting: Meeting
) -> None:
    row = attendance_of(meeting, member)
    as_user(client, government.secretary)
    record(client, meeting, attendance=row.pk, status="represented", substitute=outsider.pk)
    row.refresh_from_db()
    assert row.status == Attendance.Status.REPRESENTED and row.substitute == outsider
    html = page(client.get(url("meeting_detail", meeting.pk)))
    assert f"by {shown(outsider)}" in html and "not yet arrived" in html
    assert as_user(Client(), outsider).get(url("meeting_detail", meeting.pk)).status_code == 200

    record(client, meeting, attendance=row.pk, status="invited")
    row.refresh_from_db()
    assert row.status == Attendance.Status.INVITED and row.substitute is None
    assert as_user(Client(), outsider).get(url("meeting_detail", meeting.pk)).status_code == 404


def test_the_secretary_records_someone_present(
    client: Client, government: Personas, member: User, meeting: Meeting
) -> None:
    row = attendance_of(meeting, member)
    as_user(client, government.secretary)
    record(client, meeting, attendance=row.pk, status="present")
    row.refresh_from_db()
    assert row.status == Attendance.Status.PRESENT and row.checked_in_at is not None


def test_members_cannot_record_attendance_and_outsiders_cannot_find_the_meeting(
    client: Client, government: Personas, member: User, outsider: User, meeting: Meeting
) -> None:
    row = attendance_of(meeting, government.members[1])
    response = record(
        as_user(client, member), meeting, attendance=row.pk, status="absent", reason="x"
    )
    assert response.status_code == 403
    assert "Only the secretariat records attendance." in page(response)
    response = record(
        as_user(client, outsider), meeting, attendance=row.pk, status="absent", reason="x"
    )
    assert response.status_code == 404
    row.refresh_from_db()
    assert row.status == Attendance.Status.INVITED


def test_attendance_of_a_closed_meeting_is_corrected_with_its_reason(
    client: Client, government: Personas, meeting: Meeting
) -> None:
    in_session(government, meeting)
    services.meeting_adjourn(actor=government.chair, meeting=meeting)
    services.meeting_close(actor=government.secretary, meeting=meeting)
    row = attendance_of(meeting, government.members[20])
    as_user(client, government.secretary)
    assert "Record attendance" in page(client.get(url("meeting_detail", meeting.pk)))
    response = record(client, meeting, attendance=row.pk, status="absent", reason="Late")
    assert response.status_code == 400
    assert "Say why the attendance is corrected after the meeting." in page(response)
    row.refresh_from_db()
    assert row.status == Attendance.Status.INVITED
    response = record(
        client, meeting, attendance=row.pk, status="absent", reason="Late", explanation="Phoned"
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.reason) == (Attendance.Status.ABSENT, "Late")


def test_attendance_of_a_cancelled_meeting_cannot_be_recorded(
    client: Client, government: Personas, meeting: Meeting
) -> None:
    services.meeting_cancel(actor=government.secretary, meeting=meeting)
    row = attendance_of(meeting, government.members[20])
    as_user(client, government.secretary)
    assert "Record attendance" not in page(client.get(url("meeting_detail", meeting.pk)))
    response = record(client, meeting, attendance=row.pk, status="absent", reason="Late")
    assert response.status_code == 400
    assert "Attendance can only be recorded for a scheduled meeting" in page(response)
    row.refresh_from_db()
    assert row.status == Attendance.Status.INVITED


def test_the_secretary_adds_a_substitute_from_the_meeting_page(
    client: Client, government: Personas, member: User, meeting: Meeting
) -> None:
    row = attendance_of(meeting, member)
    as_user(client, government.secretary)
    form = section(
        page(client.get(url("meeting_detail", meeting.pk))), 'id="add-substitute"', "</form>"
    )
    assert 'name="organisation"' in form
    response = client.post(
        url("substitute_add", meeting.pk),
        {
            "attendance": row.pk,
            "name": "Lê Văn An",
            "title": "Thứ trưởng",
            "organisation": "Bộ Y tế",
        },
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == Attendance.Status.REPRESENTED
    assert row.substitute is not None and row.substitute.get_full_name() == "Lê Văn An"
    html = page(client.get(url("meeting_detail", meeting.pk)))
    assert f"Lê Văn An attends for {shown(member)}." in html
    assert "by Lê Văn An" in html


def test_a_substitute_without_a_name_is_refused_by_the_field(
    client: Client, government: Personas, member: User, meeting: Meeting
) -> None:
    row = attendance_of(meeting, member)
    people = User.objects.count()
    as_user(client, government.secretary)
    response = client.post(url("substitute_add", meeting.pk), {"attendance": row.pk, "name": " "})
    assert response.status_code == 400
    form = section(page(response), 'id="add-substitute"', "</form>")
    assert 'class="field has-error' in form
    assert User.objects.count() == people
    row.refresh_from_db()
    assert row.status == Attendance.Status.INVITED


def test_members_cannot_add_a_substitute_and_outsiders_cannot_find_the_meeting(
    client: Client, government: Personas, member: User, outsider: User, meeting: Meeting
) -> None:
    row = attendance_of(meeting, government.members[1])
    as_user(client, member)
    assert 'id="add-substitute"' not in page(client.get(url("meeting_detail", meeting.pk)))
    data = {"attendance": row.pk, "name": "Lê Văn An"}
    response = client.post(url("substitute_add", meeting.pk), data)
    assert response.status_code == 403
    as_user(client, outsider)
    assert client.post(url("substitute_add", meeting.pk), data).status_code == 404
    row.refresh_from_db()
    assert row.status == Attendance.Status.INVITED


# Bodies


def test_the_bodies_list_shows_each_person_their_bodies(
    client: Client, government: Personas, committee: Personas, secretariat: User, outsider: User
) -> None:
    html = page(as_user(client, government.members[0]).get(url("body_list")))
    assert "Government" in html and "Finance Committee" not in html
    assert "Create a body" not in html
    html = page(as_user(client, secretariat).get(url("body_list")))
    assert "Government" in html and "Finance Committee" in html
    assert url("body_create") in html
    html = page(as_user(client, outsider).get(url("body_list")))
    assert "You do not belong to any body yet." in html


def test_a_member_reads_the_rules_in_words_and_the_members(
    client: Client, government: Personas
) -> None:
    response = as_user(client, government.members[0]).get(url("body_detail", government.body.pk))
    assert response.status_code == 200
    html = page(response)
    assert "At least two thirds of members entitled to vote must be present." in html
    assert "Yes votes needed: more than half of all members." in html
    assert "On a tie, the chair&#x27;s side wins." in html
    assert "Substitutes speak but do not vote." in html
    assert "Law on Government Organisation 2025 (No. 63/2025/QH15)" in html
    assert shown(government.chair) in html and shown(government.secretary) in html
    assert "28 current members" in html
    assert "Edit details and rules" not in html and "Add a member" not in html


def test_the_secretary_gets_the_body_buttons(client: Client, government: Personas) -> None:
    html = page(as_user(client, government.secretary).get(url("body_detail", government.body.pk)))
    for address in (
        url("body_edit", government.body.pk),
        url("membership_create", government.body.pk),
        url("meeting_create", government.body.pk),
    ):
        assert address in html


def test_a_body_is_404_for_outsiders_and_when_missing(
    client: Client, government: Personas, committee: Personas
) -> None:
    as_user(client, committee.chair)
    assert client.get(url("body_detail", government.body.pk)).status_code == 404
    assert client.get(url("body_detail", 987654)).status_code == 404
    assert client.get("/bodies/x/").status_code == 404


def body_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Audit Committee",
        "kind": "committee",
        "description": "Audits the accounts.",
        "language": "en",
        "quorum_numerator": 1,
        "quorum_denominator": 2,
        "quorum_strict": "on",
        "quorum_base": "voting_members",
        "majority_numerator": 2,
        "majority_denominator": 3,
        "majority_base": "votes_cast",
        "tie_rule": "fails",
        "substitutes_may_vote": "on",
        "rules_reference": "Statute, Art. 7",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_the_secretariat_creates_a_body_with_its_rules(client: Client, secretariat: User) -> None:
    as_user(client, secretariat)
    form = page(client.get(url("body_create") + "?kind=government"))
    assert 'name="quorum_numerator" value="2"' in form
    assert 'name="quorum_denominator" value="3"' in form
    assert '<option value="vi" selected>' in form
    response = client.post(url("body_create"), body_data())
    body = Body.objects.get(name="Audit Committee")
    assert response.status_code == 302 and response["Location"] == url("body_detail", body.pk)
    assert (body.quorum_numerator, body.quorum_denominator, body.quorum_strict) == (1, 2, True)
    assert (body.majority_numerator, body.majority_denominator) == (2, 3)
    assert body.majority_strict is False and body.substitutes_may_vote is True
    assert body.chair_votes_last is False and body.rules_reference == "Statute, Art. 7"
    html = page(client.get(response["Location"]))
    assert "Yes votes needed: at least two thirds of votes cast." in html


def test_an_unknown_preset_falls_back_to_the_committee_rules(
    client: Client, secretariat: User
) -> None:
    response = as_user(client, secretariat).get(url("body_create") + "?kind=<script>")
    assert response.status_code == 200
    assert "<script>" not in page(response)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"quorum_numerator": 3, "quorum_denominator": 2}, "quorum_numerator", "fraction between"),
        ({"majority_numerator": 0}, "majority_numerator", "greater than or equal to 1"),
        ({"quorum_denominator": "two"}, "quorum_denominator", "Enter a whole number."),
        ({"name": ""}, "name", "This field is required."),
        ({"name": "government"}, "name", "A body with this name already exists."),
        ({"kind": "club"}, "kind", "Select a valid choice."),
    ],
)
def test_refused_body_input_is_shown_by_the_field_and_nothing_is_created(
    client: Client,
    secretariat: User,
    government: Personas,
    overrides: dict[str, object],
    field: str,
    message: str,
) -> None:
    before = Body.objects.count()
    response = as_user(client, secretariat).post(url("body_create"), body_data(**overrides))
    assert response.status_code == 400
    html = page(response)
    field_html = section(html, f'for="id_{field}"', "</div>")
    assert message in field_html
    assert Body.objects.count() == before


def test_only_the_secretariat_creates_bodies(client: Client, government: Personas) -> None:
    as_user(client, government.secretary)
    response = client.get(url("body_create"))
    assert response.status_code == 403
    assert "Only the secretariat can create bodies." in page(response)
    assert client.post(url("body_create"), body_data()).status_code == 403
    assert not Body.objects.filter(name="Audit Committee").exists()


def test_the_secretary_changes_the_rules(client: Client, government: Personas) -> None:
    body = government.body
    as_user(client, government.secretary)
    form = page(client.get(url("body_edit", body.pk)))
    assert 'value="Government"' in form
    response = client.post(
        url("body_edit", body.pk),
        body_data(name="Government", kind="government", quorum_numerator=1),
    )
    assert response.status_code == 302
    body.refresh_from_db()
    assert (body.quorum_numerator, body.quorum_denominator, body.quorum_strict) == (1, 2, True)
    assert body.tie_rule == "fails"


def test_refused_rule_changes_leave_the_body_as_it_was(
    client: Client, government: Personas, committee: Personas
) -> None:
    body = government.body
    as_user(client, government.secretary)
    for data in (
        body_data(name="Finance Committee"),
        body_data(name="Government", majority_numerator=5, majority_denominator=4),
    ):
        assert client.post(url("body_edit", body.pk), data).status_code == 400
    body.refresh_from_db()
    assert body.name == "Government"
    assert (body.quorum_numerator, body.quorum_denominator) == (2, 3)
    assert (body.majority_numerator, body.majority_denominator) == (1, 2)


@pytest.mark.parametrize("persona", ["chair", "member"])
def test_members_and_the_chair_cannot_edit_the_body(
    client: Client, persona: str, government: Personas
) -> None:
    user = government.chair if persona == "chair" else government.members[0]
    as_user(client, user)
    response = client.get(url("body_edit", government.body.pk))
    assert response.status_code == 403
    assert "Only the body&#x27;s secretariat can change it." in page(response)
    response = client.post(url("body_edit", government.body.pk), body_data(name="Renamed"))
    assert response.status_code == 403
    government.body.refresh_from_db()
    assert government.body.name == "Government"


def test_an_outsider_cannot_find_the_body_to_edit(
    client: Client, outsider: User, government: Personas
) -> None:
    response = as_user(client, outsider).get(url("body_edit", government.body.pk))
    assert response.status_code == 404


# Memberships


def test_the_secretary_adds_a_member_who_then_sees_the_body_and_its_meeting(
    client: Client, government: Personas, outsider: User, meeting: Meeting
) -> None:
    as_user(client, government.secretary)
    form = page(client.get(url("membership_create", government.body.pk)))
    assert shown(outsider) in form and shown(government.chair) not in form
    response = client.post(
        url("membership_create", government.body.pk),
        {"user": outsider.pk, "role": "member", "title": "Minister of Culture", "has_vote": ""},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(body=government.body, user=outsider)
    assert membership.title == "Minister of Culture" and membership.has_vote is True
    assert as_user(Client(), outsider).get(url("meeting_detail", meeting.pk)).status_code == 200


def test_a_member_can_be_added_without_a_vote(
    client: Client, government: Personas, outsider: User
) -> None:
    as_user(client, government.secretary)
    client.post(
        url("membership_create", government.body.pk),
        {"user": outsider.pk, "role": "member", "has_vote": "no"},
    )
    assert Membership.objects.get(body=government.body, user=outsider).has_vote is False


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"role": "member"}, "user", "This field is required."),
        ({"user": "OUTSIDER", "role": "king"}, "role", "Select a valid choice."),
        (
            {
                "user": "OUTSIDER",
                "role": "member",
                "starts_on": "2026-05-01",
                "ends_on": "2026-04-01",
            },
            "ends_on",
            "A membership cannot end before it starts.",
        ),
        ({"user": "OUTSIDER", "role": "member", "starts_on": "yesterday"}, "starts_on", "valid"),
        ({"user": "CHAIR", "role": "member"}, "user", "Select a valid choice."),
    ],
)
def test_refused_membership_input_adds_nobody(
    client: Client,
    government: Personas,
    outsider: User,
    data: dict[str, str],
    field: str,
    message: str,
) -> None:
    people = {"OUTSIDER": str(outsider.pk), "CHAIR": str(government.chair.pk)}
    data = {key: people.get(value, value) for key, value in data.items()}
    before = Membership.objects.count()
    as_user(client, government.secretary)
    response = client.post(url("membership_create", government.body.pk), data)
    assert response.status_code == 400
    assert message in section(page(response), f'for="id_{field}"', "</div>")
    assert Membership.objects.count() == before


def test_members_cannot_add_members(client: Client, government: Personas, outsider: User) -> None:
    as_user(client, government.members[0])
    assert client.get(url("membership_create", government.body.pk)).status_code == 403
    response = client.post(
        url("membership_create", government.body.pk), {"user": outsider.pk, "role": "member"}
    )
    assert response.status_code == 403
    assert not Membership.objects.filter(user=outsider).exists()


def test_the_secretary_changes_a_membership(client: Client, government: Personas) -> None:
    membership = Membership.objects.get(body=government.body, user=government.members[0])
    as_user(client, government.secretary)
    address = url("membership_edit", government.body.pk, membership.pk)
    assert 'value="Member 0"' in page(client.get(address))
    response = client.post(
        address,
        {
            "role": "vice_chair",
            "title": "Deputy Prime Minister",
            "has_vote": "on",
            "starts_on": membership.starts_on.isoformat(),
        },
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert (membership.role, membership.title) == ("vice_chair", "Deputy Prime Minister")


def test_a_refused_membership_change_changes_nothing(client: Client, government: Personas) -> None:
    membership = Membership.objects.get(body=government.body, user=government.members[0])
    as_user(client, government.secretary)
    response = client.post(
        url("membership_edit", government.body.pk, membership.pk),
        {"role": "chair", "title": "X", "starts_on": "2026-05-01", "ends_on": "2026-01-01"},
    )
    assert response.status_code == 400
    assert "A membership cannot end before it starts." in page(response)
    membership.refresh_from_db()
    assert (membership.role, membership.title, membership.ends_on) == ("member", "Member 0", None)


def test_a_membership_of_another_body_is_404(
    client: Client, government: Personas, committee: Personas
) -> None:
    foreign = Membership.objects.filter(body=committee.body).first()
    assert foreign is not None
    as_user(client, government.secretary)
    assert client.get(url("membership_edit", government.body.pk, foreign.pk)).status_code == 404
    response = client.post(url("membership_end", government.body.pk, foreign.pk))
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.ends_on is None


def test_ending_a_membership_removes_access_at_once(
    client: Client, government: Personas, member: User, meeting: Meeting
) -> None:
    membership = Membership.objects.get(body=government.body, user=member)
    as_user(client, government.secretary)
    response = client.post(url("membership_end", government.body.pk, membership.pk), follow=True)
    assert "has ended" in page(response)
    membership.refresh_from_db()
    assert membership.ends_on == timezone.localdate() and not membership.is_current
    assert "1 former member" in page(response)
    assert as_user(Client(), member).get(url("meeting_detail", meeting.pk)).status_code == 404


def test_ending_a_membership_before_it_began_is_refused(
    client: Client, government: Personas, member: User
) -> None:
    membership = Membership.objects.get(body=government.body, user=member)
    as_user(client, government.secretary)
    response = client.post(
        url("membership_end", government.body.pk, membership.pk), {"ends_on": "2001-01-01"}
    )
    assert response.status_code == 400
    end_form = section(page(response), "danger-zone", "</form>")
    assert "A membership cannot end before it starts." in end_form
    membership.refresh_from_db()
    assert membership.ends_on is None


def test_members_cannot_end_memberships(client: Client, government: Personas, member: User) -> None:
    membership = Membership.objects.get(body=government.body, user=government.members[1])
    response = as_user(client, member).post(
        url("membership_end", government.body.pk, membership.pk)
    )
    assert response.status_code == 403
    assert client.get(url("membership_end", government.body.pk, membership.pk)).status_code == 405
    membership.refresh_from_db()
    assert membership.ends_on is None


# The secretariat's meetings, planning and editing


def test_the_secretariat_list_shows_drafts_and_where_to_plan(
    client: Client, government: Personas, draft_meeting: Meeting, committee: Personas
) -> None:
    html = page(as_user(client, government.secretary).get(url("secretariat_meetings")))
    assert draft_meeting.title in html and "Draft" in html
    assert url("meeting_create", government.body.pk) in html
    assert url("meeting_create", committee.body.pk) not in html
    assert url("meeting_edit", draft_meeting.pk) in html


def test_a_member_has_nothing_to_prepare(client: Client, government: Personas) -> None:
    html = page(as_user(client, government.members[0]).get(url("secretariat_meetings")))
    assert "You do not prepare meetings of any body." in html


def meeting_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Extraordinary meeting on the flood",
        "kind": "extraordinary",
        "starts_at": "2030-03-02T09:00",
        "ends_at": "2030-03-02T12:00",
        "place": "Government Office, Room 2",
        "online_link": "",
        "confidentiality": "confidential",
        "description": "Relief funds.",
    }
    data.update(overrides)
    return data


def test_the_secretary_plans_a_meeting_as_a_draft(client: Client, government: Personas) -> None:
    as_user(client, government.secretary)
    assert client.get(url("meeting_create", government.body.pk)).status_code == 200
    response = client.post(url("meeting_create", government.body.pk), meeting_data())
    meeting = Meeting.objects.get(title="Extraordinary meeting on the flood")
    assert response.status_code == 302 and response["Location"] == url("meeting_detail", meeting.pk)
    assert meeting.status == Meeting.Status.DRAFT and meeting.body == government.body
    assert timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M") == "2030-03-02 09:00"
    assert (meeting.kind, meeting.confidentiality) == ("extraordinary", "confidential")
    member_view = as_user(Client(), government.members[0]).get(url("my_meetings"))
    assert meeting.title not in page(member_view)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ends_at": "2030-03-02T08:00"}, "ends_at", "A meeting must end after it starts."),
        ({"place": "", "online_link": ""}, "place", "Give a room or an online link."),
        ({"title": "   "}, "title", "This field is required."),
        ({"starts_at": "next Tuesday"}, "starts_at", "Enter a valid date/time."),
        ({"online_link": "not a link at all"}, "online_link", "Enter a valid URL."),
        ({"confidentiality": "top"}, "confidentiality", "Select a valid choice."),
    ],
)
def test_refused_meeting_input_plans_nothing(
    client: Client, government: Personas, overrides: dict[str, object], field: str, message: str
) -> None:
    before = Meeting.objects.count()
    as_user(client, government.secretary)
    response = client.post(url("meeting_create", government.body.pk), meeting_data(**overrides))
    assert response.status_code == 400
    assert message in section(page(response), f'for="id_{field}"', "</div>")
    assert Meeting.objects.count() == before


def test_only_the_bodys_secretariat_plans_its_meetings(
    client: Client, government: Personas, committee: Personas
) -> None:
    before = Meeting.objects.count()
    as_user(client, government.chair)
    response = client.get(url("meeting_create", government.body.pk))
    assert response.status_code == 403
    assert "You cannot plan meetings of this body." in page(response)
    assert client.post(url("meeting_create", government.body.pk), meeting_data()).status_code == 403
    as_user(client, committee.secretary)
    assert client.post(url("meeting_create", government.body.pk), meeting_data()).status_code == 404
    assert Meeting.objects.count() == before


def test_the_secretary_moves_a_scheduled_meeting_and_invitees_get_an_update(
    client: Client, government: Personas, meeting: Meeting
) -> None:
    as_user(client, government.secretary)
    form = page(client.get(url("meeting_edit", meeting.pk)))
    assert f'value="{meeting.title}"' in form
    response = client.post(
        url("meeting_edit", meeting.pk),
        meeting_data(
            title=meeting.title,
            kind=meeting.kind,
            confidentiality=meeting.confidentiality,
            description="",
            starts_at=timezone.localtime(meeting.starts_at).strftime("%Y-%m-%dT%H:%M"),
            ends_at=timezone.localtime(meeting.ends_at).strftime("%Y-%m-%dT%H:%M"),
            place="Room 9",
        ),
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.place == "Room 9" and meeting.ics_sequence == 1


def test_saving_an_unchanged_meeting_sends_no_update(
    client: Client, government: Personas, meeting: Meeting
) -> None:
    as_user(client, government.secretary)
    local = timezone.localtime
    response = client.post(
        url("meeting_edit", meeting.pk),
        {
            "title": meeting.title,
            "kind": meeting.kind,
            "confidentiality": meeting.confidentiality,
            "starts_at": local(meeting.starts_at).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": local(meeting.ends_at).strftime("%Y-%m-%dT%H:%M"),
            "place": meeting.place,
            "online_link": "",
            "description": "",
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.ics_sequence == 0


def test_a_refused_meeting_change_changes_nothing(
    client: Client, government: Personas, meeting: Meeting
) -> None:
    as_user(client, government.secretary)
    response = client.post(
        url("meeting_edit", meeting.pk),
        meeting_data(starts_at="2030-03-02T09:00", ends_at="2030-03-01T09:00"),
    )
    assert response.status_code == 400
    assert "A meeting must end after it starts." in page(response)
    meeting.refresh_from_db()
    assert meeting.title == "Regular Government meeting" and meeting.ics_sequence == 0


def test_a_meeting_in_session_can_no_longer_be_edited(
    client: Client, government: Personas, meeting: Meeting
) -> None:
    in_session(government, meeting)
    as_user(client, government.secretary)
    assert url("meeting_edit", meeting.pk) not in page(
        client.get(url("meeting_detail", meeting.pk))
    )
    response = client.post(url("meeting_edit", meeting.pk), meeting_data())
    assert response.status_code == 400
    assert "Only a meeting that has not started can be changed." in page(response)
    meeting.refresh_from_db()
    assert meeting.title == "Regular Government meeting"


def test_members_cannot_edit_meetings_and_outsiders_cannot_find_them(
    client: Client, government: Personas, outsider: User, meeting: Meeting
) -> None:
    as_user(client, government.chair)
    response = client.get(url("meeting_edit", meeting.pk))
    assert response.status_code == 403 and "You cannot change this meeting." in page(response)
    assert client.post(url("meeting_edit", meeting.pk), meeting_data()).status_code == 403
    assert as_user(client, outsider).get(url("meeting_edit", meeting.pk)).status_code == 404
    meeting.refresh_from_db()
    assert meeting.title == "Regular Government meeting"


# Error pages


def test_the_403_page_explains_and_leads_home(client: Client, government: Personas) -> None:
    response = as_user(client, government.members[0]).get(url("body_create"))
    assert response.status_code == 403
    html = page(response)
    assert "Only the secretariat can create bodies." in html
    assert "If you think you should be, ask the secretariat." in html
    assert url("my_meetings") in html


def test_the_404_page_does_not_tell_missing_from_forbidden(
    client: Client, government: Personas, outsider: User
) -> None:
    as_user(client, outsider)
    forbidden = client.get(url("body_detail", government.body.pk))
    missing = client.get(url("body_detail", 424242))
    assert forbidden.status_code == missing.status_code == 404
    for response in (forbidden, missing):
        assert "This page does not exist, or you do not have access to it." in page(response)
    assert "Government" not in page(forbidden)
