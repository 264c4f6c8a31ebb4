"""Signals the meetings app sends, for apps that follow meetings without meetings knowing them.

`meeting_closed` is sent inside `meeting_close`'s transaction, once the meeting is closed and
its event logged, with `meeting` and `actor` (who closed it). A receiver that writes does so
in the same transaction; it must contain its own failures (a savepoint) unless it means to
undo the close.
"""

from django.dispatch import Signal

meeting_closed = Signal()
