"""Dates in templates through the same helper as in Python (core.dates), in the active
language: `{% load dates %}{{ meeting.starts_at|weekday }}`. The plain forms need no tag:
`|date:"DATE_FORMAT"`, `|date:"DATETIME_FORMAT"`, `|time:"TIME_FORMAT"`."""

from __future__ import annotations

import datetime

from django import template

from core import dates

register = template.Library()


@register.filter
def weekday(value: datetime.date | datetime.datetime | None) -> str:
    """ "Thứ 2, ngày 7 tháng 12 năm 2026", "Monday, 7 December 2026"."""
    return dates.weekday(value) if value else ""


@register.filter
def weekday_clock(value: datetime.datetime | None) -> str:
    """ "Thứ 2, ngày 7 tháng 12 năm 2026, 08:30", "Monday, 7 December 2026, 08:30"."""
    return f"{dates.weekday(value)}, {dates.clock(value)}" if value else ""


@register.filter
def to_the_second(value: datetime.datetime | None) -> str:
    """ "08:30:15 ngày 7 tháng 12 năm 2026", "7 December 2026, 08:30:15"."""
    return dates.moment(value, seconds=True) if value else ""
