"""An agenda built and led through the services, as the secretariat and the chair would."""

from __future__ import annotations

from dataclasses import dataclass

from agendas import services
from agendas.models import AgendaItem
from meetings import services as meeting_services
from meetings.models import Meeting
from realtime.models import MeetingEvent
from tests.conftest import Personas, check_in
from tests.prebuilt import prebuilt_fixture


@dataclass
class AgendaPlan:
    meeting: Meeting
    budget: AgendaItem
    budget_revenue: AgendaItem
    budget_spending: AgendaItem
    decree: AgendaItem
    report: AgendaItem


def build_agenda(government: Personas, meeting: Meeting) -> AgendaPlan:
    secretary = government.secretary

    def add(title: str, **fields: object) -> AgendaItem:
        return services.agenda_item_create(actor=secretary, meeting=meeting, title=title, **fields)

    budget = add(
        "State budget 2027",
        kind=AgendaItem.Kind.DECISION,
        planned_minutes=30,
        presenter="Ministry of Finance",
    )
    return AgendaPlan(
        meeting=meeting,
        budget=budget,
        budget_revenue=add("Revenue", parent=budget, planned_minutes=20),
        budget_spending=add("Spending", parent=budget, planned_minutes=20),
        decree=add(
            "Draft decree on e-government", kind=AgendaItem.Kind.DECISION, planned_minutes=45
        ),
        report=add("Socio-economic report", kind=AgendaItem.Kind.INFORMATION, planned_minutes=15),
    )


def decree_under_discussion(government: Personas, meeting: Meeting) -> AgendaPlan:
    """The agenda built and published, 20 of the 27 members checked in, the session open and
    the decree under discussion."""
    plan = build_agenda(government, meeting)
    services.agenda_publish(actor=government.secretary, meeting=meeting)
    check_in(meeting, government.voters[:20])
    meeting_services.meeting_start(actor=government.chair, meeting=meeting)
    services.agenda_item_start(actor=government.chair, item=plan.decree)
    return plan


@prebuilt_fixture
def agenda(government: Personas, meeting: Meeting) -> AgendaPlan:
    """A scheduled meeting's agenda, not yet published."""
    return build_agenda(government, meeting)


@prebuilt_fixture
def session(government: Personas, agenda: AgendaPlan) -> AgendaPlan:
    """The agenda published, a quorum checked in and the session open."""
    services.agenda_publish(actor=government.secretary, meeting=agenda.meeting)
    check_in(agenda.meeting, government.voters[:20])
    meeting_services.meeting_start(actor=government.chair, meeting=agenda.meeting)
    agenda.meeting.refresh_from_db()
    return agenda


def last_event(meeting: Meeting) -> MeetingEvent:
    event = MeetingEvent.objects.filter(meeting=meeting).order_by("seq").last()
    assert event is not None
    return event


def event_types(meeting: Meeting, after: int = 0) -> list[str]:
    return list(
        MeetingEvent.objects.filter(meeting=meeting, seq__gt=after)
        .order_by("seq")
        .values_list("type", flat=True)
    )
