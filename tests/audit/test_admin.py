"""Rights changed in Django's admin (a person's groups, their administrator flag, a group's
permissions) are in the audit trail, under the administrator's name."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from audit import trail
from audit.models import Entry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_making_someone_secretariat_in_the_admin_is_in_the_trail(client: Client) -> None:
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    officer = UserFactory(username="officer")
    secretariat = Group.objects.get(name="Secretariat")
    client.force_login(root)
    joined = timezone.localtime(officer.date_joined)
    response = client.post(
        f"/admin/auth/user/{officer.pk}/change/",
        {
            "username": "officer",
            "first_name": officer.first_name,
            "last_name": officer.last_name,
            "email": officer.email,
            "is_active": "on",
            "groups": [secretariat.pk],
            "date_joined_0": joined.strftime("%Y-%m-%d"),
            "date_joined_1": joined.strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(pk=officer.pk).groups.filter(pk=secretariat.pk).exists()
    entry = Entry.objects.get(action=Entry.Action.ADMIN_CHANGED)
    assert (entry.actor_name, entry.person_id, entry.person_name) == ("root", officer.pk, "officer")
    assert (entry.details["what"], entry.details["action"]) == ("user", "changed")
    assert entry.details["change"].startswith("Changed Groups")
    assert trail.verify().intact


def test_a_member_changing_nothing_in_the_admin_leaves_no_entry(client: Client) -> None:
    client.force_login(UserFactory(username="member"))
    client.post("/admin/auth/group/add/", {"name": "Mine"})
    assert not Group.objects.filter(name="Mine").exists()
    assert not Entry.objects.filter(action=Entry.Action.ADMIN_CHANGED).exists()
