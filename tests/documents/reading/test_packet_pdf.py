"""The packet PDF as a member gets it: read back with pdftotext and pikepdf, as a reader's
software would see it."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pikepdf
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from guardian.shortcuts import remove_perm

from audit.models import Entry
from documents import permissions
from documents.models import Access
from tests.conftest import Personas
from tests.documents.reading.conftest import Papers


def download(client: Client, user: User, papers: Papers) -> bytes:
    client.force_login(user)
    response = client.get(reverse("documents:packet_pdf", args=[papers.meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def text_of(data: bytes, tmp_path: Path, page: int | None = None) -> str:
    path = tmp_path / "packet.pdf"
    path.write_bytes(data)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(
        ["pdftotext", "-layout", *pages, str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_a_members_packet_has_a_cover_contents_bookmarks_and_page_numbers(
    client: Client, government: Personas, packet: Papers, tmp_path: Path
) -> None:
    member = government.members[0]
    member.first_name, member.last_name = "Thị Hoa", "Nguyễn"
    member.save()
    data = download(client, member, packet)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        # Cover, contents, then 3 + 2 + 4 + 1 pages: the secret annex is not in it.
        assert len(pdf.pages) == 12
        with pdf.open_outline() as outline:
            tree = [(item.title, [child.title for child in item.children]) for item in outline.root]
    assert tree == [
        ("Contents", []),
        ("1. State budget 2027", ["Budget report"]),
        ("1.1. Revenue", ["Revenue estimates"]),
        ("2. Draft decree on e-government", ["Draft decree"]),
        ("Papers for the whole meeting", ["Programme of the day"]),
    ]
    cover = text_of(data, tmp_path, 1)
    assert "Government" in cover and "Regular Government meeting" in cover
    assert "Prepared for Thị Hoa Nguyễn" in cover
    assert "Room 1" in cover
    contents = text_of(data, tmp_path, 2)
    lines = [" ".join(line.split()) for line in contents.splitlines() if line.strip()]
    assert lines[:10] == [
        "Contents",
        "1. State budget 2027",
        "Budget report 3",
        "1.1. Revenue",
        "Revenue estimates 6",
        "2. Draft decree on e-government",
        "Draft decree 8",
        "Security annex (read in the browser only)",
        "Papers for the whole meeting",
        "Programme of the day 12",
    ]
    everything = text_of(data, tmp_path)
    for number in range(1, 13):
        assert f"page {number} of 12" in everything
    assert "Budget report - page 3" in text_of(data, tmp_path, 5)
    assert "Draft decree - page 1" in text_of(data, tmp_path, 8)
    assert "Security annex - page" not in everything


def test_confidential_papers_are_stamped_for_the_reader_with_a_recorded_copy_id(
    client: Client, government: Personas, packet: Papers, tmp_path: Path
) -> None:
    member = government.members[0]
    data = download(client, member, packet)
    accesses = Access.objects.filter(user=member, action=Access.Action.PACKET)
    assert {access.version.document for access in accesses} == {
        packet.budget_report,
        packet.revenue_note,
        packet.decree_draft,
        packet.programme,
    }
    copy = accesses.get(version__document=packet.revenue_note).copy_id
    assert copy is not None
    assert [access.copy_id for access in accesses if access.copy_id] == [copy]
    # The confidential one is in the audit trail, with its copy's id; the others are not.
    entry = Entry.objects.get(actor_id=member.pk, action=Entry.Action.DOCUMENT_IN_PACKET)
    assert entry.document_id == packet.revenue_note.pk
    assert entry.details == {"version": 1, "copy": str(copy)}
    for page in (6, 7):
        stamped = text_of(data, tmp_path, page)
        assert str(copy) in stamped
        assert member.get_full_name() in stamped
    assert str(copy) not in text_of(data, tmp_path, 3)
    # Another download is another copy.
    download(client, member, packet)
    assert Access.objects.filter(user=member, copy_id__isnull=False).count() == 2


def test_the_packet_holds_only_what_the_reader_may_take_away(
    client: Client, government: Personas, packet: Papers, tmp_path: Path
) -> None:
    member = government.members[1]
    remove_perm(permissions.VIEW_DOCUMENT, member, packet.budget_report)
    remove_perm(permissions.DOWNLOAD_DOCUMENT, member, packet.decree_draft)
    data = download(client, member, packet)
    text = text_of(data, tmp_path)
    assert "Budget report" not in text
    assert "Draft decree (read in the browser only)" in text
    assert "Draft decree - page" not in text
    assert "Revenue estimates - page 1" in text
    assert re.search(r"page 1 of 5\b", text)  # cover, contents, 2 + 1 pages
    assert not Access.objects.filter(
        user=member, version__document__in=[packet.budget_report, packet.decree_draft]
    ).exists()


def test_the_secretariat_gets_every_paper_before_publication(
    client: Client, government: Personas, papers: Papers, tmp_path: Path
) -> None:
    data = download(client, government.secretary, papers)
    text = text_of(data, tmp_path)
    assert "Budget report - page 1" in text and "Revenue estimates - page 2" in text
    assert "Security annex (read in the browser only)" in text
    assert "Security annex - page" not in text


def test_papers_past_the_page_budget_are_listed_not_included(
    client: Client, government: Personas, packet: Papers, tmp_path: Path, settings: Any
) -> None:
    # Budget report (3 pages) and the revenue estimates (2) fit in 6 pages; the draft decree
    # (4) would not; the programme (1) still does.
    settings.DOCUMENTS_PACKET_MAX_PAGES = 6
    member = government.members[0]
    data = download(client, member, packet)
    text = text_of(data, tmp_path)
    assert "Budget report - page 1" in text and "Programme of the day - page 1" in text
    assert "Draft decree - page" not in text
    assert re.search(
        r"Draft decree \(not in this packet, which would be too long: open it on\s+its own\)",
        text,
    )
    assert re.search(r"page 1 of 8\b", text)  # cover, contents, 3 + 2 + 1 pages
    assert not Access.objects.filter(user=member, version__document=packet.decree_draft).exists()


# Run in a child process, whose peak memory is its own: 40 papers of 4 MiB of picture data each.
PEAK_MEMORY = """
import os, resource, sys
import django
django.setup()
import pikepdf
from documents import packet

