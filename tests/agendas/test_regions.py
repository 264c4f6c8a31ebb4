"""The agenda and voting regions: each audience receives what its pages show, never what it
may not see (the chair's controls, an unpublished agenda, a hidden comment's words, someone
else's ballot), and each person their own boxes alone."""

from __future__ import annotations

import json
from typing import Any

from agendas import services
from meetings import permissions
from meetings import services as meeting_services
from meetings.models import Meeting
from realtime import regions
from realtime.models import MeetingEvent
from tests.agendas.conftest import AgendaPlan
from tests.conftest import Personas, pushed_message
from tests.rendering import drawings
from voting import services as voting_services

VIEW, RUN, MANAGE = permissions.VIEW_MEETING, permissions.RUN_MEETING, permissions.MANAGE_MEETING
MEMBER = frozenset({VIEW})
CHAIR = frozenset({VIEW, RUN})
SECRETARY = frozenset({VIEW, MANAGE})


def last_event(meeting: Meeting) -> MeetingEvent:
    return MeetingEvent.objects.filter(meeting=meeting).latest("seq")


def rendered(meeting: Meeting, people: list[int] | None = None) -> dict[str, Any]:
    return pushed_message(last_event(meeting), people or [])


def shown(message: dict[str, Any], rights: frozenset[str], language: str = "en") -> dict[str, str]:
    frame = json.loads(message["frames"][regions.audience_key(language, rights)])
    assert frame["fetch"] is False
    html: dict[str, str] = frame["regions"]
    return html


def own(message: dict[str, Any], user_id: int, language: str = "en") -> dict[str, str]:
    html: dict[str, str] = json.loads(message["personal"][f"{user_id}|{language}"])["regions"]
    return html


def test_an_unpublished_agenda_never_reaches_members(
    government: Personas, agenda: AgendaPlan
) -> None:
    meeting = agenda.meeting
    services.agenda_item_create(actor=government.secretary, meeting=meeting, title="Secret plan")
    message = rendered(meeting)

    assert "Secret plan" in shown(message, SECRETARY)["agenda-items"]
    assert "Secret plan" in shown(message, SECRETARY)["session-agenda"]
    for rights in (MEMBER, CHAIR):
        assert shown(message, rights) == {}
    assert "Secret plan" not in json.dumps(
        {k: v for k, v in message["frames"].items() if "manage" not in k}
    )

    services.agenda_publish(actor=government.secretary, meeting=meeting)
    published = rendered(meeting)
    assert "Secret plan" in shown(published, MEMBER)["session-agenda"]
    assert "Secret plan" in shown(published, MEMBER)["agenda"]
    # The editor is the secretariat's page: its regions go to nobody else.
    assert "agenda-items" not in shown(published, MEMBER)
    assert "agenda-items" not in shown(published, CHAIR)

    services.agenda_unpublish(actor=government.secretary, meeting=meeting)
    withdrawn = shown(rendered(meeting), MEMBER)
    assert "Secret plan" not in json.dumps(withdrawn)
    assert "has not been published yet" in withdrawn["agenda"]


def test_starting_an_item_draws_the_session_for_each_audience(
    government: Personas, session: AgendaPlan
) -> None:
    meeting = session.meeting
    services.agenda_item_start(actor=government.chair, item=session.decree)
    message = rendered(meeting)
    member, chair = shown(message, MEMBER), shown(message, CHAIR)

    assert "Draft decree on e-government" in member["current-item"]
    assert "End the item" not in member["current-item"]
    assert "End the item" in chair["console-current"]
    assert "console-current" not in member and "console-agenda" not in member
    assert "Start" in chair["console-agenda"]
    # The item's own card and speakers, for its item page.
    assert f"item-panel-{session.decree.pk}" in member
    assert f"speakers-{session.decree.pk}" in member
    # Whether each person may ask for the floor is theirs: a placeholder for everyone...
    assert "data-placeholder" in member["current-item"]
    # ...and their own box to each person in the room.
    present = government.voters[0]
    assert "Ask to speak" in own(message, present.pk)[f"ask-{session.decree.pk}"]
    absent = government.voters[25]
    assert "Ask to speak" not in own(message, absent.pk)[f"ask-{session.decree.pk}"]
    assert "csrfmiddlewaretoken" not in json.dumps(message)


