"""Dates and numbers in the reader's language: "ngày 7 tháng 12 năm 2026" and 24-hour times in
Vietnamese, "7 December 2026" in English (never "Dec. 7, 2026, 8:30 a.m."), a decimal comma in
Vietnamese; on screens, in e-mails and in the minutes."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core import mail
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from core import dates
from meetings import services
from minutes import layout
from tests.conftest import Personas, plan_meeting

MORNING = timezone.make_aware(datetime.datetime(2026, 12, 7, 8, 30, 15))
EVENING = timezone.make_aware(datetime.datetime(2026, 2, 5, 17, 5))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "vi",
            {
                "day": "ngày 7 tháng 12 năm 2026",
                "weekday": "Thứ 2, ngày 7 tháng 12 năm 2026",
                "clock": "08:30",
                "moment": "08:30 ngày 7 tháng 12 năm 2026",
                "seconds": "08:30:15 ngày 7 tháng 12 năm 2026",
                "short": "07/12/2026",
                "evening": "17:05 ngày 5 tháng 2 năm 2026",
            },
        ),
        (
            "en",
            {
                "day": "7 December 2026",
                "weekday": "Monday, 7 December 2026",
                "clock": "08:30",
                "moment": "7 December 2026, 08:30",
                "seconds": "7 December 2026, 08:30:15",
                "short": "07/12/2026",
                "evening": "5 February 2026, 17:05",
            },
        ),
    ],
)
def test_dates_in_each_language(language: str, expected: dict[str, str]) -> None:
    assert dates.day(MORNING, language) == expected["day"]
    assert dates.day(MORNING.date(), language) == expected["day"]
    assert dates.weekday(MORNING, language) == expected["weekday"]
    assert dates.clock(MORNING, language) == expected["clock"]
    assert dates.moment(MORNING, language) == expected["moment"]
    assert dates.moment(MORNING, language, seconds=True) == expected["seconds"]
    assert dates.short_day(MORNING, language) == expected["short"]
    assert dates.moment(EVENING, language) == expected["evening"]
    # The active language when none is given, as on a screen.
    with translation.override(language):
        assert dates.day(MORNING) == expected["day"]


def test_a_time_is_the_local_time_of_the_site() -> None:
    utc = datetime.datetime(2026, 12, 7, 1, 30, tzinfo=datetime.UTC)
    assert dates.clock(utc, "vi") == "08:30"  # Asia/Ho_Chi_Minh, UTC+7


def test_an_official_vietnamese_document_pads_the_day_and_the_first_two_months() -> None:
    assert dates.official_day(datetime.date(2026, 2, 5)) == "ngày 05 tháng 02 năm 2026"
    assert dates.official_day(datetime.date(2026, 12, 17)) == "ngày 17 tháng 12 năm 2026"
    assert layout.written_date(datetime.date(2026, 2, 5), "en") == "5 February 2026"


@pytest.mark.parametrize(
    ("language", "value", "decimals", "expected"),
    [
        ("vi", Decimal("1234.5"), 1, "1.234,5"),
        ("en", Decimal("1234.5"), 1, "1,234.5"),
        ("vi", 0.25, 2, "0,25"),
        ("en", 27, None, "27"),
        ("vi", 27, None, "27"),
    ],
)
def test_numbers_in_each_language(
    language: str, value: Decimal | float, decimals: int | None, expected: str
) -> None:
    assert dates.number(value, language, decimals) == expected


def test_templates_use_the_same_formats() -> None:
    template = Template(
        '{% load dates %}{{ at|weekday_clock }} | {{ at|date:"DATE_FORMAT" }} | '
        "{{ at|to_the_second }} | {{ size|filesizeformat }}"
    )
    context = Context({"at": MORNING, "size": 1_572_864})
    with translation.override("vi"):
        assert template.render(context) == (
            "Thứ 2, ngày 7 tháng 12 năm 2026, 08:30 | ngày 7 tháng 12 năm 2026 | "
            "08:30:15 ngày 7 tháng 12 năm 2026 | 1,5\xa0MB"
        )
    with translation.override("en"):
        assert template.render(context) == (
            "Monday, 7 December 2026, 08:30 | 7 December 2026 | "
            "7 December 2026, 08:30:15 | 1.5\xa0MB"
        )


def in_language(client: Client, language: str) -> Client:
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    return client


@pytest.mark.parametrize(
    ("language", "expected", "not_expected"),
    [
        ("vi", "ngày 7 tháng 12 năm 2026", "December"),
        ("en", "Monday, 7 December 2026", "Dec."),
    ],
)
def test_the_meeting_page_writes_its_date_in_the_readers_language(
    client: Client, government: Personas, language: str, expected: str, not_expected: str
) -> None:
    meeting = services.meeting_create(
        actor=government.secretary,
        body=government.body,
        title="Phiên họp",
        starts_at=MORNING,
        ends_at=MORNING + datetime.timedelta(hours=3),
        place="Room 1",
    )
    client.force_login(government.secretary)
    html = (
        in_language(client, language)
        .get(reverse("meetings:meeting_detail", args=[meeting.pk]))
        .content.decode()
    )
    assert expected in html
    assert not_expected not in html
    assert "a.m." not in html


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_invitation_writes_its_date_in_the_mails_language(
    settings: object,
    government: Personas,
    django_capture_on_commit_callbacks: Callable,
    language: str,
) -> None:
    settings.LANGUAGE_CODE = language  # type: ignore[attr-defined]
    meeting = plan_meeting(government, starts_in=datetime.timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_schedule(actor=government.secretary, meeting=meeting)
    body = mail.outbox[0].body
    when = f"{dates.weekday(meeting.starts_at, language)}, {dates.clock(meeting.starts_at)}"
    assert when in body
    assert ("ngày " in when) == (language == "vi")
