"""What the agenda publishes: restricted while unpublished, in order under concurrency, and
the screens read with a fixed number of queries."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agendas import selectors, services
from agendas.models import AgendaItem, Speaker
from meetings import services as meeting_services
from meetings.models import Meeting
from realtime.models import MeetingEvent
from tests.agendas.conftest import AgendaPlan, build_agenda
from tests.conftest import Personas, _build_body, check_in, plan_meeting


def events_of(user: User, meeting: Meeting) -> list[dict[str, Any]]:
    client = Client()
    client.force_login(user)
    return client.get(f"/api/v1/meetings/{meeting.pk}/events/?since=0").json()["events"]


def test_a_draft_agenda_never_reaches_members(government: Personas, agenda: AgendaPlan) -> None:
    member_events = events_of(government.members[0], agenda.meeting)
    secretary_events = events_of(government.secretary, agenda.meeting)
    drafts = {e["seq"] for e in secretary_events if e["event"] == "agendas.item_created"}
    assert len(drafts) == 5
    # The member has their numbers, and not even what kind of change they were.
    assert all(
        e["event"] is None and e["payload"] is None and e["restricted"]
        for e in member_events
        if e["seq"] in drafts
    )
    assert [
        e["payload"]["item"] for e in secretary_events if e["event"] == "agendas.item_created"
    ] == [
        agenda.budget.pk,
        agenda.budget_revenue.pk,
        agenda.budget_spending.pk,
        agenda.decree.pk,
        agenda.report.pk,
    ]


def test_once_published_every_change_reaches_members(
    government: Personas, session: AgendaPlan
) -> None:
    services.agenda_item_start(actor=government.chair, item=session.decree)
    last = events_of(government.members[0], session.meeting)[-1]
    assert last["event"] == "agendas.item_started"
    assert last["payload"]["item"] == session.decree.pk


def _in_parallel(calls: list[Callable[[], object]]) -> list[BaseException]:
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            call()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_chair_and_a_vice_chair_starting_items_at_once(secretariat: User) -> None:
    gov = _build_body(secretariat, name="Government", kind="government", vice_chairs=4, members=22)
    meeting = meeting_services.meeting_schedule(
        actor=gov.secretary, meeting=plan_meeting(gov, starts_in=datetime.timedelta(hours=1))
    )
    agenda = build_agenda(gov, meeting)
    services.agenda_publish(actor=gov.secretary, meeting=meeting)
    check_in(meeting, gov.voters[:20])
    meeting_services.meeting_start(actor=gov.chair, meeting=meeting)
    items = [agenda.budget, agenda.decree, agenda.report, agenda.budget_revenue]
    leaders = [gov.chair, *gov.vice_chairs[:3]]
    errors = _in_parallel(
        [
            lambda item=item, leader=leader: services.agenda_item_start(actor=leader, item=item)
            for item, leader in zip(items, leaders, strict=True)
        ]
    )
    assert errors == []
    # Each start ended the one before it: one item in progress, three done, all logged in turn.
    statuses = sorted(
        AgendaItem.objects.filter(pk__in=[i.pk for i in items]).values_list("status", flat=True)
    )
    assert statuses == ["done", "done", "done", "in_progress"]
    types = list(
        MeetingEvent.objects.filter(meeting=meeting, type__startswith="agendas.item_")
        .exclude(type="agendas.item_created")
        .order_by("seq")
        .values_list("type", flat=True)
    )
    assert types == ["agendas.item_started"] + ["agendas.item_ended", "agendas.item_started"] * 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_double_tap_on_ask_to_speak_queues_once(secretariat: User) -> None:
    gov = _build_body(secretariat, name="Government", kind="government", vice_chairs=4, members=22)
    meeting = meeting_services.meeting_schedule(
        actor=gov.secretary, meeting=plan_meeting(gov, starts_in=datetime.timedelta(hours=1))
    )
    agenda = build_agenda(gov, meeting)
    services.agenda_publish(actor=gov.secretary, meeting=meeting)
    check_in(meeting, gov.voters[:20])
    meeting_services.meeting_start(actor=gov.chair, meeting=meeting)
    member = gov.members[0]
    errors = _in_parallel(
        [lambda: services.speaker_request(actor=member, item=agenda.decree) for _ in range(4)]
    )
    assert len(errors) == 3
    assert all("already on the list" in str(error) for error in errors)
    assert Speaker.objects.filter(user=member).count() == 1


def test_the_agenda_reads_with_a_fixed_number_of_queries(
    government: Personas, session: AgendaPlan
) -> None:
    def queries() -> int:
        meeting = Meeting.objects.get(pk=session.meeting.pk)
        with CaptureQueriesContext(connection) as captured:
            selectors.agenda_overview(meeting)
        return len(captured)

    before = queries()
    for n in range(30):
        services.agenda_item_create(
            actor=government.secretary,
            meeting=session.meeting,
            title=f"Extra {n}",
            parent=session.decree if n % 2 else None,
        )
    assert queries() == before


@pytest.mark.parametrize("page", ["session", "console"])
def test_the_live_pages_read_with_a_fixed_number_of_queries(
    government: Personas, session: AgendaPlan, page: str
) -> None:
    services.agenda_item_start(actor=government.chair, item=session.decree)
    client = Client()
    client.force_login(government.chair)
    url = reverse(f"agendas:{page}", args=[session.meeting.pk])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    queries()  # the first request also touches the session
    before = queries()
    for n in range(20):
        services.agenda_item_create(
            actor=government.secretary, meeting=session.meeting, title=f"More {n}"
        )
        speaker = services.speaker_request(actor=government.voters[n], item=session.decree)
        services.comment_post(actor=government.voters[n], item=session.decree, text=f"Point {n}")
    assert speaker.status == Speaker.Status.WAITING
    assert queries() == before