def test_a_request_to_speak_changes_the_queue_for_all_and_the_box_for_the_speaker(
    government: Personas, session: AgendaPlan
) -> None:
    meeting = session.meeting
    services.agenda_item_start(actor=government.chair, item=session.decree)
    speaker = government.members[0]
    services.speaker_request(actor=speaker, item=session.decree)
    message = rendered(meeting, [speaker.pk])

    queue = shown(message, MEMBER)[f"speakers-{session.decree.pk}"]
    assert speaker.get_full_name() in queue
    assert "Give the floor" not in queue
    # The withdraw button is there, marked for the speaker alone; "Remove" is the chair's.
    assert f'data-only-for="{speaker.pk}"' in queue and "Remove" not in queue
    assert "Give the floor" in shown(message, CHAIR)[f"speakers-{session.decree.pk}"]
    assert set(message["personal"]) == {f"{speaker.pk}|en", f"{speaker.pk}|vi"}
    box = own(message, speaker.pk)[f"ask-{session.decree.pk}"]
    assert "Ask to speak" not in box and "Point of order" in box


def test_a_hidden_comments_words_reach_only_those_who_moderate(
    government: Personas, session: AgendaPlan
) -> None:
    meeting = session.meeting
    services.agenda_item_start(actor=government.chair, item=session.decree)
    comment = services.comment_post(
        actor=government.members[0], item=session.decree, text="An insult to the minister"
    )
    posted = rendered(meeting)
    assert "An insult" in shown(posted, MEMBER)[f"comments-{session.decree.pk}"]

    services.comment_hide(actor=government.chair, comment=comment)
    message = rendered(meeting)
    member, chair = shown(message, MEMBER), shown(message, CHAIR)
    # Only the comment's entry and the count, not the list.
    assert set(member) == {f"comment-{comment.pk}", f"comment-count-{session.decree.pk}"}
    assert "An insult" not in json.dumps(
        {k: v for k, v in message["frames"].items() if k.endswith(f"|{VIEW}")}
    )
    assert "hidden by the chair" in member[f"comment-{comment.pk}"]
    assert "An insult" in chair[f"comment-{comment.pk}"]
    assert "An insult" in shown(message, SECRETARY)[f"comment-{comment.pk}"]

    mine = services.comment_post(actor=government.members[1], item=session.decree, text="Oops")
    services.comment_delete(actor=government.members[1], comment=mine)
    deleted = rendered(meeting)
    assert "Oops" not in shown(deleted, MEMBER)[f"comment-{mine.pk}"]
    assert "Oops" in shown(deleted, CHAIR)[f"comment-{mine.pk}"]


def test_a_stopped_timer_or_a_closed_meeting_leaves_no_clock(
    government: Personas, session: AgendaPlan
) -> None:
    meeting = session.meeting
    services.timer_start(actor=government.chair, meeting=meeting, seconds=120)
    started = shown(rendered(meeting), MEMBER)
    assert 'data-count-down="1' in started["chair-timer"]
    assert "timer-stop" not in started
    assert "Stop" in shown(rendered(meeting), CHAIR)["timer-stop"]

    services.timer_stop(actor=government.chair, meeting=meeting)
    stopped = shown(rendered(meeting), MEMBER)
    assert "data-count-down" not in stopped["chair-timer"] and "hidden" in stopped["chair-timer"]

    services.timer_start(actor=government.chair, meeting=meeting, seconds=60)
    meeting_services.meeting_adjourn(actor=government.chair, meeting=meeting)
    meeting_services.meeting_close(actor=government.secretary, meeting=meeting)
    event = MeetingEvent.objects.get(meeting=meeting, type="meetings.meeting_closed")
    closed = shown(pushed_message(event, []), MEMBER)
    assert "data-count-down" not in closed["chair-timer"]


def test_a_prepared_vote_reaches_only_the_chair_and_a_ballot_only_the_voter(
    government: Personas, session: AgendaPlan
) -> None:
    meeting = session.meeting
    services.agenda_item_start(actor=government.chair, item=session.decree)
    poll = voting_services.poll_create(
        actor=government.chair, item=session.decree, question="Adopt the decree?"
    )
    created = rendered(meeting)
    assert "Adopt the decree?" in shown(created, CHAIR)[f"console-votes-{session.decree.pk}"]
    assert "Open the vote" in shown(created, CHAIR)[f"console-votes-{session.decree.pk}"]
    assert shown(created, MEMBER) == {}

    voting_services.poll_open(actor=government.chair, poll=poll)
    opened = rendered(meeting)
    votes = shown(opened, MEMBER)[f"votes-{session.decree.pk}"]
    assert "Adopt the decree?" in votes and "Close the vote" not in votes
    # The ballot box is each person's: a placeholder in the shared panel.
    assert f'id="ballot-{poll.pk}"' in votes and "Yes" not in votes
    voter = government.members[0]
    assert "vote-yes" in own(opened, voter.pk)[f"ballot-{poll.pk}"]
    assert "vote-yes" not in own(opened, government.voters[25].pk)[f"ballot-{poll.pk}"]

    voting_services.ballot_cast(actor=voter, poll=poll, answer="yes")
    cast = rendered(meeting, [voter.pk])
    # Nobody's panel is drawn again: the turnout travels in the payload.
    assert all(shown(cast, rights) == {} for rights in (MEMBER, CHAIR, SECRETARY))
    assert set(cast["personal"]) == {f"{voter.pk}|en", f"{voter.pk}|vi"}
    box = own(cast, voter.pk)[f"ballot-{poll.pk}"]
    assert "You voted: Yes." in box and "vote-yes" not in box


