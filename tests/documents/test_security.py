"""Who can reach a document's pages, files and API: for everyone who may not, it does not exist.

Each address is tried by an outsider, a member never given the paper, a member whose access
was revoked and an anonymous visitor; each must get exactly what a nonexistent document gets.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from documents import links, services
from documents.models import Access, Document
from meetings import services as meeting_services
from meetings.models import Membership
from tests.documents.conftest import Board, add_document, close_meeting, publish_packet

C = Document.Classification
MISSING = 999_999


@pytest.fixture
def paper(board: Board) -> Document:
    """A confidential paper of a published packet; the other member was never given it."""
    publish_packet(board.meeting)
    document = add_document(board, classification=C.CONFIDENTIAL, title="Audit findings")
    services.document_revoke(
        actor=board.secretary, document=document, rights=["view"], user=board.other_member
    )
    return document


def page_addresses(meeting_id: int, document_id: int) -> list[tuple[str, str]]:
    kwargs = {"pk": meeting_id, "doc_pk": document_id}
    return [
        ("get", reverse("documents:document", kwargs=kwargs)),
        ("get", reverse("documents:view", kwargs=kwargs)),
        ("get", reverse("documents:download", kwargs=kwargs)),
        ("post", reverse("documents:edit", kwargs=kwargs)),
        ("post", reverse("documents:replace", kwargs=kwargs)),
        ("post", reverse("documents:grant", kwargs=kwargs)),
        ("post", reverse("documents:revoke", kwargs=kwargs)),
        ("post", reverse("documents:delete", kwargs=kwargs)),
    ]


def api_addresses(meeting_id: int, document_id: int) -> list[tuple[str, str]]:
    base = f"/api/v1/meetings/{meeting_id}/documents/{document_id}/"
    return [
        ("get", base),
        ("patch", base),
        ("delete", base),
        ("post", base + "versions/"),
        ("get", base + "grants/"),
        ("post", base + "grants/"),
        ("post", base + "grants/revoke/"),
        ("post", base + "download-link/"),
    ]


def revoked(board: Board, paper: Document) -> User:
    """The member, after their access was taken back."""
    services.document_revoke(
        actor=board.secretary, document=paper, rights=["view"], user=board.member
    )
    return board.member


def _client(user: User | None, api: bool) -> Any:
    client = APIClient() if api else Client()
    if user is not None:
        client.force_login(user)
    return client


def _same_as_missing(user: User | None, board: Board, paper: Document, *, api: bool) -> None:
    addresses = api_addresses if api else page_addresses
    pairs = zip(
        addresses(board.meeting.pk, paper.pk), addresses(board.meeting.pk, MISSING), strict=True
    )
    for (method, address), (_, missing) in pairs:
        client = _client(user, api)
        response = getattr(client, method)(address)
        expected = getattr(client, method)(missing)
        assert response.status_code == expected.status_code, (method, address)
        assert response.status_code in {302, 403, 404}, (method, address)
        if api:
            assert response.json() == expected.json(), (method, address)
        elif response.status_code == 404:
            assert "This page does not exist" in response.content.decode()
        assert paper.title not in response.content.decode()


Who = Callable[[Board, Document], User | None]
PEOPLE: dict[str, Who] = {
    "outsider": lambda board, paper: User.objects.get(username="outsider"),
    "member-never-given": lambda board, paper: board.other_member,
    "revoked-member": revoked,
    "anonymous": lambda board, paper: None,
}


@pytest.mark.parametrize("who", list(PEOPLE))
@pytest.mark.parametrize("api", [False, True], ids=["pages", "api"])
def test_those_without_the_right_cannot_tell_the_document_exists(
    board: Board, paper: Document, outsider: User, who: str, api: bool
) -> None:
    _same_as_missing(PEOPLE[who](board, paper), board, paper, api=api)


@pytest.mark.parametrize("who", ["member-never-given", "revoked-member"])
def test_the_meetings_list_does_not_name_papers_one_may_not_read(
    client: Client, board: Board, paper: Document, who: str
) -> None:
    user = PEOPLE[who](board, paper)
    assert user is not None
    client.force_login(user)
    response = client.get(reverse("documents:documents", kwargs={"pk": board.meeting.pk}))
    assert response.status_code == 200
    assert paper.title not in response.content.decode()
    listed = APIClient()
    listed.force_login(user)
    data = listed.get(f"/api/v1/meetings/{board.meeting.pk}/documents/").json()
    assert data["results"] == []


def test_an_outsider_does_not_see_the_meetings_documents_at_all(
    client: Client, board: Board, paper: Document, outsider: User
) -> None:
    client.force_login(outsider)
    assert (
        client.get(reverse("documents:documents", kwargs={"pk": board.meeting.pk})).status_code
        == 404
    )
    api = APIClient()
    api.force_login(outsider)
    assert api.get(f"/api/v1/meetings/{board.meeting.pk}/documents/").status_code == 404


def test_a_member_reads_and_downloads_what_was_given(
    client: Client, board: Board, paper: Document
) -> None:
    client.force_login(board.member)
    kwargs = {"pk": board.meeting.pk, "doc_pk": paper.pk}
    detail = client.get(reverse("documents:document", kwargs=kwargs))
    assert detail.status_code == 200 and paper.title in detail.content.decode()
    view = client.get(reverse("documents:view", kwargs=kwargs))
    assert view.status_code == 200
    assert view["Content-Type"] == "application/pdf"
    assert view["Content-Disposition"].startswith("inline")
    assert "no-store" in view["Cache-Control"]
    link = client.get(reverse("documents:download", kwargs=kwargs))
    assert link.status_code == 302
    download = client.get(link["Location"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"%PDF-")  # type: ignore[attr-defined]
    assert list(Access.objects.filter(user=board.member).values_list("action", flat=True)) == [
        "view",
        "download",
    ]


def test_a_member_given_view_only_cannot_download(client: Client, board: Board) -> None:
    publish_packet(board.meeting)
    document = add_document(board, classification=C.INTERNAL)
    services.document_revoke(
        actor=board.secretary, document=document, rights=["download"], user=board.member
    )
    client.force_login(board.member)
    kwargs = {"pk": board.meeting.pk, "doc_pk": document.pk}
    assert client.get(reverse("documents:view", kwargs=kwargs)).status_code == 200
    assert client.get(reverse("documents:download", kwargs=kwargs)).status_code == 404
    token = links.download_token(
        user=board.member, version=document.versions.get(), session_key=client.session.session_key
    )
    assert client.get(reverse("documents:file", kwargs={"token": token})).status_code == 404


def test_a_secret_paper_has_no_download_even_for_the_secretariat(
    client: Client, board: Board
) -> None:
    publish_packet(board.meeting)
    document = add_document(board, classification=C.SECRET)
    for user in (board.member, board.secretary):
        client.force_login(user)
        kwargs = {"pk": board.meeting.pk, "doc_pk": document.pk}
        assert client.get(reverse("documents:download", kwargs=kwargs)).status_code == 404
        assert client.get(reverse("documents:view", kwargs=kwargs)).status_code == 200


# Download links


def _link(client: Client, board: Board, document: Document) -> str:
    kwargs = {"pk": board.meeting.pk, "doc_pk": document.pk}
    response = client.get(reverse("documents:download", kwargs=kwargs))
    assert response.status_code == 302
    return str(response["Location"])


def test_a_link_works_only_in_the_session_that_asked_for_it(client: Client, board: Board) -> None:
    """Links were documented as tied to the session but were not: one copied to another
    browser, or kept after signing out, still downloaded the paper."""
    publish_packet(board.meeting)
    document = add_document(board)
    client.force_login(board.member)
    address = _link(client, board, document)
    elsewhere = Client()
    elsewhere.force_login(board.member)  # the same person, in another browser
    assert elsewhere.get(address).status_code == 404
    assert client.get(address).status_code == 200
    client.logout()
    client.force_login(board.member)  # signed in again: a new session
    assert client.get(address).status_code == 404


def test_a_link_is_its_owners_alone(client: Client, board: Board) -> None:
    publish_packet(board.meeting)
    document = add_document(board)
    client.force_login(board.member)
    address = _link(client, board, document)
    other = Client()
    other.force_login(board.other_member)  # may download the paper, but not with this link
    assert other.get(address).status_code == 404
    assert Client().get(address).status_code == 404
    assert client.get(address).status_code == 200


def test_a_made_up_or_altered_link_fails(client: Client, board: Board) -> None:
    publish_packet(board.meeting)
    document = add_document(board)
    client.force_login(board.member)
    address = _link(client, board, document)
    token = address.rstrip("/").rsplit("/", 1)[1]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (forged, "eyJ2IjoxLCJ1IjoxfQ:1abc:xyz", "1"):
        assert client.get(reverse("documents:file", kwargs={"token": bad})).status_code == 404


def test_a_link_expires(client: Client, board: Board) -> None:
    publish_packet(board.meeting)
    document = add_document(board)
    client.force_login(board.member)
    with override_settings(DOCUMENTS_LINK_SECONDS=1):
        address = _link(client, board, document)
        time.sleep(2.1)
        assert client.get(address).status_code == 404
    assert not Access.objects.exists()


def test_a_link_stops_working_when_access_is_revoked(client: Client, board: Board) -> None:
    publish_packet(board.meeting)
    document = add_document(board)
    client.force_login(board.member)
    address = _link(client, board, document)
    services.document_revoke(
        actor=board.secretary, document=document, rights=["download"], user=board.member
    )
    assert client.get(address).status_code == 404


def test_a_link_stops_working_when_the_paper_is_handed_back(client: Client, board: Board) -> None:
    publish_packet(board.meeting)
    confidential = add_document(board, classification=C.CONFIDENTIAL)
    internal = add_document(board, classification=C.INTERNAL, title="Minutes of the last meeting")
    client.force_login(board.member)
    confidential_link = _link(client, board, confidential)
    close_meeting(board)
    assert client.get(confidential_link).status_code == 404
    kwargs = {"pk": board.meeting.pk, "doc_pk": confidential.pk}
    assert client.get(reverse("documents:view", kwargs=kwargs)).status_code == 404
    assert client.get(_link(client, board, internal)).status_code == 200


def test_a_member_who_leaves_the_body_loses_access(client: Client, board: Board) -> None:
    publish_packet(board.meeting)
    document = add_document(board)
    services.document_grant(
        actor=board.secretary, document=document, rights=["view"], role=Membership.Role.MEMBER
    )
    client.force_login(board.member)
    address = _link(client, board, document)
    membership = Membership.objects.get(body=board.personas.body, user=board.member)
    meeting_services.membership_end(actor=board.secretary, membership=membership)
    assert client.get(address).status_code == 404


def test_the_secretariat_alone_traces_copies(client: Client, board: Board, paper: Document) -> None:
    client.force_login(board.member)
    client.get(_link(client, board, paper))
    copy_id = Access.objects.get(action="download").copy_id
    trace = reverse("documents:trace", kwargs={"pk": board.meeting.pk}) + f"?copy_id={copy_id}"
    assert client.get(trace).status_code == 404
    api = f"/api/v1/meetings/{board.meeting.pk}/documents/copies/{copy_id}/"
    member_api = APIClient()
    member_api.force_login(board.member)
    assert member_api.get(api).status_code == 404
    client.force_login(board.secretary)
    response = client.get(trace)
    assert response.status_code == 200
    assert "Nguyễn Thị Lan" in response.content.decode()
