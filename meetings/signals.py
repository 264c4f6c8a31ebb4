"""Signals for apps that must follow a meeting's lifecycle without meetings knowing them
(dependencies point from the other apps to meetings, never back)."""

from django.dispatch import Signal

# Sent by meeting_close inside its transaction, after the meeting is saved as closed, with
# `meeting` and `actor`. A receiver's writes commit or roll back with the closing.
meeting_closed = Signal()