def test_moving_an_item_renumbers_the_pages_of_the_items_it_passed(
    government: Personas, agenda: AgendaPlan
) -> None:
    meeting = agenda.meeting
    services.agenda_publish(actor=government.secretary, meeting=meeting)
    services.agenda_item_move(
        actor=government.secretary, item=agenda.report, parent=None, position=0
    )

    for rights in (MEMBER, CHAIR, SECRETARY):
        numbers = shown(rendered(meeting), rights)
        assert "Item 1 ·" in numbers[f"item-number-{agenda.report.pk}"]
        assert "Item 2.1 ·" in numbers[f"item-number-{agenda.budget_revenue.pk}"]
        assert "Item 3 ·" in numbers[f"item-number-{agenda.decree.pk}"]


def test_a_new_item_is_offered_at_once_as_a_parent_in_the_secretariats_editor(
    government: Personas, agenda: AgendaPlan
) -> None:
    meeting = agenda.meeting
    services.agenda_publish(actor=government.secretary, meeting=meeting)
    services.agenda_item_create(actor=government.secretary, meeting=meeting, title="Ethics code")
    message = rendered(meeting)

    assert ">4 Ethics code</option>" in shown(message, SECRETARY)["agenda-item-parent"]
    for rights in (MEMBER, CHAIR):
        assert "agenda-item-parent" not in shown(message, rights)


def test_everyones_ask_boxes_are_drawn_once_per_state_not_once_per_person(
    government: Personas, session: AgendaPlan
) -> None:
    meeting = session.meeting
    asker = government.voters[0]
    services.speaker_request(actor=asker, item=session.decree)
    meeting_services.meeting_adjourn(actor=government.chair, meeting=meeting)
    meeting_services.meeting_reconvene(actor=government.chair, meeting=meeting)
    with drawings("agendas/_ask.html") as drawn:
        message = rendered(meeting)

    people = {key.split("|")[0] for key in message["personal"]}
    assert len(people) >= 27
    # Every person has their own box on the decree...
    box = f"ask-{session.decree.pk}"
    present, absent = government.voters[1], government.voters[25]
    assert "Ask to speak" in own(message, present.pk)[box]
    assert "Ask to speak" not in own(message, asker.pk)[box]
    assert "Ask to speak" not in own(message, absent.pk)[box]
    # ...drawn once per language for everyone in the same state (in the room or not, asked
    # already or not), not once per person.
    boxes = [key for key in own(message, present.pk) if key.startswith("ask-")]
    states = 3  # in the room without a request, in the room with one, not in the room
    assert len(drawn) <= len(regions.languages()) * states * len(boxes)


def test_everyones_ballot_boxes_are_drawn_once_per_state_not_once_per_person(
    government: Personas, session: AgendaPlan
) -> None:
    meeting = session.meeting
    services.agenda_item_start(actor=government.chair, item=session.decree)
    poll = voting_services.poll_create(
        actor=government.chair, item=session.decree, question="Adopt the decree?"
    )
    voting_services.poll_open(actor=government.chair, poll=poll)
    voter = government.members[0]
    voting_services.ballot_cast(actor=voter, poll=poll, answer="yes")
    meeting_services.meeting_adjourn(actor=government.chair, meeting=meeting)
    meeting_services.meeting_reconvene(actor=government.chair, meeting=meeting)
    with drawings("voting/_ballot.html") as drawn:
        message = rendered(meeting)

    box = f"ballot-{poll.pk}"
    undecided, absent = government.voters[2], government.voters[25]
    assert "vote-yes" in own(message, undecided.pk)[box]
    assert "You voted: Yes." in own(message, voter.pk)[box]
    assert "vote-yes" not in own(message, absent.pk)[box]
    # Each form still carries a key of its own rendering, which makes a retry idempotent.
    assert 'name="request_key" value=""' not in own(message, undecided.pk)[box]
    # Drawn once per language for everyone in the same state (may vote, voted, may not vote),
    # and once more for the voter, whose own named ballot is theirs alone.
    states = 4
    assert len(drawn) <= len(regions.languages()) * states
