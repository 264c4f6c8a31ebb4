"""A Government session with a decision item in progress, ready for votes."""

from __future__ import annotations

from meetings.models import Meeting
from tests.agendas.conftest import AgendaPlan, decree_under_discussion
from tests.conftest import Personas
from tests.prebuilt import prebuilt_fixture


@prebuilt_fixture
def sitting(government: Personas, meeting: Meeting) -> AgendaPlan:
    """20 of the 27 members in the room, the session open, the decree under discussion."""
    plan = decree_under_discussion(government, meeting)
    plan.meeting.refresh_from_db()
    return plan
