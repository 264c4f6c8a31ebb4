"""The agenda, the floor and comments through the services: who may, when, and what is logged."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from agendas import selectors, services
from agendas.models import AgendaItem, Comment, Speaker
from core.errors import ServiceError
from meetings.models import Meeting
from realtime.models import MeetingEvent
from tests.agendas.conftest import AgendaPlan, event_types, last_event
from tests.conftest import Personas, check_in

S = AgendaItem.Status


def numbers(meeting: Meeting) -> list[tuple[str, str]]:
    return [(row.number, row.item.title) for row in selectors.agenda_overview(meeting).rows]


# Building the agenda


def test_items_are_numbered_by_the_tree(agenda: AgendaPlan) -> None:
    assert numbers(agenda.meeting) == [
        ("1", "State budget 2027"),
        ("1.1", "Revenue"),
        ("1.2", "Spending"),
        ("2", "Draft decree on e-government"),
        ("3", "Socio-economic report"),
    ]


def test_moving_an_item_renumbers_the_agenda(government: Personas, agenda: AgendaPlan) -> None:
    services.agenda_item_move(
        actor=government.secretary, item=agenda.report, parent=None, position=0
    )
    services.agenda_item_move(
        actor=government.secretary, item=agenda.budget_spending, parent=agenda.decree, position=0
    )
    assert numbers(agenda.meeting) == [
        ("1", "Socio-economic report"),
        ("2", "State budget 2027"),
        ("2.1", "Revenue"),
        ("3", "Draft decree on e-government"),
        ("3.1", "Spending"),
    ]
    assert last_event(agenda.meeting).type == "agendas.item_moved"


def test_an_item_cannot_move_into_its_own_sub_item(
    government: Personas, agenda: AgendaPlan
) -> None:
    with pytest.raises(ServiceError, match="into itself"):
        services.agenda_item_move(
            actor=government.secretary,
            item=agenda.budget,
            parent=agenda.budget_revenue,
            position=0,
        )


def test_items_nest_three_levels_at_most(government: Personas, agenda: AgendaPlan) -> None:
    third = services.agenda_item_create(
        actor=government.secretary,
        meeting=agenda.meeting,
        title="Taxes",
        parent=agenda.budget_revenue,
    )
    assert numbers(agenda.meeting)[2] == ("1.1.1", "Taxes")
    with pytest.raises(ServiceError, match="3 levels"):
        services.agenda_item_create(
            actor=government.secretary, meeting=agenda.meeting, title="VAT", parent=third
        )
    with pytest.raises(ServiceError, match="3 levels"):
        services.agenda_item_move(
            actor=government.secretary, item=agenda.budget, parent=agenda.decree, position=0
        )


def test_only_the_secretariat_prepares_the_agenda(government: Personas, agenda: AgendaPlan) -> None:
    for person in (government.chair, government.members[0]):
        with pytest.raises(PermissionDenied):
            services.agenda_item_create(actor=person, meeting=agenda.meeting, title="Other")
        with pytest.raises(PermissionDenied):
            services.agenda_item_update(actor=person, item=agenda.decree, title="Other")
        with pytest.raises(PermissionDenied):
            services.agenda_publish(actor=person, meeting=agenda.meeting)


def test_an_item_needs_a_title(government: Personas, meeting: Meeting) -> None:
    with pytest.raises(ServiceError, match="title"):
        services.agenda_item_create(actor=government.secretary, meeting=meeting, title="  ")
    assert not AgendaItem.objects.exists()


def test_the_timeline_projects_each_item_from_the_start(agenda: AgendaPlan) -> None:
    overview = selectors.agenda_overview(agenda.meeting)
    starts = [row.projected_start for row in overview.rows]
    minute = datetime.timedelta(minutes=1)
    assert starts[0] == agenda.meeting.starts_at
    assert starts[1] == agenda.meeting.starts_at + 30 * minute
    assert starts[3] == agenda.meeting.starts_at + 70 * minute
    assert overview.projected_end == agenda.meeting.starts_at + 130 * minute
    assert overview.overrun_minutes == 0


def test_an_unpublished_agenda_is_announced_only_to_the_secretariat(
    agenda: AgendaPlan,
) -> None:
    assert last_event(agenda.meeting).restricted_to == "meetings.manage_meeting"


def test_publishing_tells_every_invitee(
    government: Personas, agenda: AgendaPlan, django_capture_on_commit_callbacks: object
) -> None:
    government.members[0].email = "minister@example.org"
    government.members[0].save()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        services.agenda_publish(actor=government.secretary, meeting=agenda.meeting)
    event = last_event(agenda.meeting)
    assert (event.type, event.restricted_to) == ("agendas.agenda_published", "")
    [message] = [m for m in mail.outbox if "minister@example.org" in m.to]
    assert "Agenda" in message.subject
    assert "1.2. Spending" in message.body


def test_a_draft_meeting_agenda_cannot_be_published(
    government: Personas, draft_meeting: Meeting
) -> None:
    services.agenda_item_create(actor=government.secretary, meeting=draft_meeting, title="One")
    with pytest.raises(ServiceError, match="Schedule the meeting first"):
        services.agenda_publish(actor=government.secretary, meeting=draft_meeting)


def test_an_empty_agenda_cannot_be_published(government: Personas, meeting: Meeting) -> None:
    with pytest.raises(ServiceError, match="at least one item"):
        services.agenda_publish(actor=government.secretary, meeting=meeting)


def test_a_discussed_item_cannot_be_deleted(government: Personas, session: AgendaPlan) -> None:
    services.comment_post(actor=government.members[0], item=session.decree, text="Agreed.")
    with pytest.raises(ServiceError, match="defer it instead"):
        services.agenda_item_delete(actor=government.secretary, item=session.decree)
    services.agenda_item_delete(actor=government.secretary, item=session.budget)
    assert numbers(session.meeting) == [
        ("1", "Draft decree on e-government"),
        ("2", "Socio-economic report"),
    ]


# Leading the session


def test_the_chair_takes_items_up_in_turn(government: Personas, session: AgendaPlan) -> None:
    before = last_event(session.meeting).seq
    services.agenda_item_start(actor=government.chair, item=session.budget)
    services.agenda_item_start(actor=government.chair, item=session.decree)
    session.budget.refresh_from_db()
    session.decree.refresh_from_db()
    assert session.budget.status == S.DONE and session.budget.ended_at is not None
    assert session.decree.status == S.IN_PROGRESS
    assert event_types(session.meeting, before) == [
        "agendas.item_started",
        "agendas.item_ended",
        "agendas.item_started",
    ]
    assert selectors.agenda_overview(session.meeting).current.item == session.decree  # type: ignore[union-attr]


def test_a_deferred_item_can_be_taken_up_again(government: Personas, session: AgendaPlan) -> None:
    services.agenda_item_defer(actor=government.chair, item=session.budget)
    assert AgendaItem.objects.get(pk=session.budget.pk).status == S.DEFERRED
    services.agenda_item_start(actor=government.chair, item=session.budget)
    services.agenda_item_end(actor=government.chair, item=session.budget)
    with pytest.raises(ServiceError, match="done"):
        services.agenda_item_start(actor=government.chair, item=session.budget)


def test_only_the_chair_leads_items(government: Personas, session: AgendaPlan) -> None:
    for person in (government.secretary, government.members[0]):
        with pytest.raises(PermissionDenied):
            services.agenda_item_start(actor=person, item=session.budget)
    services.agenda_item_start(actor=government.vice_chairs[0], item=session.budget)


def test_items_are_led_only_during_the_session(government: Personas, agenda: AgendaPlan) -> None:
    with pytest.raises(ServiceError, match="Only during the session"):
        services.agenda_item_start(actor=government.chair, item=agenda.budget)


def test_the_chair_timer(government: Personas, session: AgendaPlan) -> None:
    agenda = services.timer_start(actor=government.chair, meeting=session.meeting, seconds=300)
    assert agenda.timer_ends_at - agenda.timer_started_at == datetime.timedelta(minutes=5)  # type: ignore[operator]
    assert last_event(session.meeting).type == "agendas.timer_started"
    with pytest.raises(PermissionDenied):
        services.timer_stop(actor=government.members[0], meeting=session.meeting)
    with pytest.raises(ServiceError, match="24 hours"):
        services.timer_start(actor=government.chair, meeting=session.meeting, seconds=0)
    services.timer_stop(actor=government.chair, meeting=session.meeting)
    assert last_event(session.meeting).type == "agendas.timer_stopped"


# The floor


def test_points_of_order_go_ahead_of_the_queue(government: Personas, session: AgendaPlan) -> None:
    first, second, third = government.members[:3]
    services.agenda_item_start(actor=government.chair, item=session.decree)
    services.speaker_request(actor=first, item=session.decree)
    services.speaker_request(actor=second, item=session.decree)
    services.speaker_request(actor=third, item=session.decree, kind=Speaker.Kind.POINT_OF_ORDER)
    queue = selectors.speaker_list(session.decree)
    assert [s.user for s in queue.waiting] == [third, first, second]
    services.floor_give_next(actor=government.chair, item=session.decree)
    services.floor_give_next(actor=government.chair, item=session.decree)
    queue = selectors.speaker_list(session.decree)
    assert queue.speaking is not None and queue.speaking.user == first
    assert [s.user for s in queue.spoken] == [third]
    assert [s.user for s in queue.waiting] == [second]


def test_the_floor_carries_the_speaking_time(government: Personas, session: AgendaPlan) -> None:
    services.agenda_settings_update(
        actor=government.secretary, meeting=session.meeting, speaking_limit_seconds=180
    )
    services.agenda_item_start(actor=government.chair, item=session.decree)
    request = services.speaker_request(actor=government.members[0], item=session.decree)
    speaker = services.floor_give(actor=government.chair, speaker=request)
    assert speaker.limit_seconds == 180
    event = last_event(session.meeting)
    assert event.type == "agendas.floor_given"
    assert event.payload["user"] == government.members[0].pk
    assert event.payload["limit_seconds"] == 180
    services.floor_end(actor=government.chair, speaker=speaker)
    assert Speaker.objects.get(pk=speaker.pk).status == Speaker.Status.DONE


def test_asking_twice_is_refused(government: Personas, session: AgendaPlan) -> None:
    services.speaker_request(actor=government.members[0], item=session.decree)
    with pytest.raises(ServiceError, match="already on the list"):
        services.speaker_request(actor=government.members[0], item=session.decree)
    assert Speaker.objects.count() == 1


def test_the_floor_is_for_those_in_the_room(government: Personas, session: AgendaPlan) -> None:
    absent = government.members[-1]  # the last voters have not checked in
    with pytest.raises(ServiceError, match="Check in first"):
        services.speaker_request(actor=absent, item=session.decree)
    check_in(session.meeting, [absent])
    services.speaker_request(actor=absent, item=session.decree)


def test_outsiders_cannot_ask_for_the_floor(session: AgendaPlan, outsider: object) -> None:
    with pytest.raises(PermissionDenied):
        services.speaker_request(actor=outsider, item=session.decree)  # type: ignore[arg-type]


def test_a_point_of_order_concerns_the_item_in_progress(
    government: Personas, session: AgendaPlan
) -> None:
    with pytest.raises(ServiceError, match="point of order"):
        services.speaker_request(
            actor=government.members[0], item=session.decree, kind=Speaker.Kind.POINT_OF_ORDER
        )


def test_withdrawing_is_for_the_person_or_the_chair(
    government: Personas, session: AgendaPlan
) -> None:
    request = services.speaker_request(actor=government.members[0], item=session.decree)
    with pytest.raises(PermissionDenied):
        services.speaker_withdraw(actor=government.members[1], speaker=request)
    services.speaker_withdraw(actor=government.members[0], speaker=request)
    assert last_event(session.meeting).type == "agendas.speaker_withdrawn"
    again = services.speaker_request(actor=government.members[0], item=session.decree)
    services.speaker_withdraw(actor=government.chair, speaker=again)


def test_ending_an_item_ends_the_turn_and_closes_the_list(
    government: Personas, session: AgendaPlan
) -> None:
    services.agenda_item_start(actor=government.chair, item=session.decree)
    speaking = services.floor_give(
        actor=government.chair,
        speaker=services.speaker_request(actor=government.members[0], item=session.decree),
    )
    waiting = services.speaker_request(actor=government.members[1], item=session.decree)
    services.agenda_item_end(actor=government.chair, item=session.decree)
    assert Speaker.objects.get(pk=speaking.pk).status == Speaker.Status.DONE
    assert Speaker.objects.get(pk=waiting.pk).status == Speaker.Status.NOT_CALLED
    assert last_event(session.meeting).payload["not_called"] == [waiting.pk]
    with pytest.raises(ServiceError, match="list of speakers is closed"):
        services.speaker_request(actor=government.members[2], item=session.decree)


def test_the_floor_is_given_on_the_item_in_progress(
    government: Personas, session: AgendaPlan
) -> None:
    request = services.speaker_request(actor=government.members[0], item=session.decree)
    with pytest.raises(ServiceError, match="Start the item first"):
        services.floor_give(actor=government.chair, speaker=request)
    with pytest.raises(PermissionDenied):
        services.floor_give(actor=government.secretary, speaker=request)


# Comments


def test_members_comment_and_change_their_own(government: Personas, session: AgendaPlan) -> None:
    author, other = government.members[:2]
    comment = services.comment_post(actor=author, item=session.decree, text=" Support. ")
    assert comment.text == "Support."
    event = last_event(session.meeting)
    assert event.type == "agendas.comment_posted"
    assert "Support" not in str(event.payload)
    with pytest.raises(PermissionDenied):
        services.comment_edit(actor=other, comment=comment, text="Changed")
    with pytest.raises(PermissionDenied):
        services.comment_delete(actor=other, comment=comment)
    services.comment_edit(actor=author, comment=comment, text="Support, with a remark.")
    comment.refresh_from_db()
    assert [r.text for r in comment.revisions.all()] == ["Support."]
    services.comment_delete(actor=author, comment=comment)
    assert Comment.objects.get(pk=comment.pk).deleted_at is not None
    assert list(selectors.comment_list(session.decree, moderator=False)) == []
    assert list(selectors.comment_list(session.decree, moderator=True)) == [comment]


def test_the_chair_and_secretariat_hide_comments(government: Personas, session: AgendaPlan) -> None:
    comment = services.comment_post(actor=government.members[0], item=session.decree, text="x")
    with pytest.raises(PermissionDenied):
        services.comment_hide(actor=government.members[1], comment=comment)
    services.comment_hide(actor=government.secretary, comment=comment)
    assert last_event(session.meeting).type == "agendas.comment_hidden"
    with pytest.raises(ServiceError, match="hidden by the chair"):
        services.comment_edit(actor=government.members[0], comment=comment, text="y")
    other = services.comment_post(actor=government.members[0], item=session.decree, text="z")
    services.comment_hide(actor=government.chair, comment=other)


@pytest.mark.parametrize("text", ["", "   ", "x" * 4001])
def test_a_comment_must_have_a_sensible_length(
    government: Personas, session: AgendaPlan, text: str
) -> None:
    with pytest.raises(ServiceError):
        services.comment_post(actor=government.members[0], item=session.decree, text=text)
    assert not Comment.objects.exists()


def test_members_cannot_comment_on_an_unpublished_agenda(
    government: Personas, agenda: AgendaPlan
) -> None:
    with pytest.raises(PermissionDenied):
        services.comment_post(actor=government.members[0], item=agenda.decree, text="Early")
    services.comment_post(actor=government.secretary, item=agenda.decree, text="Draft note")
    assert last_event(agenda.meeting).restricted_to == "meetings.manage_meeting"


def test_a_refused_change_logs_nothing(government: Personas, session: AgendaPlan) -> None:
    count = MeetingEvent.objects.count()
    with pytest.raises(ServiceError):
        services.agenda_item_end(actor=government.chair, item=session.decree)
    assert MeetingEvent.objects.count() == count


def test_a_change_leaves_the_callers_meeting_reading_the_real_agenda(
    government: Personas, session: AgendaPlan
) -> None:
    """The same meeting object serves one change after another, as in a view."""
    meeting = session.decree.meeting
    services.agenda_item_start(actor=government.chair, item=session.decree)
    assert selectors.agenda_overview(meeting).is_published
    comment = services.comment_post(actor=government.members[0], item=session.decree, text="Yes.")
    assert comment.text == "Yes."
