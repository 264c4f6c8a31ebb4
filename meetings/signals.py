"""Signals the meetings app sends, for apps that follow meetings without meetings knowing them.

`meeting_closed` is sent inside `meeting_close`'s transaction, once the meeting is closed and
its event logged, with `meeting` and `actor` (who closed it). A receiver that writes does so
in the same transaction; it must contain its own failures (a savepoint) unless it means to
undo the close.
"""

from django.dispatch import Signal

meeting_closed = Signal()

attendance_corrected = Signal()
"""Sent inside `attendance_record`'s transaction when the secretariat corrects the attendance of
a closed meeting, with `meeting` and `actor`. A receiver that raises `ServiceError` refuses the
correction (the minutes app does once the minutes are approved)."""
