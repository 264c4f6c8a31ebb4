"""Bodies with their rules, memberships, and the rights a role gives on the body's meetings."""

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from audit.models import Entry
from core.errors import ServiceError
from meetings import permissions, rules, services
from meetings.models import Attendance, Body, Meeting, Membership
from tests.conftest import Personas
from tests.factories import UserFactory


def test_a_government_gets_the_government_rules(government: Personas) -> None:
    assert government.body.decision_rules == rules.GOVERNMENT_RULES


def test_a_committee_gets_roberts_rules(committee: Personas) -> None:
    assert committee.body.decision_rules == rules.COMMITTEE_RULES


def test_a_government_keeps_its_record_in_vietnamese_others_in_the_sites_language(
    secretariat: User, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "en"
    government = services.body_create(
        actor=secretariat, name="Chính phủ", kind=Body.Kind.GOVERNMENT
    )
    board = services.body_create(actor=secretariat, name="Board", kind=Body.Kind.BOARD)
    assert (government.language, board.language) == ("vi", "en")
    english = services.body_create(
        actor=secretariat, name="Cabinet", kind=Body.Kind.GOVERNMENT, language="en"
    )
    assert english.language == "en"


def test_a_language_the_site_does_not_offer_is_refused(secretariat: User) -> None:
    with pytest.raises(ServiceError, match="languages offered") as error:
        services.body_create(actor=secretariat, name="Board", kind=Body.Kind.BOARD, language="fr")
    assert error.value.field == "language"
    assert not Body.objects.filter(name="Board").exists()


def test_only_the_secretariat_creates_bodies(outsider: object) -> None:
    with pytest.raises(PermissionDenied):
        services.body_create(actor=outsider, name="Board", kind=Body.Kind.BOARD)  # type: ignore[arg-type]
    assert not Body.objects.filter(name="Board").exists()


def test_body_names_are_unique_whatever_the_case(secretariat: object, government: Personas) -> None:
    with pytest.raises(ServiceError, match="already exists"):
        services.body_create(actor=secretariat, name=" GOVERNMENT ", kind=Body.Kind.BOARD)  # type: ignore[arg-type]
    assert Body.objects.count() == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"quorum_numerator": 3, "quorum_denominator": 2},
        {"majority_denominator": 0},
        {"quorum_numerator": 0},
    ],
)
def test_rules_must_be_fractions(government: Personas, fields: dict[str, int]) -> None:
    with pytest.raises(ServiceError, match="fraction|zero"):
        services.body_update(actor=government.secretary, body=government.body, **fields)
    assert Body.objects.get(pk=government.body.pk).decision_rules == rules.GOVERNMENT_RULES


def test_a_member_cannot_change_the_rules(government: Personas) -> None:
    with pytest.raises(PermissionDenied):
        services.body_update(actor=government.members[0], body=government.body, quorum_numerator=1)


def test_the_secretary_changes_the_rules(government: Personas) -> None:
    services.body_update(
        actor=government.secretary, body=government.body, quorum_numerator=1, quorum_denominator=2
    )
    assert Body.objects.get(pk=government.body.pk).decision_rules.quorum == rules.Threshold(
        1, 2, strict=False
    )


@pytest.mark.parametrize(
    ("role", "view", "manage", "run"),
    [
        (Membership.Role.CHAIR, True, False, True),
        (Membership.Role.VICE_CHAIR, True, False, True),
        (Membership.Role.MEMBER, True, False, False),
        (Membership.Role.SECRETARY, True, True, False),
        (Membership.Role.OBSERVER, True, False, False),
    ],
)
def test_each_role_gets_its_rights_on_the_meetings(
    government: Personas, meeting: Meeting, role: str, view: bool, manage: bool, run: bool
) -> None:
    person = UserFactory()
    services.membership_create(
        actor=government.secretary, body=government.body, user=person, role=role
    )
    assert (permissions.VIEW_MEETING in permissions.meeting_rights(person, meeting)) is view
    assert permissions.can_manage_meeting(person, meeting) is manage
    assert permissions.can_run_meeting(person, meeting) is run


