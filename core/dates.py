"""Times as the project writes them: into event payloads and exports (ISO 8601), and for people
to read, in a given language or the active one (the reader's on screens, the body's in the
minutes).

What a person reads goes through the functions below or the same named formats in templates
(`|date:"DATE_FORMAT"`, `|weekday_date` from `{% load dates %}`); the formats themselves are
in `core/formats/<language>/formats.py`. Never `strftime` for a reader: it writes English
month names and knows nothing of "ngày ... tháng ... năm ...".
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import formats, timezone, translation


def iso(moment: datetime.datetime | None) -> str | None:
    """ISO 8601 as stored (UTC), for event payloads that pages turn into their own time."""
    return moment.isoformat() if moment else None


def local_iso(moment: datetime.datetime | None) -> str | None:
    """ISO 8601 in the site's time zone, as the minutes and exports state it."""
    return timezone.localtime(moment).isoformat() if moment else None


def _local(value: datetime.date | datetime.datetime) -> datetime.date | datetime.datetime:
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _formatted(
    value: datetime.date | datetime.datetime, format_name: str, language: str | None
) -> str:
    with translation.override(language or translation.get_language()):
        return formats.date_format(_local(value), format_name)


def day(value: datetime.date | datetime.datetime, language: str | None = None) -> str:
    """ "ngày 7 tháng 12 năm 2026", "7 December 2026"."""
    return _formatted(value, "DATE_FORMAT", language)


def weekday(value: datetime.date | datetime.datetime, language: str | None = None) -> str:
    """ "Thứ 2, ngày 7 tháng 12 năm 2026", "Monday, 7 December 2026"."""
    with translation.override(language or translation.get_language()):
        return f"{formats.date_format(_local(value), 'l')}, {day(value)}"


def clock(value: datetime.datetime | datetime.time, language: str | None = None) -> str:
    """ "08:30": 24-hour times in both languages."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    with translation.override(language or translation.get_language()):
        return formats.time_format(value, "TIME_FORMAT")


def moment(value: datetime.datetime, language: str | None = None, *, seconds: bool = False) -> str:
    """ "08:30 ngày 7 tháng 12 năm 2026", "7 December 2026, 08:30"; with `seconds`, "08:30:15"
    (a signature, an access to a paper)."""
    if not seconds:
        return _formatted(value, "DATETIME_FORMAT", language)
    with translation.override(language or translation.get_language()):
        pattern = formats.get_format("DATETIME_FORMAT").replace("H:i", "H:i:s")
        return formats.date_format(_local(value), pattern)


def short_day(value: datetime.date | datetime.datetime, language: str | None = None) -> str:
    """ "07/12/2026": for tables and lists where the long form does not fit."""
    return _formatted(value, "SHORT_DATE_FORMAT", language)


def official_day(value: datetime.date) -> str:
    """The date of a Vietnamese administrative document as Decree 30/2020/ND-CP writes it:
    a day below 10 and the months January and February take a leading zero
    ("ngày 05 tháng 02 năm 2026", but "ngày 17 tháng 12 năm 2026")."""
    day_text = f"{value.day:02d}" if value.day < 10 else str(value.day)
    month_text = f"{value.month:02d}" if value.month < 3 else str(value.month)
    return f"ngày {day_text} tháng {month_text} năm {value.year}"


def number(
    value: int | float | Decimal, language: str | None = None, decimals: int | None = None
) -> str:
    """ "1,5" in Vietnamese, "1.5" in English; thousands grouped ("1.234,5", "1,234.5")."""
    with translation.override(language or translation.get_language()):
        return formats.number_format(value, decimals, use_l10n=True, force_grouping=True)