folder = sys.argv[1]
paths = []
for index in range(40):
    pdf = pikepdf.new()
    pdf.add_blank_page()
    picture = pikepdf.Stream(pdf, os.urandom(4 * 1024 * 1024))
    picture.Type, picture.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    picture.Width, picture.Height, picture.BitsPerComponent = 1024, 4096, 8
    picture.ColorSpace = pikepdf.Name.DeviceGray
    pdf.pages[0].Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=picture))
    pdf.pages[0].Contents = pikepdf.Stream(pdf, b"q 100 0 0 100 0 0 cm /Im0 Do Q")
    paths.append(f"{folder}/paper{index}.pdf")
    pdf.save(paths[-1])
    del pdf, picture
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
papers = [
    packet.Paper(f"Paper {i}", path, ("stamped",) if i % 2 else ()) for i, path in enumerate(paths)
]
with open(f"{folder}/packet.pdf", "wb") as out:
    packet.write_packet(
        cover=packet.Cover("Body", "Meeting", "Today", "Room", "Reader"),
        sections=[packet.Section("1", "Item", papers)],
        out=out,
    )
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(os.path.getsize(f"{folder}/packet.pdf"), before, peak)
"""


def test_writing_a_packet_takes_memory_for_its_pages_not_for_its_papers_bytes(
    tmp_path: Path,
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PEAK_MEMORY, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
        cwd=Path(__file__).resolve().parents[3],
    )
    size, before, peak = (int(value) for value in result.stdout.split())
    assert size > 160 * 1024 * 1024  # the 160 MiB of pictures are all in it
    # ru_maxrss is in KiB: writing it grew the process by far less than the papers' bytes.
    assert peak - before < 64 * 1024
