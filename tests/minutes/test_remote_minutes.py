"""The minutes say who attended remotely: in the record, the drafted text, the PDF and the
Akoma Ntoso export."""

from __future__ import annotations

import subprocess
import time

import pytest

from meetings import services as meeting_services
from meetings.models import Body, Meeting
from minutes import exports, layout
from minutes import selectors as minutes_selectors
from minutes.models import Minutes
from tests.conftest import Personas, check_in


@pytest.fixture
def closed(government: Personas, meeting: Meeting) -> tuple[Minutes, str]:
    """17 members in the room and one remote, counted toward the quorum; then closed."""
    Body.objects.filter(pk=government.body.pk).update(
        remote_attendance_allowed=True, remote_counts_for_quorum=True
    )
    meeting = Meeting.objects.select_related("body").get(pk=meeting.pk)
    check_in(meeting, government.voters[:17])
    remote = government.voters[17]
    meeting_services.attendance_check_in(
        actor=remote, meeting=meeting, remote=True, authenticated_at=time.time()
    )
    chair = government.chair
    meeting_services.meeting_start(actor=chair, meeting=meeting)
    meeting_services.meeting_adjourn(actor=chair, meeting=meeting)
    meeting_services.meeting_close(actor=government.secretary, meeting=meeting)
    minutes = Minutes.objects.get(meeting=meeting, corrects=None)
    return minutes, remote.get_full_name()


def test_the_record_and_the_draft_say_who_attended_remotely(closed: tuple[Minutes, str]) -> None:
    minutes, name = closed
    present = minutes.record["attendance"]["present"]
    assert [row["name"] for row in present if row["remote"]] == [name]
    assert sum(not row["remote"] for row in present) == 17
    attendance = next(s["text"] for s in minutes.sections if s["key"] == "attendance")
    assert f"Attended remotely: {name}." in attendance


def test_the_pdf_and_the_export_show_remote(closed: tuple[Minutes, str]) -> None:
    minutes, name = closed
    rendered = layout.render(minutes_selectors.document_of(minutes))
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=rendered.pdf, capture_output=True, check=True
    ).stdout.decode()
    # The attendance table notes it on the member's own line, and on nobody else's.
    noted = [line.split() for line in text.splitlines() if line.rstrip().endswith(" remote")]
    assert len(noted) == 1 and " ".join(noted[0]).startswith(name)
    assert f"Attended remotely: {name}." in " ".join(text.split())
    assert f"Attended remotely: {name}.".encode() in exports.minutes_akoma_ntoso(minutes)
