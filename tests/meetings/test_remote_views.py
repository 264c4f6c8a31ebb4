"""The remote check-in and the video room on the screens: who sees them, who may use them, and
what a refused attempt looks like (status 400, the message by the field, nothing written)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from guardian.shortcuts import assign_perm

from meetings import permissions, services
from meetings.models import Attendance, Body, Meeting
from tests.conftest import Personas
from tests.factories import UserFactory
from tests.meetings.test_views import PASSWORD, as_user, attendance_of, board_list, page, url

REMOTE_FORM = "remote-check-in"


@pytest.fixture
def remote_meeting(government: Personas, meeting: Meeting) -> Meeting:
    Body.objects.filter(pk=government.body.pk).update(
        remote_attendance_allowed=True, remote_counts_for_quorum=True
    )
    return meeting


@pytest.fixture
def member(government: Personas) -> User:
    return government.members[0]


def test_an_invited_member_sees_the_remote_check_in_and_the_video_room(
    client: Client, member: User, remote_meeting: Meeting
) -> None:
    html = page(as_user(client, member).get(url("meeting_detail", remote_meeting.pk)))
    assert REMOTE_FORM in html and 'name="remote-password"' in html
    assert remote_meeting.video_link.startswith("https://meet.jit.si/")
    assert remote_meeting.video_link in html


def test_a_member_checks_in_remotely_with_their_password(
    client: Client, member: User, remote_meeting: Meeting
) -> None:
    as_user(client, member)
    response = client.post(
        url("meeting_check_in_remote", remote_meeting.pk), {"remote-password": PASSWORD}
    )
    assert response.status_code == 302
    row = attendance_of(remote_meeting, member)
    assert row.status == Attendance.Status.PRESENT and row.remote
    html = page(client.get(response["Location"]))
    assert "You are checked in remotely." in html
    assert "attendance-remote" in html
    assert REMOTE_FORM not in html  # checked in: nothing more to confirm


def test_a_wrong_password_is_refused_and_nothing_is_written(
    client: Client, member: User, remote_meeting: Meeting
) -> None:
    response = as_user(client, member).post(
        url("meeting_check_in_remote", remote_meeting.pk), {"remote-password": "not it at all"}
    )
    assert response.status_code == 400
    assert "This is not your password." in page(response)
    assert attendance_of(remote_meeting, member).status == Attendance.Status.INVITED


def test_an_empty_password_is_refused(
    client: Client, member: User, remote_meeting: Meeting
) -> None:
    response = as_user(client, member).post(url("meeting_check_in_remote", remote_meeting.pk))
    assert response.status_code == 400
    assert attendance_of(remote_meeting, member).status == Attendance.Status.INVITED


def test_where_the_body_does_not_allow_it_there_is_no_form_no_link_and_a_refusal(
    client: Client, member: User, meeting: Meeting
) -> None:
    html = page(as_user(client, member).get(url("meeting_detail", meeting.pk)))
    assert REMOTE_FORM not in html and meeting.video_link not in html
    response = client.post(
        url("meeting_check_in_remote", meeting.pk), {"remote-password": PASSWORD}
    )
    assert response.status_code == 400
    assert "do not let members attend remotely" in page(response)
    assert attendance_of(meeting, member).status == Attendance.Status.INVITED


def test_an_outsider_gets_the_same_404_as_for_a_meeting_that_does_not_exist(
    client: Client, outsider: User, remote_meeting: Meeting
) -> None:
    as_user(client, outsider)
    missing = client.post(url("meeting_check_in_remote", 999999), {"remote-password": PASSWORD})
    forbidden = client.post(
        url("meeting_check_in_remote", remote_meeting.pk), {"remote-password": PASSWORD}
    )
    assert missing.status_code == forbidden.status_code == 404

    def without_token(response: object) -> str:
        return re.sub(r'(content|value)="[^"]*"', "", page(response))  # type: ignore[arg-type]

    assert without_token(missing) == without_token(forbidden)
    assert remote_meeting.video_link not in page(
        client.get(url("meeting_detail", remote_meeting.pk))
    )
    assert not Attendance.objects.filter(meeting=remote_meeting, status="present").exists()


def test_someone_who_may_see_the_meeting_but_is_not_invited_never_sees_the_video_room(
    client: Client, government: Personas, secretariat: User, remote_meeting: Meeting
) -> None:
    reader = UserFactory()
    assign_perm(permissions.VIEW_MEETING, reader, remote_meeting)
    for person in (reader, secretariat):
        as_user(client, person)
        for screen in ("meeting_detail", "attendance_board"):
            response = client.get(url(screen, remote_meeting.pk))
            assert response.status_code == 200
            assert remote_meeting.video_link not in page(response), (person, screen)
        response = client.post(
            url("meeting_check_in_remote", remote_meeting.pk), {"remote-password": PASSWORD}
        )
        assert response.status_code == 400
        assert "You are not invited to this meeting." in page(response)
    assert not Attendance.objects.filter(meeting=remote_meeting, status="present").exists()


def test_a_substitute_is_not_offered_the_remote_check_in_nor_the_video_room(
    client: Client, government: Personas, remote_meeting: Meeting
) -> None:
    substitute = UserFactory()
    services.attendance_record(
        actor=government.secretary,
        attendance=attendance_of(remote_meeting, government.members[1]),
        status=Attendance.Status.REPRESENTED,
        substitute=substitute,
    )
    html = page(as_user(client, substitute).get(url("meeting_detail", remote_meeting.pk)))
    assert "Check in" in html
    assert REMOTE_FORM not in html and remote_meeting.video_link not in html


def test_the_board_and_the_attendance_table_show_who_is_remote(
    client: Client, government: Personas, member: User, remote_meeting: Meeting
) -> None:
    as_user(client, member).post(
        url("meeting_check_in_remote", remote_meeting.pk), {"remote-password": PASSWORD}
    )
    html = page(as_user(client, government.chair).get(url("attendance_board", remote_meeting.pk)))
    present = board_list(html, "present")
    assert member.last_name in present and "Remote" in present
    table = page(client.get(url("meeting_detail", remote_meeting.pk)))
    row = table[table.index(f'id="attendance-row-{attendance_of(remote_meeting, member).pk}"') :]
    assert "attendance-remote" in row[: row.index("</tr>")]


def test_the_secretariat_sets_the_remote_rules_on_the_body(
    client: Client, government: Personas
) -> None:
    body = government.body
    as_user(client, government.secretary)
    form = page(client.get(url("body_edit", body.pk)))
    assert 'name="remote_attendance_allowed"' in form and 'name="remote_may_vote"' in form
    data = {
        "name": body.name,
        "kind": body.kind,
        "description": body.description,
        "language": body.language,
        "quorum_numerator": 2,
        "quorum_denominator": 3,
        "quorum_base": body.quorum_base,
        "majority_numerator": 1,
        "majority_denominator": 2,
        "majority_strict": "on",
        "majority_base": body.majority_base,
        "tie_rule": body.tie_rule,
        "rules_reference": body.rules_reference,
        "remote_may_vote": "on",
    }
    refused = client.post(url("body_edit", body.pk), data)
    assert refused.status_code == 400
    assert "Remote members can vote only where they count toward the quorum" in page(refused)
    body.refresh_from_db()
    assert not body.remote_may_vote
    data.update(remote_attendance_allowed="on", remote_counts_for_quorum="on")
    assert client.post(url("body_edit", body.pk), data).status_code == 302
    body.refresh_from_db()
    assert body.remote_attendance_allowed and body.remote_counts_for_quorum and body.remote_may_vote
    shown = page(client.get(url("body_detail", body.pk)))
    assert "they count toward the quorum and vote" in shown


def test_a_member_cannot_change_the_remote_rules(client: Client, government: Personas) -> None:
    body = government.body
    response = as_user(client, government.members[0]).post(
        url("body_edit", body.pk), {"remote_attendance_allowed": "on"}
    )
    assert response.status_code in (403, 404)
    body.refresh_from_db()
    assert not body.remote_attendance_allowed


def test_wrong_passwords_lock_the_name_out_as_on_the_sign_in_form(
    client: Client, member: User, remote_meeting: Meeting
) -> None:
    as_user(client, member)
    address = url("meeting_check_in_remote", remote_meeting.pk)
    for _ in range(4):
        assert client.post(address, {"remote-password": "a wrong guess"}).status_code == 400
    # The fifth (AXES_FAILURE_LIMIT) locks the name: then even the right password is refused.
    assert client.post(address, {"remote-password": "a wrong guess"}).status_code == 429
    locked = client.post(address, {"remote-password": PASSWORD})
    assert locked.status_code == 429
    assert attendance_of(remote_meeting, member).status == Attendance.Status.INVITED
