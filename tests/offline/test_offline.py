"""Offline papers as a device sees them: it registers, takes a meeting's papers (their key with
them), downloads them and syncs; what it may keep follows the rights of the moment, the period,
and the secretariat's wipe. Every endpoint is tried by those who may use it and by those who
may not; missing and forbidden look the same; bad input gets a 4xx with a reason."""

from __future__ import annotations

import base64
import datetime
import json
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from audit.models import Entry
from documents import services as document_services
from documents.models import Access
from meetings import services as meeting_services
from meetings.models import Membership
from offline import services
from offline.models import Device, Holding, Lease, Period
from tests.conftest import Personas, check_in
from tests.documents.reading.conftest import Papers

KEEPABLE = ["Budget report", "Revenue estimates", "Draft decree", "Programme of the day"]


def client_of(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def post(client: Client, url: str, body: Any = None) -> Any:
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def register(client: Client) -> str:
    response = post(client, "/offline/devices/", {"name": "Tablet  of the minister"})
    assert response.status_code == 201
    return str(response.json()["device"])


def take(client: Client, device: str, meeting_id: int) -> Any:
    return post(client, f"/offline/devices/{device}/meetings/{meeting_id}/")


def sync(client: Client, device: str, held: list[int]) -> Any:
    return post(client, f"/offline/devices/{device}/sync/", {"held": held})


def titles(answer: dict[str, Any]) -> dict[int, list[str]]:
    return {m["meeting"]: [p["title"] for p in m["papers"]] for m in answer["meetings"]}


@pytest.fixture
def member(government: Personas) -> User:
    return government.members[0]


@pytest.fixture
def device(member: User) -> str:
    return register(client_of(member))


def test_a_member_takes_the_papers_a_device_may_keep_never_the_secret_one(
    government: Personas, packet: Papers, member: User, device: str
) -> None:
    client = client_of(member)
    assert Device.objects.get(pk=device).name == "Tablet of the minister"
    response = take(client, device, packet.meeting.pk)
    assert response.status_code == 200
    answer = response.json()
    assert titles(answer) == {packet.meeting.pk: KEEPABLE}
    [meeting] = answer["meetings"]
    assert len(base64.b64decode(meeting["key"])) == 32
    lease = Lease.objects.get(device_id=device, meeting=packet.meeting)
    assert bytes(lease.key) == base64.b64decode(meeting["key"])
    assert lease.expires_at - lease.issued_at == datetime.timedelta(hours=settings.OFFLINE_HOURS)
    # The secret annex is neither listed nor given out.
    response = client.get(f"/offline/devices/{device}/papers/{packet.decree_annex.pk}/")
    assert response.status_code == 404


def test_the_secretariat_sets_the_meetings_period(
    government: Personas, packet: Papers, member: User, device: str
) -> None:
    office = client_of(government.secretary)
    response = office.post(f"/meetings/{packet.meeting.pk}/offline/period/", {"hours": "5"})
    assert response.status_code == 302
    assert Period.objects.get(meeting=packet.meeting).hours == 5
    take(client_of(member), device, packet.meeting.pk)
    lease = Lease.objects.get(device_id=device)
    assert lease.expires_at - lease.issued_at == datetime.timedelta(hours=5)


@pytest.mark.parametrize("hours", ["0", "721", "many", ""])
def test_a_period_out_of_bounds_is_refused_with_a_reason(
    government: Personas, packet: Papers, hours: str
) -> None:
    response = client_of(government.secretary).post(
        f"/meetings/{packet.meeting.pk}/offline/period/", {"hours": hours}
    )
    assert response.status_code == 400
    assert b"error-box" in response.content
    assert not Period.objects.exists()


def test_only_the_secretariat_sees_the_devices_and_sets_the_period(
    government: Personas, packet: Papers, member: User, device: str, outsider: User
) -> None:
    take(client_of(member), device, packet.meeting.pk)
    page = client_of(government.secretary).get(f"/meetings/{packet.meeting.pk}/offline/")
    assert page.status_code == 200
    assert f'id="device-{device}"' in page.content.decode()
    for user in (member, outsider):
        client = client_of(user)
        assert client.get(f"/meetings/{packet.meeting.pk}/offline/").status_code == 404
        response = client.post(f"/meetings/{packet.meeting.pk}/offline/period/", {"hours": "5"})
        assert response.status_code == 404
    assert not Period.objects.exists()


def test_a_stored_paper_is_recorded_and_a_confidential_one_stamped_and_audited(
    packet: Papers, member: User, device: str
) -> None:
    client = client_of(member)
    take(client, device, packet.meeting.pk)
    internal = client.get(f"/offline/devices/{device}/papers/{packet.budget_report.pk}/")
    assert internal.status_code == 200
    assert internal["Content-Type"] == "application/pdf"
    assert internal["Cache-Control"] == "no-store, private"
    assert b"".join(internal.streaming_content).startswith(b"%PDF")
    confidential = client.get(f"/offline/devices/{device}/papers/{packet.revenue_note.pk}/")
    assert confidential.status_code == 200
    held = {h.document_id: h for h in Holding.objects.filter(lease__device_id=device)}
    assert set(held) == {packet.budget_report.pk, packet.revenue_note.pk}
    assert held[packet.budget_report.pk].version == 1
    accesses = Access.objects.filter(user=member, action=Access.Action.OFFLINE)
    assert {a.version.document_id: a.copy_id is not None for a in accesses} == {
        packet.budget_report.pk: False,
        packet.revenue_note.pk: True,
    }
    entries = Entry.objects.filter(action=Entry.Action.DOCUMENT_OFFLINE)
    assert [(e.actor_id, e.document_id) for e in entries] == [(member.pk, packet.revenue_note.pk)]


def test_a_paper_is_given_only_under_a_running_lease(
    packet: Papers, member: User, device: str
) -> None:
    client = client_of(member)
    url = f"/offline/devices/{device}/papers/{packet.budget_report.pk}/"
    response = client.get(url)
    assert response.status_code == 403
    assert "Take the meeting's papers" in response.json()["error"]
    take(client, device, packet.meeting.pk)
    Lease.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get(url).status_code == 403
    assert not Holding.objects.exists()


def test_someone_elses_device_is_missing(
    government: Personas, packet: Papers, member: User, device: str, outsider: User
) -> None:
    take(client_of(member), device, packet.meeting.pk)
    other = client_of(government.members[1])
    not_found = {"error": "Not found."}
    for response in (
        take(other, device, packet.meeting.pk),
        sync(other, device, []),
        other.get(f"/offline/devices/{device}/papers/{packet.budget_report.pk}/"),
        take(client_of(member), "00000000-0000-0000-0000-000000000000", packet.meeting.pk),
    ):
        assert (response.status_code, response.json()) == (404, not_found)


def test_a_meeting_the_person_does_not_see_is_missing(packet: Papers, outsider: User) -> None:
    client = client_of(outsider)
    device = register(client)
    response = take(client, device, packet.meeting.pk)
    assert (response.status_code, response.json()) == (404, {"error": "Not found."})
    assert not Lease.objects.exists()


def test_without_a_session_the_device_is_told_to_sign_in_and_keeps_its_papers(
    packet: Papers, device: str
) -> None:
    client = client_of(None)
    for response in (
        post(client, "/offline/devices/"),
        take(client, device, packet.meeting.pk),
        sync(client, device, []),
        client.get(f"/offline/devices/{device}/papers/{packet.budget_report.pk}/"),
    ):
        assert response.status_code == 401
        assert "Sign in again" in response.json()["error"]


@pytest.mark.parametrize(
    "body", ['{"held": "all"}', '{"held": [true]}', '{"held": ["1"]}', "[1]", "{not json"]
)
def test_bad_input_is_refused_with_a_reason(member: User, device: str, body: str) -> None:
    response = client_of(member).post(
        f"/offline/devices/{device}/sync/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]


def test_the_devices_endpoints_take_only_their_method(member: User, device: str) -> None:
    client = client_of(member)
    assert client.get("/offline/devices/").status_code == 405
    assert client.get(f"/offline/devices/{device}/sync/").status_code == 405


def test_a_paper_whose_right_is_withdrawn_leaves_the_device_at_its_sync(
    government: Personas, packet: Papers, member: User, device: str
) -> None:
    client = client_of(member)
    take(client, device, packet.meeting.pk)
    budget = packet.budget_report.pk
    client.get(f"/offline/devices/{device}/papers/{budget}/")
    document_services.document_revoke(
        actor=government.secretary, document=packet.budget_report, rights=["view"], user=member
    )
    answer = sync(client, device, [budget]).json()
    assert "Budget report" not in titles(answer)[packet.meeting.pk]
    assert Holding.objects.get(document_id=budget).removed_at is None
    # The device deleted it and says so: the server's record follows.
    sync(client, device, [])
    assert Holding.objects.get(document_id=budget).removed_at is not None
    assert Device.objects.get(pk=device).synced_at is not None


def test_a_member_who_leaves_the_body_gets_no_key_and_keeps_nothing(
    government: Personas, packet: Papers, member: User, device: str
) -> None:
    client = client_of(member)
    take(client, device, packet.meeting.pk)
    meeting_services.membership_end(
        actor=government.secretary,
        membership=Membership.objects.get(body=government.body, user=member),
    )
    assert sync(client, device, []).json()["meetings"] == []


def test_papers_handed_back_at_the_close_leave_the_device(
    government: Personas, packet: Papers, member: User, device: str
) -> None:
    client = client_of(member)
    take(client, device, packet.meeting.pk)
    meeting = packet.meeting
    check_in(meeting, government.voters[:20])
    meeting_services.meeting_start(actor=government.chair, meeting=meeting)
    meeting_services.meeting_adjourn(actor=government.chair, meeting=meeting)
    meeting_services.meeting_close(actor=government.secretary, meeting=meeting)
    kept = titles(sync(client, device, []).json())[meeting.pk]
    assert kept == ["Budget report", "Draft decree", "Programme of the day"]
    # Over: the papers cannot be taken again.
    response = take(client, device, meeting.pk)
    assert response.status_code == 400
    assert "over" in response.json()["error"]


def test_past_its_period_the_key_is_refused_and_a_new_one_comes_with_a_new_lease(
    packet: Papers, member: User, device: str
) -> None:
    client = client_of(member)
    first = take(client, device, packet.meeting.pk).json()["meetings"][0]
    client.get(f"/offline/devices/{device}/papers/{packet.budget_report.pk}/")
    Lease.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert sync(client, device, [packet.budget_report.pk]).json()["meetings"] == []
    second = take(client, device, packet.meeting.pk).json()["meetings"][0]
    assert second["key"] != first["key"]
    # The page tells the new key from the one it wrapped under its PIN by its issue.
    assert second["issued_at"] != first["issued_at"]
    # What was stored under the old key can no longer be read: the record says it is gone.
    assert Holding.objects.get().removed_at is not None


def test_taking_again_within_the_period_keeps_the_key(
    packet: Papers, member: User, device: str
) -> None:
    client = client_of(member)
    first = take(client, device, packet.meeting.pk).json()["meetings"][0]
    again = take(client, device, packet.meeting.pk).json()["meetings"][0]
    assert (again["key"], again["issued_at"]) == (first["key"], first["issued_at"])


def test_the_secretariat_wipes_a_lost_device(
    government: Personas, packet: Papers, member: User, device: str
) -> None:
    client = client_of(member)
    take(client, device, packet.meeting.pk)
    client.get(f"/offline/devices/{device}/papers/{packet.budget_report.pk}/")
    office = client_of(government.secretary)
    response = office.post(f"/meetings/{packet.meeting.pk}/offline/{device}/wipe/")
    assert response.status_code == 302
    lease = Lease.objects.get()
    assert lease.wiped_by == government.secretary
    entry = Entry.objects.get(action=Entry.Action.DEVICE_WIPED)
    assert (entry.person_id, entry.meeting_id, entry.details["device"]) == (
        member.pk,
        packet.meeting.pk,
        device,
    )
    assert sync(client, device, [packet.budget_report.pk]).json()["meetings"] == []
    page = office.get(f"/meetings/{packet.meeting.pk}/offline/").content.decode()
    assert "Wiped: deleted at its next connection" in page
    sync(client, device, [])
    page = office.get(f"/meetings/{packet.meeting.pk}/offline/").content.decode()
    assert "Wiped and deleted" in page
    # Never renewed: the device must register again, as a new one.
    response = take(client, device, packet.meeting.pk)
    assert response.status_code == 403
    assert "wiped" in response.json()["error"]


def test_only_the_meetings_secretariat_wipes(
    government: Personas, packet: Papers, member: User, device: str, outsider: User
) -> None:
    take(client_of(member), device, packet.meeting.pk)
    for user in (member, government.members[1], outsider):
        response = client_of(user).post(f"/meetings/{packet.meeting.pk}/offline/{device}/wipe/")
        assert response.status_code == 404
    assert Lease.objects.get().wiped_at is None
    assert not Entry.objects.filter(action=Entry.Action.DEVICE_WIPED).exists()


def test_the_service_refuses_a_device_that_is_not_the_actors(
    government: Personas, packet: Papers, member: User, device: str
) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.lease_take(
            actor=government.members[1],
            device=Device.objects.get(pk=device),
            meeting=packet.meeting,
        )


def test_the_service_worker_covers_the_site_from_its_root(client: Client) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    script = response.content.decode()
    shell = json.loads(script.split("const SHELL = ", 1)[1].split(";", 1)[0])
    for url in shell:
        path = settings.BASE_DIR / "static" / url.removeprefix(settings.STATIC_URL)
        assert path.is_file(), url
    assert 'const READER = "/offline/"' in script


@pytest.mark.parametrize(
    ("language", "name"), [("en", "Paperless meetings"), ("vi", "Họp không giấy")]
)
def test_the_manifest_makes_the_site_installable_in_both_languages(
    client: Client, language: str, name: str
) -> None:
    response = client.get("/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["name"] == name
    assert manifest["scope"] == "/" and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        path = settings.BASE_DIR / "static" / icon["src"].removeprefix(settings.STATIC_URL)
        assert path.is_file()


def test_the_offline_reader_needs_a_session(client: Client, member: User) -> None:
    assert client.get("/offline/").status_code == 302
    client.force_login(member)
    assert client.get("/offline/").status_code == 200


def test_signing_out_tells_the_browser_to_forget_the_sites_storage(member: User) -> None:
    client = client_of(member)
    assert "Clear-Site-Data" not in client.get("/accounts/logout/")
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert client.get("/offline/").status_code == 302
