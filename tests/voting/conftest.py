"""A Government session with a decision item in progress, ready for votes."""

from __future__ import annotations

from agendas import services as agenda_services
from meetings import services as meeting_services
from meetings.models import Meeting
from tests.agendas.conftest import AgendaPlan, build_agenda
from tests.conftest import Personas, check_in
from tests.prebuilt import prebuilt_fixture


@prebuilt_fixture
def sitting(government: Personas, meeting: Meeting) -> AgendaPlan:
    """20 of the 27 members in the room, the session open, the decree under discussion."""
    plan = build_agenda(government, meeting)
    agenda_services.agenda_publish(actor=government.secretary, meeting=meeting)
    check_in(meeting, government.voters[:20])
    meeting_services.meeting_start(actor=government.chair, meeting=meeting)
    agenda_services.agenda_item_start(actor=government.chair, item=plan.decree)
    plan.meeting.refresh_from_db()
    return plan
