"""The secretariat's page of the audit trail, and the sign-ins it records."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.utils import translation

from audit import trail
from audit.models import Entry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

A = Entry.Action
URL = "/audit/"


@pytest.fixture
def acts(secretariat: User, outsider: User) -> None:
    trail.record(A.DOCUMENT_VIEWED, actor=outsider, meeting_id=3, document_id=30)
    trail.record(A.DOCUMENT_DOWNLOADED, actor=outsider, meeting_id=4, document_id=40)
    trail.record(A.ACCESS_GRANTED, actor=secretariat, person=outsider, meeting_id=4, document_id=41)
    trail.record(A.POLL_OPENED, actor=secretariat, meeting_id=5)


def shown(client: Client, **query: object) -> list[str]:
    response = client.get(URL, query)
    assert response.status_code == 200
    return [entry.action for entry in response.context["page"]]


def test_the_secretariat_reads_and_filters_the_trail(
    client: Client, secretariat: User, outsider: User, acts: None
) -> None:
    client.force_login(secretariat)
    assert shown(client, meeting=4) == [A.ACCESS_GRANTED, A.DOCUMENT_DOWNLOADED]
    assert shown(client, document=30) == [A.DOCUMENT_VIEWED]
    # A person's entries: what they did and what was done to them.
    assert shown(client, person=outsider.username) == [
        A.ACCESS_GRANTED,
        A.DOCUMENT_DOWNLOADED,
        A.DOCUMENT_VIEWED,
    ]
    assert shown(client, person=outsider.username, meeting=4, document=41) == [A.ACCESS_GRANTED]
    page = client.get(URL).content.decode()
    assert 'href="/audit/"' in page  # the header links to it


def test_a_filter_that_is_not_a_number_is_a_clear_400(client: Client, secretariat: User) -> None:
    client.force_login(secretariat)
    response = client.get(URL, {"meeting": "four"})
    assert response.status_code == 400
    assert "Enter a whole number." in response.content.decode()


def test_a_member_sees_no_trail_and_no_link(client: Client, outsider: User, acts: None) -> None:
    client.force_login(outsider)
    assert client.get(URL).status_code == 404
    assert client.get(URL, {"verify": "1"}).status_code == 404
    assert 'href="/audit/"' not in client.get("/").content.decode()


def test_an_administrator_reads_the_trail(client: Client, acts: None) -> None:
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(URL).status_code == 200


def test_a_visitor_is_sent_to_sign_in(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_checks_the_chain_and_names_a_tampered_entry(
    client: Client, secretariat: User, acts: None
) -> None:
    client.force_login(secretariat)
    response = client.get(URL, {"verify": "1"})
    assert "The trail is intact" in response.content.decode()
    seq = Entry.objects.get(action=A.DOCUMENT_DOWNLOADED).seq
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only")
        cursor.execute("UPDATE audit_entry SET actor_name = 'someone' WHERE seq = %s", [seq])
    page = client.get(URL, {"verify": "1"}).content.decode()
    assert "The trail has been tampered with." in page
    assert f"Entry {seq} was altered" in page


def test_the_page_speaks_vietnamese(client: Client, secretariat: User, acts: None) -> None:
    client.force_login(secretariat)
    # The request leaves its language active in this thread: give the next tests theirs back.
    with translation.override(settings.LANGUAGE_CODE):
        page = client.get(URL, {"verify": "1"}, headers={"accept-language": "vi"})
    assert "Nhật ký nguyên vẹn" in page.content.decode()
    assert "Nhật ký kiểm toán" in page.content.decode()


def test_sign_ins_and_failed_sign_ins_are_recorded(client: Client) -> None:
    user = UserFactory(username="official")
    client.post("/accounts/login/", {"login": "official", "password": "wrong password!"})
    client.post(
        "/accounts/login/", {"login": "official", "password": "correct horse battery staple"}
    )
    entries = list(Entry.objects.order_by("seq").values_list("action", "actor_id", "person_name"))
    assert entries[-2:] == [
        (A.SIGN_IN_FAILED, None, "official"),
        (A.SIGNED_IN, user.pk, ""),
    ]
    failed = Entry.objects.get(action=A.SIGN_IN_FAILED)
    assert failed.details == {"address": "127.0.0.1"}
    assert "wrong" not in str(failed.content())