def test_an_outsider_cannot_learn_that_a_meeting_exists(outsider: object, meeting: Meeting) -> None:
    with pytest.raises(Http404) as missing:
        permissions.access_meeting(outsider, meeting.pk)  # type: ignore[arg-type]
    with pytest.raises(Http404) as forbidden:
        permissions.access_meeting(outsider, 10**9)  # type: ignore[arg-type]
    assert str(missing.value) == str(forbidden.value)
    assert meeting not in permissions.meetings_for_user(outsider)  # type: ignore[arg-type]


def test_members_do_not_see_drafts_but_the_secretary_does(
    government: Personas, draft_meeting: Meeting
) -> None:
    with pytest.raises(Http404):
        permissions.access_meeting(government.members[0], draft_meeting.pk)
    assert draft_meeting not in permissions.meetings_for_user(government.members[0])
    assert permissions.access_meeting(government.secretary, draft_meeting.pk) == draft_meeting
    assert draft_meeting in permissions.meetings_for_user(government.secretary)


def test_members_of_one_body_do_not_see_another_bodys_meetings(
    government: Personas, committee: Personas, meeting: Meeting
) -> None:
    committee_only = committee.members[0]
    with pytest.raises(Http404):
        permissions.access_meeting(committee_only, meeting.pk)


def test_a_new_member_is_invited_to_scheduled_meetings(
    government: Personas, meeting: Meeting
) -> None:
    newcomer = UserFactory()
    services.membership_create(
        actor=government.secretary,
        body=government.body,
        user=newcomer,
        role=Membership.Role.MEMBER,
        title="Minister of Health",
    )
    row = Attendance.objects.get(meeting=meeting, user=newcomer)
    assert (row.has_vote, row.title) == (True, "Minister of Health")
    assert permissions.VIEW_MEETING in permissions.meeting_rights(newcomer, meeting)


def test_ending_a_membership_revokes_access_and_withdraws_invitations(
    government: Personas, meeting: Meeting
) -> None:
    leaving = government.members[0]
    membership = Membership.objects.get(body=government.body, user=leaving)
    services.membership_end(actor=government.secretary, membership=membership)
    assert permissions.VIEW_MEETING not in permissions.meeting_rights(leaving, meeting)
    assert not Attendance.objects.filter(meeting=meeting, user=leaving).exists()
    assert Membership.objects.get(pk=membership.pk).ends_on == timezone.localdate()


def test_changing_role_changes_rights(government: Personas, meeting: Meeting) -> None:
    promoted = government.members[0]
    membership = Membership.objects.get(body=government.body, user=promoted)
    services.membership_update(
        actor=government.secretary, membership=membership, role=Membership.Role.VICE_CHAIR
    )
    assert permissions.can_run_meeting(promoted, meeting)
    services.membership_update(
        actor=government.secretary, membership=membership, role=Membership.Role.MEMBER
    )
    assert not permissions.can_run_meeting(promoted, meeting)


def test_membership_changes_are_in_the_audit_trail(government: Personas) -> None:
    newcomer = UserFactory(username="newcomer")
    membership = services.membership_create(
        actor=government.secretary,
        body=government.body,
        user=newcomer,
        role=Membership.Role.OBSERVER,
        starts_on=datetime.date(2026, 1, 5),
    )
    services.membership_update(
        actor=government.secretary, membership=membership, role=Membership.Role.MEMBER
    )
    entries = Entry.objects.filter(person_id=newcomer.pk).order_by("seq")
    assert [(e.action, e.actor_name, e.person_name) for e in entries] == [
        (Entry.Action.MEMBERSHIP_CREATED, government.secretary.username, "newcomer"),
        (Entry.Action.MEMBERSHIP_CHANGED, government.secretary.username, "newcomer"),
    ]
    assert entries[1].details == {
        "body": government.body.pk,
        "role": "member",
        "has_vote": False,
        "starts_on": "2026-01-05",
        "ends_on": "",
    }


