"""Every response carries the strict Content-Security-Policy: pages of a walk-through through
a meeting for a member, the chair and the secretariat, the API, the sign-in page, a missing
page and a redirect."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from config.settings import websocket_origin
from documents import services as document_services
from meetings import services as meeting_services
from meetings.models import Meeting
from tests.conftest import Personas, check_in
from tests.documents.reading.conftest import Papers, build_papers, media_root  # noqa: F401

pytestmark = pytest.mark.django_db

Policy = dict[str, list[str]]
POLICY: Policy = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'", "ws://127.0.0.1:8000"],
    "worker-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
}


def parsed(header: str) -> Policy:
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def policy(client: Client, address: str) -> Policy:
    response = client.get(address)
    assert response.status_code in {200, 302, 404}, (address, response.status_code)
    return parsed(response.headers.get("Content-Security-Policy", ""))


def walk(user: User, addresses: list[str]) -> dict[str, Policy]:
    client = Client()
    client.force_login(user)
    return {address: policy(client, address) for address in addresses}


def test_the_socket_origin_follows_the_sites_scheme() -> None:
    assert websocket_origin("https://meetings.example.gov") == "wss://meetings.example.gov"
    assert websocket_origin("http://127.0.0.1:8000") == "ws://127.0.0.1:8000"
    assert settings.SITE_URL == "http://127.0.0.1:8000"


@pytest.mark.usefixtures("media_root")
def test_every_page_of_a_meeting_carries_the_policy(
    government: Personas, meeting: Meeting, secretariat: User
) -> None:
    papers: Papers = build_papers(government, meeting)
    document_services.packet_publish(actor=government.secretary, meeting=meeting)
    check_in(meeting, government.voters[:20])
    meeting_services.meeting_start(actor=government.chair, meeting=meeting)
    m, paper = meeting.pk, papers.budget_report.pk
    member_pages = [
        "/",
        f"/meetings/{m}/",
        f"/meetings/{m}/session/",
        f"/meetings/{m}/packet/",
        f"/documents/{paper}/read/",
        f"/meetings/{m}/documents/{paper}/view/",
        f"/meetings/{m}/packet.pdf",
        "/bodies/",
        "/consultations/",
        "/archive/",
        "/verify/",
        "/notices/",
        "/actions/mine/",
        f"/api/v1/meetings/{m}/",
        "/meetings/999999/",  # missing: the site's 404 page
        "/audit/",  # forbidden to a member: the same 404
    ]
    chair_pages = [f"/meetings/{m}/console/", f"/meetings/{m}/board/"]
    office_pages = [
        f"/meetings/{m}/agenda/",
        f"/meetings/{m}/documents/",
        f"/meetings/{m}/documents/{paper}/",
        f"/meetings/{m}/packet/receipts/",
        f"/bodies/{government.body.pk}/",
        "/secretariat/meetings/",
        "/audit/",
    ]
    seen = {
        **walk(government.members[0], member_pages),
        **walk(government.chair, chair_pages),
        **walk(government.secretary, office_pages),
        **{f"{address} (secretariat)": p for address, p in walk(secretariat, ["/audit/"]).items()},
    }
    assert seen == dict.fromkeys(seen, POLICY)


def test_signing_in_and_redirects_carry_the_policy(client: Client) -> None:
    assert policy(client, "/accounts/login/") == POLICY
    assert policy(client, "/") == POLICY  # the redirect to the sign-in page
    assert policy(client, "/api/v1/schema/") == POLICY
