"""The remote check-in and the video room on the screens: who sees them, who may use them, what a
refused attempt looks like (status 400, the message on the page, nothing written), and the
confirmation of who is there when the last sign-in is not recent (as before signing the
minutes: allauth's "Confirm who you are", its password counted by django-axes, or a second
factor)."""

from __future__ import annotations

import re

import pyotp
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from guardian.shortcuts import assign_perm

from meetings import permissions, services
from meetings.models import Attendance, Meeting
from tests.conftest import Personas, signed_in_long_ago
from tests.factories import UserFactory
from tests.meetings.test_views import PASSWORD, as_user, attendance_of, board_list, page, url

REMOTE_FORM = "remote-check-in"


def test_an_invited_member_sees_the_remote_check_in_and_the_video_room(
    client: Client, member: User, remote_meeting: Meeting
) -> None:
    html = page(as_user(client, member).get(url("meeting_detail", remote_meeting.pk)))
    assert REMOTE_FORM in html and "Check in remotely" in html
    assert 'type="password"' not in html  # the button alone: who is there is asked if need be
    assert remote_meeting.video_link.startswith("https://meet.jit.si/")
    assert remote_meeting.video_link in html


def check_in_remotely(client: Client, meeting: Meeting) -> str:
    response = client.post(url("meeting_check_in_remote", meeting.pk))
    assert response.status_code == 302
    return str(response["Location"])


def test_a_member_signed_in_just_now_checks_in_remotely_at_once(
    client: Client, member: User, remote_meeting: Meeting
) -> None:
    as_user(client, member)
    meeting_page = url("meeting_detail", remote_meeting.pk)
    assert check_in_remotely(client, remote_meeting) == meeting_page
    row = attendance_of(remote_meeting, member)
    assert row.status == Attendance.Status.PRESENT and row.remote
    html = page(client.get(meeting_page))
    assert "You are checked in remotely." in html
    assert "attendance-remote" in html
    assert REMOTE_FORM not in html  # checked in: nothing more to confirm


def confirmation_of(meeting: Meeting) -> str:
    next_url = url("meeting_detail", meeting.pk).replace("/", "%2F")
    return f"{reverse('account_reauthenticate')}?next={next_url}"


def test_an_old_sign_in_confirms_the_password_then_checks_in(
    client: Client, member: User, remote_meeting: Meeting
) -> None:
    signed_in_long_ago(client, member)
    confirm = check_in_remotely(client, remote_meeting)
    assert confirm == confirmation_of(remote_meeting)
    asked = page(client.get(confirm))
    assert "Confirm who you are again to check in remotely." in asked
    assert attendance_of(remote_meeting, member).status == Attendance.Status.INVITED
    refused = client.post(confirm, {"password": "not it at all"})
    assert refused.status_code == 200
    assert check_in_remotely(client, remote_meeting) == confirm
    assert attendance_of(remote_meeting, member).status == Attendance.Status.INVITED
    confirmed = client.post(confirm, {"password": PASSWORD})
    assert confirmed.status_code == 302
    assert confirmed["Location"] == url("meeting_detail", remote_meeting.pk)
    assert check_in_remotely(client, remote_meeting) == confirmed["Location"]
    row = attendance_of(remote_meeting, member)
    assert row.status == Attendance.Status.PRESENT and row.remote


def test_a_member_with_an_authenticator_app_may_confirm_with_its_code(
    client: Client, member: User, remote_meeting: Meeting
) -> None:
    secret = generate_totp_secret()
    TOTP.activate(member, secret)
    signed_in_long_ago(client, member)
    assert check_in_remotely(client, remote_meeting) == confirmation_of(remote_meeting)
    response = client.post(reverse("mfa_reauthenticate"), {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert check_in_remotely(client, remote_meeting) == url("meeting_detail", remote_meeting.pk)
    assert attendance_of(remote_meeting, member).remote


def test_where_the_body_does_not_allow_it_there_is_no_form_no_link_and_a_refusal(
    client: Client, member: User, meeting: Meeting
) -> None:
    html = page(as_user(client, member).get(url("meeting_detail", meeting.pk)))
    assert REMOTE_FORM not in html and meeting.video_link not in html
    response = client.post(url("meeting_check_in_remote", meeting.pk))
    assert response.status_code == 400
    assert "do not let members attend remotely" in page(response)
    assert attendance_of(meeting, member).status == Attendance.Status.INVITED


def test_an_outsider_gets_the_same_404_as_for_a_meeting_that_does_not_exist(
    client: Client, outsider: User, remote_meeting: Meeting
) -> None:
    as_user(client, outsider)
    missing = client.post(url("meeting_check_in_remote", 999999))
    forbidden = client.post(url("meeting_check_in_remote", remote_meeting.pk))
    assert missing.status_code == forbidden.status_code == 404

    def without_token(response: object) -> str:
        # The form token and the moment the page was drawn (where its notices start) differ.
        varying = r'(content|value|data-notices-since)="[^"]*"'
        return re.sub(varying, "", page(response))  # type: ignore[arg-type]

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
        response = client.post(url("meeting_check_in_remote", remote_meeting.pk))
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
    check_in_remotely(as_user(client, member), remote_meeting)
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
    signed_in_long_ago(client, member)
    confirm = check_in_remotely(client, remote_meeting)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(confirm, {"password": "a wrong guess"})
    # The name is locked: even the right password is refused, and nothing is checked in.
    assert client.post(confirm, {"password": PASSWORD}).status_code == 429
    assert check_in_remotely(client, remote_meeting) == confirm
    assert attendance_of(remote_meeting, member).status == Attendance.Status.INVITED
