"""Live regions: an event's frame carries the changed parts of the meeting pages, rendered once
per audience (language and rights), and each person's own parts only to that person."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext

from agendas import services as agenda_services
from meetings import permissions, services
from meetings.models import Attendance, Meeting
from realtime import events, regions
from realtime.audiences import Held
from realtime.models import MeetingEvent
from tests.agendas.conftest import decree_under_discussion
from tests.conftest import Personas, check_in, pushed_message
from voting import services as voting_services

VIEW, RUN, MANAGE = permissions.VIEW_MEETING, permissions.RUN_MEETING, permissions.MANAGE_MEETING
MEMBER = frozenset({VIEW})
CHAIR = frozenset({VIEW, RUN})
SECRETARY = frozenset({VIEW, MANAGE})


def last_event(meeting: Meeting) -> MeetingEvent:
    return MeetingEvent.objects.filter(meeting=meeting).latest("seq")


def frame(message: dict[str, Any], language: str, rights: frozenset[str]) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(message["frames"][regions.audience_key(language, rights)])
    return decoded


def test_a_check_in_carries_the_new_quorum_to_every_audience(
    government: Personas, meeting: Meeting
) -> None:
    member = government.members[0]
    check_in(meeting, [member])
    event = last_event(meeting)
    row = event.payload["attendance"]
    message = pushed_message(event, [member.pk])

    # Two languages; four kinds of rights, and room displays.
    assert len(message["frames"]) == 2 * 5
    for key in message["frames"]:
        language, rights, shows = key.split("|")
        assert shows == "*"  # rendered without knowing the held audiences: every region
        decoded = frame(message, language, frozenset(rights.split(",")))
        assert decoded["fetch"] is False
        assert decoded["event"] == "meetings.attendance_changed"
        if regions.DISPLAY in rights:
            # The big screen shows the badge: neither the lists nor who arrived.
            assert set(decoded["regions"]) == {"quorum-badge"}
            assert decoded["payload"] is None
            assert member.get_full_name() not in json.dumps(decoded)
            continue
        # The figures, and the arrival's own row and board entries: not the whole lists.
        assert set(decoded["regions"]) == {
            "quorum",
            "quorum-badge",
            "attendance-count",
            f"attendance-row-{row}",
            "board-top",
            f"board-present-{row}",
            f"board-absent-{row}",
            "board-present-count",
            "board-absent-count",
        }
        assert "1/27" in decoded["regions"]["quorum-badge"]
        assert member.get_full_name() in decoded["regions"][f"board-present-{row}"]
        assert "attendance-present" in decoded["regions"][f"attendance-row-{row}"]

    assert "No quorum" in frame(message, "en", MEMBER)["regions"]["quorum-badge"]
    assert "Chưa đủ túc số" in frame(message, "vi", MEMBER)["regions"]["quorum-badge"]


def test_which_tablets_are_online_is_rendered_only_for_those_who_run_the_session(
    government: Personas, meeting: Meeting
) -> None:
    check_in(meeting, [government.members[0]])
    event = last_event(meeting)
    entry = f"board-present-{event.payload['attendance']}"
    message = pushed_message(event, [])

    assert "tablet-online" in frame(message, "en", CHAIR)["regions"][entry]
    assert "tablet-online" in frame(message, "en", SECRETARY)["regions"][entry]
    assert "tablet-online" not in frame(message, "en", MEMBER)["regions"][entry]
    # A change of the whole meeting draws the whole board, for each audience alike.
    scheduled = pushed_message(MeetingEvent.objects.get(meeting=meeting, seq=1), [])
    assert "tablet-online" in frame(scheduled, "en", CHAIR)["regions"]["board-live"]
    assert "tablet-online" not in frame(scheduled, "en", MEMBER)["regions"]["board-live"]


def test_the_session_buttons_reach_only_those_who_may_press_them(
    government: Personas, meeting: Meeting
) -> None:
    message = pushed_message(last_event(meeting), [])  # the meeting was scheduled

    chair, member = frame(message, "en", CHAIR), frame(message, "en", MEMBER)
    secretary = frame(message, "en", SECRETARY)
    assert "Open the session" in chair["regions"]["board-lifecycle"]
    assert "Khai mạc phiên họp" in frame(message, "vi", CHAIR)["regions"]["board-lifecycle"]
    assert "Cancel the meeting" in secretary["regions"]["lifecycle"]
    assert "Open the session" not in secretary["regions"]["lifecycle"]
    for region in ("lifecycle", "board-lifecycle"):
        assert "<form" not in member["regions"][region]
    # No one's form token travels in a region: the page adds its own when a form is sent.
    assert "csrfmiddlewaretoken" not in json.dumps(message["frames"])


def test_a_persons_own_attendance_goes_to_that_person_alone(
    government: Personas, meeting: Meeting
) -> None:
    member = government.members[0]
    check_in(meeting, [member])
    message = pushed_message(last_event(meeting), [member.pk])

    assert set(message["personal"]) == {f"{member.pk}|en", f"{member.pk}|vi"}
    own = json.loads(message["personal"][f"{member.pk}|en"])
    assert own == {"type": "regions", "seq": last_event(meeting).seq, "regions": own["regions"]}
    assert "Check out" in own["regions"]["my-attendance"]
    assert (
        "Rời phiên họp"
        in json.loads(message["personal"][f"{member.pk}|vi"])["regions"]["my-attendance"]
    )
    for key in message["frames"]:
        assert "my-attendance" not in json.loads(message["frames"][key])["regions"]


@pytest.mark.parametrize("secrecy", ["named", "secret"])
def test_a_ballot_redraws_the_voters_own_boxes_from_what_the_count_settled(
    government: Personas, meeting: Meeting, secrecy: str
) -> None:
    """A ballot changes the voter's ballot and conflict boxes on their other screens: drawn as
    a redraw of all their boxes on the item would draw them, with two reads at most."""
    plan = decree_under_discussion(government, meeting)
    poll = voting_services.poll_create(
        actor=government.chair, item=plan.decree, question="Adopt?", secrecy=secrecy
    )
    voting_services.poll_open(actor=government.chair, poll=poll)
    voter = government.voters[1]
    voting_services.ballot_cast(actor=voter, poll=poll, answer="yes")
    event = last_event(meeting)

    with CaptureQueriesContext(connection) as captured:
        drawn = regions.render_personal(meeting, event.type, [voter.pk], event.payload)
    assert len(captured) == (2 if secrecy == "named" else 1)
    redrawn = regions.render_personal(
        meeting, "voting.recusal_declared", [voter.pk], {"item": plan.decree.pk}
    )
    assert drawn == redrawn
    box = drawn[f"{voter.pk}|en"][f"ballot-{poll.pk}"]
    assert ("You voted: Yes." if secrecy == "named" else "Your ballot is secret.") in box
    assert "<form" not in drawn[f"{voter.pk}|en"][f"recusal-{plan.decree.pk}"]


def test_an_arrival_reads_the_arrivals_attendance_alone_whatever_the_size_of_the_body(
    government: Personas, meeting: Meeting
) -> None:
    member = government.members[0]
    check_in(meeting, [member])
    read: set[int] = set()

    def count(sender: Any, instance: Attendance, **kwargs: Any) -> None:
        read.add(instance.pk)

    post_init.connect(count, sender=Attendance)
    try:
        message = pushed_message(last_event(meeting), [member.pk])
    finally:
        post_init.disconnect(count, sender=Attendance)

    # The person's own boxes (check-in, request to speak, ballots) and the figures come from
    # their row and from counts: not from the rows of everyone invited.
    assert read == {Attendance.objects.get(meeting=meeting, user=member).pk}
    assert (
        "Check out"
        in json.loads(message["personal"][f"{member.pk}|en"])["regions"]["my-attendance"]
    )


def test_a_page_gets_only_the_regions_it_shows_and_none_is_drawn_for_no_page(
    government: Personas, meeting: Meeting
) -> None:
    check_in(meeting, [government.members[0]])
    quorum_page = regions.audience_key("en", MEMBER, {"quorum"})
    board = regions.audience_key("vi", CHAIR, {"board", "quorum"})
    held = Held(audiences=frozenset({quorum_page, board}))

    with CaptureQueriesContext(connection) as captured:
        message = pushed_message(last_event(meeting), [], held=held)

    assert set(message["frames"]) == {quorum_page, board}
    member = json.loads(message["frames"][quorum_page])
    assert set(member["regions"]) == {"quorum", "quorum-badge"}
    assert member["fetch"] is False
    chair = json.loads(message["frames"][board])
    assert "board-top" in chair["regions"] and "quorum" in chair["regions"]
    assert not any(key.startswith("attendance") for key in chair["regions"])
    # No page shows the open vote's boxes: the votes region did not even look for one.
    assert not any("voting_poll" in query["sql"] for query in captured.captured_queries)


def test_a_held_audience_this_site_does_not_have_gets_nothing_drawn(
    government: Personas, meeting: Meeting
) -> None:
    check_in(meeting, [government.members[0]])
    made_up = Held(
        audiences=frozenset(
            {
                regions.audience_key("en", MEMBER, {"no-such-region"}),
                regions.audience_key("en", {VIEW, "auth.add_user"}),
                regions.audience_key("xx", MEMBER),
                "en|meetings.view_meeting",
            }
        )
    )

    assert pushed_message(last_event(meeting), [], held=made_up)["frames"] == {}


def test_the_page_script_finds_the_regions_a_page_shows(
    government: Personas, meeting: Meeting, client: Any
) -> None:
    client.force_login(government.chair)
    ids = re.compile(r'\sid="([^"]+)"')
    meeting_page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    board_page = client.get(f"/meetings/{meeting.pk}/board/").content.decode()

    on_meeting_page = regions.shown_in(ids.findall(meeting_page))
    on_board = regions.shown_in(ids.findall(board_page))

    assert {"quorum", "attendance", "meeting"} <= on_meeting_page
    assert "board" not in on_meeting_page
    assert {"board", "lifecycle"} <= on_board
    assert "attendance" not in on_board and "quorum" not in on_board
    # The page carries each region's ids for its script.
    assert "data-meeting-regions=" in meeting_page and "&quot;board-top&quot;" in meeting_page


def test_a_change_of_the_session_updates_everyones_own_attendance(
    government: Personas, meeting: Meeting
) -> None:
    message = pushed_message(last_event(meeting), [])  # the meeting was scheduled

    invited = {user.pk for user in [*government.voters, government.secretary]}
    assert {int(key.split("|")[0]) for key in message["personal"]} == invited


def test_an_event_replayed_from_the_log_asks_the_page_to_fetch(
    government: Personas, meeting: Meeting
) -> None:
    check_in(meeting, [government.members[0]])
    message = events.broadcast_message(last_event(meeting))

    assert message["frames"] == {}
    assert json.loads(message["full"])["fetch"] is True
    assert json.loads(message["redacted"])["fetch"] is True


def test_a_closed_meeting_leaves_no_live_quorum_on_any_screen(
    government: Personas, meeting: Meeting
) -> None:
    check_in(meeting, government.voters[:18])
    services.meeting_start(actor=government.chair, meeting=meeting)
    services.meeting_adjourn(actor=government.chair, meeting=meeting)
    services.meeting_close(actor=government.secretary, meeting=meeting)
    closed = MeetingEvent.objects.get(meeting=meeting, type="meetings.meeting_closed")
    message = pushed_message(closed, [])

    for rights in (MEMBER, CHAIR, SECRETARY):
        shown = frame(message, "en", rights)["regions"]
        assert shown["quorum"] == '<section id="quorum" hidden></section>\n'
        assert shown["quorum-badge"] == '<span id="quorum-badge" hidden></span>\n'
        assert "Closed" in shown["meeting-status"] and "Closed" in shown["facts"]
        assert "<form" not in shown["lifecycle"] and "<form" not in shown["board-lifecycle"]


def test_a_change_of_place_reaches_the_meeting_facts(
    government: Personas, meeting: Meeting
) -> None:
    services.meeting_update(actor=government.secretary, meeting=meeting, place="Room 2")
    message = pushed_message(last_event(meeting), [])

    assert "Room 2" in frame(message, "vi", MEMBER)["regions"]["facts"]


DISPLAY = frozenset({VIEW, regions.DISPLAY})
DISPLAY_REGIONS = re.compile(
    r"current-item|chair-timer|vote-elsewhere|quorum-badge|meeting-status|votes-\d+|speakers-\d+"
)


def test_a_display_frame_never_holds_more_than_the_big_screens_regions(
    government: Personas, meeting: Meeting
) -> None:
    """Every event of a session (arrivals, items, the floor, comments, a named vote from its
    preparation to its result, the timer), drawn again for the room display: only its regions,
    with no roll call, comment, form, anyone's own box or any name but the speakers'; and no
    payload but a ballot's turnout."""
    plan = decree_under_discussion(government, meeting)
    speaker, voter = government.members[0], government.voters[1]
    request = agenda_services.speaker_request(actor=speaker, item=plan.decree)
    agenda_services.floor_give(actor=government.chair, speaker=request)
    agenda_services.comment_post(actor=speaker, item=plan.decree, text="For members only")
    agenda_services.timer_start(actor=government.chair, meeting=meeting, seconds=300)
    poll = voting_services.poll_create(
        actor=government.chair, item=plan.decree, question="Adopt the decree?", secrecy="named"
    )
    voting_services.poll_open(actor=government.chair, poll=poll)
    voting_services.ballot_cast(actor=voter, poll=poll, answer="yes")
    voting_services.poll_close(actor=government.chair, poll=poll)
    check_in(meeting, [government.voters[25]])

    member_saw_roll_call = False
    for event in MeetingEvent.objects.filter(meeting=meeting).order_by("seq"):
        message = pushed_message(event, [])
        for language in ("en", "vi"):
            key = regions.audience_key(language, DISPLAY)
            if key not in message["frames"]:
                continue  # an event for named people alone: no audience has a frame
            shown = frame(message, language, DISPLAY)
            assert all(DISPLAY_REGIONS.fullmatch(region) for region in shown["regions"]), event
            text = json.dumps(shown, ensure_ascii=False)
            for secret in ("<form", "data-personal", "roll-call", "For members only"):
                assert secret not in text, (event.type, secret)
            assert voter.get_full_name() not in text
            if event.type == "voting.ballot_cast":
                assert shown["payload"] == {"poll": poll.pk, "turnout": 1}
            else:
                assert shown["payload"] is None, event.type
        member = message["frames"].get(regions.audience_key("en", MEMBER))
        member_saw_roll_call |= member is not None and "roll-call" in member
    # The member's frames did carry what the display's leave out.
    assert member_saw_roll_call