def test_a_person_joins_a_body_once(government: Personas) -> None:
    with pytest.raises(ServiceError, match="already a member"):
        services.membership_create(
            actor=government.secretary,
            body=government.body,
            user=government.members[0],
            role=Membership.Role.OBSERVER,
        )
    assert Membership.objects.filter(user=government.members[0]).count() == 1


def test_a_membership_cannot_end_before_it_starts(government: Personas) -> None:
    with pytest.raises(ServiceError, match="end before"):
        services.membership_create(
            actor=government.secretary,
            body=government.body,
            user=UserFactory(),
            role=Membership.Role.MEMBER,
            starts_on=datetime.date(2026, 5, 1),
            ends_on=datetime.date(2026, 4, 1),
        )


def test_a_member_cannot_add_members(government: Personas) -> None:
    with pytest.raises(PermissionDenied):
        services.membership_create(
            actor=government.members[0],
            body=government.body,
            user=UserFactory(),
            role=Membership.Role.MEMBER,
        )


def test_secretaries_and_observers_have_no_vote_by_default(government: Personas) -> None:
    votes = dict(Membership.objects.filter(body=government.body).values_list("role", "has_vote"))
    assert votes[Membership.Role.SECRETARY] is False
    assert votes[Membership.Role.CHAIR] is True


def test_the_officer_who_created_the_body_prepares_its_meetings(
    secretariat: object, government: Personas, draft_meeting: Meeting
) -> None:
    # The Government fixture was created by this secretariat officer, who holds no role in it.
    assert permissions.can_manage_meeting(secretariat, draft_meeting)  # type: ignore[arg-type]
    assert permissions.access_meeting(secretariat, draft_meeting.pk) == draft_meeting  # type: ignore[arg-type]
    services.meeting_schedule(actor=secretariat, meeting=draft_meeting)  # type: ignore[arg-type]
    assert not permissions.can_run_meeting(secretariat, draft_meeting)  # type: ignore[arg-type]


def test_a_membership_starting_later_grants_nothing_until_its_day(
    government: Personas, meeting: Meeting
) -> None:
    incoming = UserFactory()
    starts = timezone.localdate() + datetime.timedelta(days=10)
    services.membership_create(
        actor=government.secretary,
        body=government.body,
        user=incoming,
        role=Membership.Role.MEMBER,
        starts_on=starts,
    )
    assert permissions.VIEW_MEETING not in permissions.meeting_rights(incoming, meeting)
    assert services.memberships_sync(today=starts - datetime.timedelta(days=1)) == 0
    assert services.memberships_sync(today=starts) == 1
    assert permissions.VIEW_MEETING in permissions.meeting_rights(incoming, meeting)
    assert Attendance.objects.filter(meeting=meeting, user=incoming).exists()


def test_a_membership_loses_its_rights_on_its_end_date(
    government: Personas, meeting: Meeting
) -> None:
    leaving = government.members[0]
    membership = Membership.objects.get(body=government.body, user=leaving)
    last_day = timezone.localdate() + datetime.timedelta(days=30)
    services.membership_update(actor=government.secretary, membership=membership, ends_on=last_day)
    assert permissions.VIEW_MEETING in permissions.meeting_rights(leaving, meeting)
    assert services.memberships_sync(today=last_day - datetime.timedelta(days=1)) == 0
    assert services.memberships_sync(today=last_day) == 1
    assert permissions.VIEW_MEETING not in permissions.meeting_rights(leaving, meeting)
    assert not Attendance.objects.filter(meeting=meeting, user=leaving).exists()
    assert services.memberships_sync(today=last_day) == 0  # applying it again changes nothing


def test_the_daily_command_reports_what_it_changed(government: Personas) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("sync_memberships", stdout=out)
    assert out.getvalue().strip() == "0 membership(s) changed."
