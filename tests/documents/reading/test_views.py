"""The packet screens as each persona meets them: the packet page, the packet PDF, the reader
and its PDF, notes, and the secretariat's read receipts. Allowed and refused; missing and
forbidden look the same (404)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from html import escape

import pytest
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.templatetags.static import static
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import remove_perm

from documents import permissions, services
from documents.models import Access, Document, Note
from meetings import services as meeting_services
from meetings.models import Meeting, Membership
from tests.conftest import Personas
from tests.documents.reading.conftest import Papers, add_version

PERSONAS = ("anonymous", "outsider", "revoked", "without_right", "member", "secretariat")


def persona(name: str, government: Personas, packet: Papers, outsider: User) -> User | None:
    if name == "anonymous":
        return None
    if name == "outsider":
        return outsider
    if name == "revoked":
        leaving = government.members[3]
        membership = Membership.objects.get(body=government.body, user=leaving)
        meeting_services.membership_end(actor=government.secretary, membership=membership)
        return leaving
    if name == "without_right":
        reader = government.members[2]
        for document in packet.all:
            remove_perm(permissions.VIEW_DOCUMENT, reader, document)
        return reader
    if name == "member":
        return government.members[0]
    return government.secretary


def url(name: str, *args: object) -> str:
    return reverse(f"documents:{name}", args=args)


def pdf_url(document: Document, number: int) -> str:
    """Where the reader fetches a version's PDF: the documents' own recorded view."""
    return url("view", document.meeting_id, document.pk) + f"?version={number}"


def page(response: HttpResponse) -> str:
    return response.content.decode()


Request = Callable[[Client, Papers, Note], HttpResponse]

SCREENS: dict[str, tuple[Request, dict[str, int]]] = {
    "packet page": (
        lambda c, p, n: c.get(url("packet", p.meeting.pk)),
        {"without_right": 200, "member": 200, "secretariat": 200},
    ),
    "packet pdf": (
        lambda c, p, n: c.get(url("packet_pdf", p.meeting.pk)),
        {"without_right": 200, "member": 200, "secretariat": 200},
    ),
    "read receipts": (
        lambda c, p, n: c.get(url("read_receipts", p.meeting.pk)),
        {"secretariat": 200},
    ),
    "unpublish": (
        lambda c, p, n: c.post(url("packet_publication", p.meeting.pk, "unpublish")),
        {"secretariat": 302},
    ),
    "reader": (
        lambda c, p, n: c.get(url("reader", p.budget_report.pk)),
        {"member": 200, "secretariat": 200},
    ),
    "inline pdf": (
        lambda c, p, n: c.get(pdf_url(p.budget_report, 1)),
        {"member": 200, "secretariat": 200},
    ),
    "add a note": (
        lambda c, p, n: c.post(url("note_create", p.budget_report.pk), {"page": 1, "text": "x"}),
        {"member": 302, "secretariat": 302},
    ),
    "edit a note": (
        lambda c, p, n: c.post(url("note_edit", p.budget_report.pk, n.pk), {"text": "y"}),
        {"member": 302},
    ),
    "delete a note": (
        lambda c, p, n: c.post(url("note_delete", p.budget_report.pk, n.pk)),
        {"member": 302},
    ),
}


@pytest.mark.parametrize("who", PERSONAS)
@pytest.mark.parametrize("screen", SCREENS)
def test_who_may_use_each_screen(
    client: Client, government: Personas, packet: Papers, outsider: User, who: str, screen: str
) -> None:
    note = services.note_add(
        actor=government.members[0], document=packet.budget_report, page=2, text="Mine"
    )
    user = persona(who, government, packet, outsider)
    if user is not None:
        client.force_login(user)
    request, allowed = SCREENS[screen]
    notes_before = list(Note.objects.values("pk", "text"))
    response = request(client, packet, note)
    if user is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == allowed.get(who, 404), page(response)[:500]
    if user is None or response.status_code == 404:
        # A refusal changes nothing.
        assert list(Note.objects.values("pk", "text")) == notes_before


def test_the_packet_page_lists_each_items_papers_with_marks(
    client: Client, government: Personas, packet: Papers
) -> None:
    member = government.members[0]
    client.force_login(member)
    html = page(client.get(url("packet", packet.meeting.pk)))
    assert html.index("State budget 2027") < html.index("Budget report") < html.index("Revenue")
    assert html.index("Draft decree on e-government") < html.index("Security annex")
    assert "Programme of the day" in html
    assert html.count(">New<") == 5
    assert "confidentiality-secret" in html and "Read in the browser only" in html
    assert url("reader", packet.decree_annex.pk) in html
    assert url("packet_pdf", packet.meeting.pk) in html
    # Not the secretariat's controls.
    assert url("read_receipts", packet.meeting.pk) not in html
    assert "Publish the packet" not in html


def test_a_new_version_is_marked_with_the_pages_that_changed(
    client: Client, government: Personas, packet: Papers
) -> None:
    member = government.members[0]
    client.force_login(member)
    client.get(pdf_url(packet.budget_report, 1))
    html = page(client.get(url("packet", packet.meeting.pk)))
    assert html.count(">New<") == 4
    assert "Changed since you read it" not in html
    add_version(
        packet.budget_report,
        ["Budget report - page 1", "Budget report - page 2, revised", "Budget report - page 3"],
    )
    html = page(client.get(url("packet", packet.meeting.pk)))
    assert "Changed since you read it" in html
    assert "Page changed: 2" in html
    reader = page(client.get(url("reader", packet.budget_report.pk)))
    assert "Changed since you read version 1: page 2." in reader
    client.get(pdf_url(packet.budget_report, 2))
    assert "Changed since you read it" not in page(client.get(url("packet", packet.meeting.pk)))


def test_members_see_no_papers_before_publication(
    client: Client, government: Personas, papers: Papers
) -> None:
    client.force_login(government.members[0])
    html = page(client.get(url("packet", papers.meeting.pk)))
    assert "The papers for this meeting are not published yet." in html
    # The page follows the meeting's events: it changes when the packet is published.
    assert f'data-meeting-socket="/ws/meetings/{papers.meeting.pk}/"' in html
    assert "Budget report" not in html
    assert client.get(url("packet_pdf", papers.meeting.pk)).status_code == 404
    assert client.get(url("reader", papers.budget_report.pk)).status_code == 404


def test_the_secretariat_publishes_from_the_packet_page(
    client: Client, government: Personas, papers: Papers
) -> None:
    client.force_login(government.secretary)
    html = page(client.get(url("packet", papers.meeting.pk)))
    assert "The packet is not published yet: only the secretariat sees these papers." in html
    response = client.post(url("packet_publication", papers.meeting.pk, "publish"), follow=True)
    assert "The packet is published; members have been told." in page(response)
    # The meeting is an hour away: three days were due.
    assert "Published less than three days before the meeting" in page(response)
    assert permissions.packet_published(Meeting.objects.get(pk=papers.meeting.pk))
    refused = client.post(url("packet_publication", papers.meeting.pk, "publish"))
    assert refused.status_code == 400
    assert "The packet is already published." in page(refused)
    assert client.post(url("packet_publication", papers.meeting.pk, "shred")).status_code == 404


def test_the_reader_shows_the_viewer_and_only_ones_own_notes(
    client: Client, government: Personas, packet: Papers
) -> None:
    member, other = government.members[0], government.members[1]
    services.note_add(actor=other, document=packet.budget_report, page=1, text="Other's secret")
    client.force_login(member)
    response = client.post(
        url("note_create", packet.budget_report.pk), {"page": "2", "text": "Ask the minister"}
    )
    assert response["Location"].endswith("?page=2#notes")
    html = page(client.get(response["Location"]))
    assert 'data-pdf-url="' + pdf_url(packet.budget_report, 1) + '"' in html
    assert "Ask the minister" in html
    assert "Other&#x27;s secret" not in html and "Other's secret" not in html
    assert 'data-page="2"' in html


def test_the_reader_points_pdfjs_at_its_font_data_and_character_maps(
    client: Client, government: Personas, packet: Papers
) -> None:
    """Papers that do not embed their fonts need them (tests/browser/test_reader_fonts.py)."""
    client.force_login(government.members[0])
    html = page(client.get(url("reader", packet.budget_report.pk)))
    for attribute, sample in (
        ("data-cmaps-url", "UniGB-UCS2-H.bcmap"),
        ("data-standard-fonts-url", "FoxitDingbats.pfb"),
    ):
        found = re.search(f'{attribute}="([^"]+)"', html)
        assert found is not None, attribute
        directory = found[1]
        assert directory.startswith(static("vendor/pdfjs/")) and directory.endswith("/")
        assert finders.find(directory.removeprefix(static("")) + sample), sample


def test_bad_note_input_is_refused_with_a_reason(
    client: Client, government: Personas, packet: Papers
) -> None:
    client.force_login(government.members[0])
    target = url("note_create", packet.budget_report.pk)
    for data, message in (
        ({"page": "1", "text": "  "}, "Write something in the note."),
        ({"page": "9", "text": "Hm"}, "Choose a page between 1 and 3."),
        ({"page": "two", "text": "Hm"}, "Choose the page the note is about."),
    ):
        response = client.post(target, data)
        assert response.status_code == 400
        assert escape(message) in page(response)
    assert not Note.objects.exists()
    assert client.get(pdf_url(packet.budget_report, 7)).status_code == 404


def test_a_secret_document_is_read_in_the_browser_only(
    client: Client, government: Personas, packet: Papers
) -> None:
    member = government.members[0]
    client.force_login(member)
    html = page(client.get(url("reader", packet.decree_annex.pk)))
    assert "Secret: read it here only; it cannot be downloaded." in html
    assert "download" not in html.lower().replace("downloaded", "")
    response = client.get(pdf_url(packet.decree_annex, 1))
    assert response["Content-Disposition"].startswith("inline")
    assert "no-store" in response["Cache-Control"]
    assert Access.objects.get(user=member).action == Access.Action.VIEW


def test_read_receipts_show_who_opened_what_and_flag_the_late(
    client: Client, government: Personas, packet: Papers
) -> None:
    reader, idle = government.members[0], government.members[1]
    client.force_login(reader)
    client.get(pdf_url(packet.budget_report, 1))
    client.force_login(government.secretary)
    html = page(client.get(url("read_receipts", packet.meeting.pk)))
    # The meeting is an hour away: the three days before it have begun. 26 of the 27 members
    # have opened nothing; the secretary, who prepared them, is not counted.
    assert "26 members have not opened the papers" in html
    secretary_row = html[html.index(f'id="reader-{government.secretary.pk}"') :]
    assert "Has not opened the papers" not in secretary_row[: secretary_row.index("</tr>")]
    row = html[html.index(f'id="reader-{reader.pk}"') :]
    assert "Opened" in row[: row.index("</tr>")]
    idle_row = html[html.index(f'id="reader-{idle.pk}"') :]
    assert "Has not opened the papers" in idle_row[: idle_row.index("</tr>")]


def test_read_receipts_tell_a_paper_one_may_not_read_from_an_unread_one(
    client: Client, government: Personas, packet: Papers
) -> None:
    barred, idle = government.members[1], government.members[2]
    services.document_revoke(
        actor=government.secretary, document=packet.budget_report, rights=["view"], user=barred
    )
    client.force_login(government.secretary)
    html = page(client.get(url("read_receipts", packet.meeting.pk)))

    def row(user: User) -> str:
        start = html[html.index(f'id="reader-{user.pk}"') :]
        return start[: start.index("</tr>")]

    assert row(barred).count("May not read it") == 1
    assert "May not read it" not in row(idle)
    assert "May not read it" not in row(government.secretary)


def test_read_receipts_give_the_due_date_before_it_comes(
    client: Client, government: Personas, packet: Papers
) -> None:
    meeting_services.meeting_update(
        actor=government.secretary,
        meeting=packet.meeting,
        starts_at=timezone.now() + datetime.timedelta(days=10),
        ends_at=timezone.now() + datetime.timedelta(days=10, hours=2),
    )
    client.force_login(government.secretary)
    html = page(client.get(url("read_receipts", packet.meeting.pk)))
    assert "Members should have the papers by" in html
    assert "Has not opened the papers" not in html


def test_the_meeting_and_session_pages_lead_to_the_papers(
    client: Client, government: Personas, packet: Papers
) -> None:
    client.force_login(government.members[0])
    link = f'href="{url("packet", packet.meeting.pk)}"'
    assert link in page(client.get(reverse("meetings:meeting_detail", args=[packet.meeting.pk])))
    assert link in page(client.get(reverse("agendas:session", args=[packet.meeting.pk])))


def test_the_packet_follows_the_agenda_when_it_is_taken_back(
    client: Client, government: Personas, packet: Papers
) -> None:
    from agendas import services as agenda_services

    agenda_services.agenda_unpublish(actor=government.secretary, meeting=packet.meeting)
    client.force_login(government.members[0])
    html = page(client.get(url("packet", packet.meeting.pk)))
    assert "State budget 2027" not in html and "Budget report" not in html
    assert "There are no papers for you to read." in html
