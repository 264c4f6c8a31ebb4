"""The Django admin writes through the services: an edit there grants and revokes rights and
sends invitations as the same edit on the secretariat's screens would."""

from django.contrib.auth.models import User
from django.test import Client
from guardian.shortcuts import get_group_perms

from meetings import permissions
from meetings.models import Body, Meeting, Membership
from tests.conftest import Personas
from tests.factories import UserFactory


def admin_client(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("root", "root@example.org", "x"))
    return client


def test_adding_a_member_in_the_admin_gives_the_role_its_rights(
    client: Client, government: Personas, meeting: Meeting
) -> None:
    newcomer = UserFactory()
    response = admin_client(client).post(
        "/admin/meetings/membership/add/",
        {
            "body": government.body.pk,
            "user": newcomer.pk,
            "role": Membership.Role.MEMBER,
            "title": "Minister of Health",
            "has_vote": "on",
            "starts_on": "2026-01-01",
        },
    )
    assert response.status_code == 302
    assert permissions.VIEW_MEETING in permissions.meeting_rights(newcomer, meeting)
    assert meeting.attendances.filter(user=newcomer, has_vote=True).exists()


def test_a_body_created_in_the_admin_gets_its_role_groups(client: Client, db: None) -> None:
    response = admin_client(client).post(
        "/admin/meetings/body/add/",
        {
            "name": "Audit Board",
            "kind": Body.Kind.BOARD,
            "language": "en",
            "quorum_numerator": 1,
            "quorum_denominator": 2,
            "quorum_strict": "on",
            "quorum_base": Body.QuorumBase.VOTING_MEMBERS,
            "majority_numerator": 1,
            "majority_denominator": 2,
            "majority_strict": "on",
            "majority_base": Body.MajorityBase.VOTES_CAST,
            "tie_rule": Body.TieRule.FAILS,
            "rules_reference": "Charter, Art. 5",
        },
    )
    assert response.status_code == 302
    body = Body.objects.get(name="Audit Board")
    assert body.decision_rules.reference == "Charter, Art. 5" and body.language == "en"
    secretaries = permissions.role_group(body, Membership.Role.SECRETARY)
    assert set(get_group_perms(secretaries, body)) == {"view_body", "manage_body"}


def test_memberships_cannot_be_deleted_in_the_admin(client: Client, government: Personas) -> None:
    membership = Membership.objects.filter(body=government.body).first()
    assert membership is not None
    response = admin_client(client).get(f"/admin/meetings/membership/{membership.pk}/delete/")
    assert response.status_code == 403
