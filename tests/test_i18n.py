"""The Vietnamese catalogue is complete and in use: screens, service messages, e-mails, API."""

import subprocess
from collections.abc import Callable
from pathlib import Path

from django.core import mail
from django.test import Client
from django.urls import reverse

from meetings import services
from meetings.models import Meeting
from tests.conftest import Personas

CATALOGUE = Path(__file__).resolve().parent.parent / "locale/vi/LC_MESSAGES/django.po"


def test_every_message_has_a_vietnamese_translation() -> None:
    result = subprocess.run(
        ["msgfmt", "--check-format", "--statistics", "-o", "/dev/null", str(CATALOGUE)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "translated messages" in result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def in_vietnamese(client: Client) -> Client:
    response = client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    assert response.status_code == 302
    return client


def test_the_member_meeting_page_speaks_vietnamese(
    client: Client, government: Personas, meeting: Meeting
) -> None:
    client.force_login(government.members[0])
    page = in_vietnamese(client).get(reverse("meetings:meeting_detail", args=[meeting.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="vi"' in text
    assert "Điểm danh" in text
    assert "Chưa đủ túc số: 0/27 thành viên có mặt; yêu cầu ít nhất hai phần ba (18)." in text


def test_a_refusal_is_explained_in_vietnamese(
    client: Client, government: Personas, meeting: Meeting
) -> None:
    client.force_login(government.chair)
    in_vietnamese(client)
    response = client.post(
        reverse("meetings:meeting_lifecycle", args=[meeting.pk, "start"]), follow=True
    )
    assert "Không thể khai mạc phiên họp khi chưa đủ túc số." in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.SCHEDULED


def test_the_api_answers_in_the_language_asked_for(
    client: Client, government: Personas, meeting: Meeting
) -> None:
    client.force_login(government.members[0])
    response = client.get(
        f"/api/v1/meetings/{meeting.pk}/quorum/", headers={"accept-language": "vi"}
    )
    assert response.json()["explanation"].startswith("Chưa đủ túc số: 0/27")


def test_invitations_go_out_in_the_site_language(
    settings: object,
    government: Personas,
    draft_meeting: Meeting,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    settings.LANGUAGE_CODE = "vi"  # type: ignore[attr-defined]
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_schedule(actor=government.secretary, meeting=draft_meeting)
    assert mail.outbox[0].subject == "Giấy mời: Regular Government meeting"
    assert "Trân trọng kính mời tham dự cuộc họp của Government." in mail.outbox[0].body
