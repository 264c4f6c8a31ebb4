"""Members attending remotely vote, ask to speak and count at the close as the body's rules say."""

from __future__ import annotations

import time

import pytest

from agendas import services as agenda_services
from core.errors import ServiceError
from meetings import services as meeting_services
from meetings.models import Body, Meeting
from tests.agendas.conftest import AgendaPlan
from tests.conftest import Personas
from tests.voting.test_polls import open_poll
from voting import selectors, services


def remote_member(government: Personas, sitting: AgendaPlan, *, vote: bool) -> object:
    """The 21st member joins from outside the room under rules that count them toward the
    quorum, and let them vote or not."""
    Body.objects.filter(pk=government.body.pk).update(
        remote_attendance_allowed=True, remote_counts_for_quorum=True, remote_may_vote=vote
    )
    member = government.voters[20]
    meeting = Meeting.objects.select_related("body").get(pk=sitting.meeting.pk)
    meeting_services.attendance_check_in(
        actor=member, meeting=meeting, remote=True, authenticated_at=time.time()
    )
    sitting.meeting.refresh_from_db()
    return member


@pytest.mark.parametrize("vote", [True, False])
def test_a_remote_member_is_entitled_to_vote_only_where_the_rules_say(
    government: Personas, sitting: AgendaPlan, vote: bool
) -> None:
    member = remote_member(government, sitting, vote=vote)
    meeting = Meeting.objects.select_related("body").get(pk=sitting.meeting.pk)
    assert (member.pk in selectors.entitled_voters(meeting, sitting.decree)) is vote
    members, present, _ = selectors.members_and_recused(meeting, sitting.decree)
    assert (members, present) == (27, 21)


def test_a_remote_member_votes_where_the_rules_allow(
    government: Personas, sitting: AgendaPlan
) -> None:
    member = remote_member(government, sitting, vote=True)
    poll = open_poll(government, sitting)
    services.ballot_cast(actor=member, poll=poll, answer="yes")
    for voter in government.voters[:13]:
        services.ballot_cast(actor=voter, poll=poll, answer="yes")
    poll = services.poll_close(actor=government.chair, poll=poll)
    assert poll.result is not None
    assert poll.result["passed"] is True and poll.result["present"] == 21
    assert member.pk in poll.result["entitled"]


def test_a_remote_member_hears_why_they_may_not_vote(
    government: Personas, sitting: AgendaPlan
) -> None:
    member = remote_member(government, sitting, vote=False)
    poll = open_poll(government, sitting)
    with pytest.raises(ServiceError, match="attending remotely do not vote"):
        services.ballot_cast(actor=member, poll=poll, answer="yes")


def test_a_remote_member_asks_to_speak(government: Personas, sitting: AgendaPlan) -> None:
    member = remote_member(government, sitting, vote=False)
    speaker = agenda_services.speaker_request(actor=member, item=sitting.decree)
    assert speaker.user_id == member.pk
