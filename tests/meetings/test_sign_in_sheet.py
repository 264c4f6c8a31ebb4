"""The printable sign-in sheet: the secretariat prints the attendance list for members without a
tablet to sign as they arrive. It is a document of the body, so it is written in the body's
language; nobody else may open it, and to them it does not exist."""

from __future__ import annotations

import re
from html import escape

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from meetings.models import Body, Meeting
from tests.conftest import Personas


def sheet_url(meeting_id: int) -> str:
    return reverse("meetings:sign_in_sheet", args=[meeting_id])


def names_in_order(html: str) -> list[str]:
    rows = re.findall(r'<td class="cell-number">\d+</td>\s*<td>([^<]+)', html)
    return [name.strip() for name in rows]


def shown(user: User) -> str:
    return escape(user.get_full_name() or user.username)


def test_the_secretariat_prints_everyone_invited_in_roll_call_order(
    client: Client, government: Personas, meeting: Meeting, secretariat: User
) -> None:
    client.force_login(secretariat)
    response = client.get(sheet_url(meeting.pk))

    assert response.status_code == 200
    html = response.content.decode()
    chair, *deputies = [shown(u) for u in (government.chair, *government.vice_chairs)]
    listed = names_in_order(html)
    assert len(listed) == 28  # 27 voting members and the secretary
    # The Prime Minister first, then the deputies, before any minister.
    assert listed[0] == chair
    assert set(listed[1:5]) == set(deputies)
    assert shown(government.members[0]) in listed[5:-1]
    assert html.count('class="sheet-blank"') == 4
    assert "Sign-in sheet" in html and "Signature" in html


def test_the_meeting_page_offers_the_sheet_to_the_secretariat_only(
    client: Client, government: Personas, meeting: Meeting, secretariat: User
) -> None:
    page = reverse("meetings:meeting_detail", args=[meeting.pk])
    client.force_login(secretariat)
    assert sheet_url(meeting.pk) in client.get(page).content.decode()
    client.force_login(government.members[0])
    assert sheet_url(meeting.pk) not in client.get(page).content.decode()


def test_a_member_or_the_chair_finds_no_sheet_as_if_the_meeting_did_not_exist(
    client: Client, government: Personas, meeting: Meeting
) -> None:
    client.force_login(government.members[0])
    missing = client.get(sheet_url(meeting.pk + 1000))
    forbidden = client.get(sheet_url(meeting.pk))
    assert missing.status_code == forbidden.status_code == 404
    assert meeting.title not in forbidden.content.decode()
    client.force_login(government.chair)
    assert client.get(sheet_url(meeting.pk)).status_code == 404


def test_a_draft_has_no_sheet(client: Client, draft_meeting: Meeting, secretariat: User) -> None:
    client.force_login(secretariat)
    assert client.get(sheet_url(draft_meeting.pk)).status_code == 404


def test_a_vietnamese_body_gets_its_sheet_in_vietnamese_whatever_the_readers_language(
    client: Client, government: Personas, meeting: Meeting, secretariat: User
) -> None:
    Body.objects.filter(pk=government.body.pk).update(language="vi")
    client.force_login(secretariat)
    html = client.get(sheet_url(meeting.pk), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    sheet = html[html.index('<article class="sign-in-sheet"') :]
    assert "Danh sách ký tên" in sheet and "Chữ ký" in sheet
    assert "Sign-in sheet" not in sheet and "Signature" not in sheet
    # The reader's own screen stays in their language.
    assert "My meetings" in html[: html.index("<article")]
