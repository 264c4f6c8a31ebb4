"""Fixtures the meetings tests share."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from meetings.models import Body, Meeting
from tests.conftest import Personas


@pytest.fixture
def member(government: Personas) -> User:
    return government.members[0]


@pytest.fixture
def remote_meeting(government: Personas, meeting: Meeting) -> Meeting:
    """The meeting of a body whose members may attend remotely, counted for the quorum."""
    Body.objects.filter(pk=government.body.pk).update(
        remote_attendance_allowed=True, remote_counts_for_quorum=True
    )
    return meeting
