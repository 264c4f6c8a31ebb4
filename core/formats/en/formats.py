"""English dates as the record writes them: day before month, 24-hour times ("7 December 2026,
08:30"), not Django's US defaults ("Dec. 7, 2026, 8:30 a.m.")."""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
