"""Vietnamese dates as people write them ("ngày 7 tháng 12 năm 2026", "08:30 ngày 7 tháng 12
năm 2026"), 24-hour times, a decimal comma. Django's own (Vietnamese) formats begin with a
capital "Ngày" and pad the day; what is not set here comes from them."""

# Every letter a date format would read as a code is escaped.
DATE_FORMAT = r"\n\g\à\y j \t\h\á\n\g n \n\ă\m Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = r"H:i \n\g\à\y j \t\h\á\n\g n \n\ă\m Y"
MONTH_DAY_FORMAT = r"\n\g\à\y j \t\h\á\n\g n"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
