"""Polls through the services: who may vote, once, secretly where asked, and nothing after
the close."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import ServiceError
from meetings import services as meeting_services
from meetings.models import Attendance
from realtime.models import MeetingEvent
from tests.agendas.conftest import AgendaPlan
from tests.conftest import Personas, check_in
from voting import selectors, services
from voting.models import Ballot, Participation, Poll, Recusal, SealedBallot


def open_poll(gov: Personas, plan: AgendaPlan, **fields: object) -> Poll:
    poll = services.poll_create(
        actor=gov.chair, item=plan.decree, question="Adopt the decree?", **fields
    )
    return services.poll_open(actor=gov.chair, poll=poll)


def test_members_present_vote_once(government: Personas, sitting: AgendaPlan) -> None:
    poll = open_poll(government, sitting)
    for voter in government.voters[:14]:
        services.ballot_cast(actor=voter, poll=poll, answer="yes")
    for voter in government.voters[14:18]:
        services.ballot_cast(actor=voter, poll=poll, answer="no")
    for voter in government.voters[18:20]:
        services.ballot_cast(actor=voter, poll=poll, answer="abstain")
    assert selectors.turnout(poll) == 20
    event = MeetingEvent.objects.filter(type="voting.ballot_cast").last()
    assert event is not None and event.payload == {"poll": poll.pk, "turnout": 20}
    with pytest.raises(ServiceError, match="already voted"):
        services.ballot_cast(actor=government.voters[0], poll=poll, answer="no")
    assert Ballot.objects.filter(poll=poll, answer="yes").count() == 14


def test_a_retried_request_is_recorded_once(government: Personas, sitting: AgendaPlan) -> None:
    poll = open_poll(government, sitting, secrecy=Poll.Secrecy.SECRET)
    voter = government.members[0]
    services.ballot_cast(actor=voter, poll=poll, answer="yes", request_key="tap-1")
    services.ballot_cast(actor=voter, poll=poll, answer="yes", request_key="tap-1")
    assert SealedBallot.objects.filter(poll=poll).count() == 1
    with pytest.raises(ServiceError, match="secret vote cannot be changed"):
        services.ballot_cast(actor=voter, poll=poll, answer="no", request_key="tap-2")


def test_a_secret_ballot_names_nobody(government: Personas, sitting: AgendaPlan) -> None:
    poll = open_poll(government, sitting, secrecy=Poll.Secrecy.SECRET)
    services.ballot_cast(actor=government.members[0], poll=poll, answer="no")
    assert not Ballot.objects.filter(poll=poll).exists()  # sealed until the close
    services.poll_close(actor=government.chair, poll=poll)
    ballot = Ballot.objects.get(poll=poll)
    assert ballot.voter is None and ballot.answer == "no"
    assert not any(field.name.endswith("_at") for field in Ballot._meta.get_fields())
    assert Participation.objects.get(poll=poll).voter == government.members[0]
    assert selectors.own_ballot(poll, government.members[0]) is None
    for event in MeetingEvent.objects.filter(meeting=sitting.meeting, type__startswith="voting."):
        assert "no" not in event.payload.values()
        # Numbers in a payload count or name polls and items; none names a person.
        assert not {"user", "voter", "people"} & set(event.payload)


def test_a_named_vote_changes_only_where_the_body_allows(
    government: Personas, sitting: AgendaPlan
) -> None:
    poll = open_poll(government, sitting)
    voter = government.members[0]
    services.ballot_cast(actor=voter, poll=poll, answer="yes")
    services.ballot_cast(actor=voter, poll=poll, answer="yes")  # the same again: fine
    with pytest.raises(ServiceError, match="final"):
        services.ballot_cast(actor=voter, poll=poll, answer="no")
    meeting_services.body_update(
        actor=government.secretary, body=government.body, votes_may_change=True
    )
    # The next request reads the poll, its meeting and the body's rules as they now are.
    poll = Poll.objects.select_related("meeting__body", "item").get(pk=poll.pk)
    services.ballot_cast(actor=voter, poll=poll, answer="no")
    assert Ballot.objects.get(poll=poll, voter=voter).answer == "no"


@pytest.mark.parametrize(
    ("who", "reason"),
    [
        ("absent", "Check in first"),
        ("secretary", "without a voting right"),
        ("outsider", None),
    ],
)
def test_who_may_not_vote_hears_why(
    government: Personas, sitting: AgendaPlan, outsider: object, who: str, reason: str | None
) -> None:
    poll = open_poll(government, sitting)
    check_in(sitting.meeting, [government.secretary])
    person = {
        "absent": government.members[-1],
        "secretary": government.secretary,
        "outsider": outsider,
    }[who]
    if reason is None:
        with pytest.raises(PermissionDenied):
            services.ballot_cast(actor=person, poll=poll, answer="yes")  # type: ignore[arg-type]
    else:
        with pytest.raises(ServiceError, match=reason):
            services.ballot_cast(actor=person, poll=poll, answer="yes")  # type: ignore[arg-type]
    assert not Ballot.objects.exists()


def test_a_recused_member_does_not_vote(government: Personas, sitting: AgendaPlan) -> None:
    member = government.members[0]
    services.recusal_declare(actor=member, item=sitting.decree, reason="My brother's firm bids.")
    poll = open_poll(government, sitting)
    with pytest.raises(ServiceError, match="conflict of interest"):
        services.ballot_cast(actor=member, poll=poll, answer="yes")
    assert member.pk not in selectors.entitled_voters(sitting.meeting, sitting.decree)


def test_substitutes_vote_only_where_the_rules_allow(
    government: Personas, sitting: AgendaPlan, outsider: object
) -> None:
    absent = government.members[-1]
    attendance = Attendance.objects.get(meeting=sitting.meeting, user=absent)
    meeting_services.attendance_record(
        actor=government.secretary,
        attendance=attendance,
        status="represented",
        substitute=outsider,  # type: ignore[arg-type]
    )
    meeting_services.attendance_check_in(actor=outsider, meeting=sitting.meeting)  # type: ignore[arg-type]
    poll = open_poll(government, sitting)
    with pytest.raises(ServiceError, match="Substitutes speak but do not vote"):
        services.ballot_cast(actor=outsider, poll=poll, answer="yes")  # type: ignore[arg-type]


def test_the_chair_votes_last_where_the_rules_say_so(
    government: Personas, sitting: AgendaPlan
) -> None:
    meeting_services.body_update(
        actor=government.secretary, body=government.body, chair_votes_last=True
    )
    poll = open_poll(government, sitting)
    with pytest.raises(ServiceError, match="The chair votes last: 19 members"):
        services.ballot_cast(actor=government.chair, poll=poll, answer="yes")
    for voter in government.voters[1:20]:
        services.ballot_cast(actor=voter, poll=poll, answer="yes")
    services.ballot_cast(actor=government.chair, poll=poll, answer="yes")


def test_nothing_is_accepted_after_the_close(government: Personas, sitting: AgendaPlan) -> None:
    poll = open_poll(government, sitting)
    services.ballot_cast(actor=government.members[0], poll=poll, answer="yes")
    services.poll_close(actor=government.chair, poll=poll)
    with pytest.raises(ServiceError, match="closed"):
        services.ballot_cast(actor=government.members[1], poll=poll, answer="yes")
    assert Ballot.objects.count() == 1


def test_opening_and_closing_need_a_quorum(government: Personas, sitting: AgendaPlan) -> None:
    poll = services.poll_create(actor=government.chair, item=sitting.decree, question="Adopt?")
    for voter in government.voters[:3]:
        meeting_services.attendance_check_out(actor=voter, meeting=sitting.meeting)
    with pytest.raises(ServiceError, match="cannot open without a quorum. No quorum: 17 of 27"):
        services.poll_open(actor=government.chair, poll=poll)
    check_in(sitting.meeting, government.voters[1:3])
    services.poll_open(actor=government.chair, poll=poll)
    for voter in government.voters[1:15]:
        services.ballot_cast(actor=voter, poll=poll, answer="yes")
    for voter in government.voters[1:3]:
        meeting_services.attendance_check_out(actor=voter, meeting=sitting.meeting)
    # The quorum lost before the close: the vote is recorded, as void, not held open.
    poll = services.poll_close(actor=government.chair, poll=poll)
    assert poll.status == Poll.Status.CLOSED and poll.result is not None
    assert poll.result["void"] is True and poll.result["passed"] is False
    assert poll.result["explanation"].startswith(
        "Void: no quorum when the poll closed, 17 of 27 members present"
    )
    event = MeetingEvent.objects.filter(type="voting.poll_closed").get()
    assert event.payload["void"] is True


def test_members_who_voted_and_left_are_counted(government: Personas, sitting: AgendaPlan) -> None:
    poll = open_poll(government, sitting)
    for voter in government.voters[:20]:
        services.ballot_cast(actor=voter, poll=poll, answer="yes")
    for voter in government.voters[18:20]:
        meeting_services.attendance_check_out(actor=voter, meeting=sitting.meeting)
    poll = services.poll_close(actor=government.chair, poll=poll)
    assert poll.result is not None
    assert poll.result["passed"] is True and poll.result["present"] == 20


def test_a_procedural_motion_is_decided_without_a_quorum(
    government: Personas, sitting: AgendaPlan
) -> None:
    for voter in government.voters[3:10]:
        meeting_services.attendance_check_out(actor=voter, meeting=sitting.meeting)
    poll = services.poll_create(
        actor=government.chair,
        item=sitting.decree,
        question="Adjourn until 14:00?",
        procedural=True,
    )
    poll = services.poll_open(actor=government.chair, poll=poll)
    for voter in [*government.voters[:3], *government.voters[10:15]]:
        services.ballot_cast(actor=voter, poll=poll, answer="yes")
    poll = services.poll_close(actor=government.chair, poll=poll)
    assert poll.result is not None
    assert poll.result["void"] is False
    # Decided on its own figures: 8 yes of 27 members is not more than half.
    assert poll.result["passed"] is False
    assert "a procedural motion may be decided without one" in poll.result["explanation"]
    with pytest.raises(ServiceError, match="procedural motion is a yes-or-no"):
        services.poll_create(
            actor=government.chair,
            item=sitting.decree,
            question="Which recess?",
            method="choice",
            options=["Ten minutes", "An hour"],
            procedural=True,
        )


def test_general_consent_is_adopted_unless_someone_objects(
    government: Personas, sitting: AgendaPlan
) -> None:
    def ask(objections: int) -> Poll:
        poll = services.poll_create(
            actor=government.chair,
            item=sitting.decree,
            question="Approve the agenda as published?",
            majority=Poll.Majority.GENERAL_CONSENT,
        )
        poll = services.poll_open(actor=government.chair, poll=poll)
        services.ballot_cast(actor=government.voters[0], poll=poll, answer="yes")
        for voter in government.voters[1 : 1 + objections]:
            services.ballot_cast(actor=voter, poll=poll, answer="no")
        return services.poll_close(actor=government.chair, poll=poll)

    # One "no objection" and 19 members silent: nobody objected.
    adopted = ask(0).result
    assert adopted is not None
    assert adopted["passed"] is True and adopted["objected"] is False
    assert adopted["explanation"].startswith("Adopted by general consent: no member objected")
    objected = ask(1).result
    assert objected is not None
    assert objected["passed"] is False and objected["objected"] is True
    assert objected["explanation"].startswith(
        "Not adopted by general consent: 1 member objected, so the question is put to a vote"
    )
    with pytest.raises(ServiceError, match="General consent is asked on one question"):
        services.poll_create(
            actor=government.chair,
            item=sitting.decree,
            question="Which city?",
            method="choice",
            options=["Huế", "Hà Nội"],
            majority=Poll.Majority.GENERAL_CONSENT,
        )


def test_only_the_chair_opens_and_closes(government: Personas, sitting: AgendaPlan) -> None:
    poll = services.poll_create(actor=government.secretary, item=sitting.decree, question="Adopt?")
    for person in (government.secretary, government.members[0]):
        with pytest.raises(PermissionDenied):
            services.poll_open(actor=person, poll=poll)
    services.poll_open(actor=government.chair, poll=poll)
    with pytest.raises(PermissionDenied):
        services.poll_close(actor=government.members[0], poll=poll)
    with pytest.raises(PermissionDenied):
        services.poll_create(actor=government.members[0], item=sitting.decree, question="Mine?")


def test_one_vote_open_at_a_time(government: Personas, sitting: AgendaPlan) -> None:
    open_poll(government, sitting)
    second = services.poll_create(actor=government.chair, item=sitting.decree, question="Again?")
    with pytest.raises(ServiceError, match="Another vote is open"):
        services.poll_open(actor=government.chair, poll=second)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"question": " "}, "question"),
        ({"method": "choice", "options": ["Only one"]}, "between 2 and"),
        ({"method": "choice", "options": ["A", "A"]}, "same wording"),
        ({"method": "choice", "options": ["A", "B"], "max_choices": 3}, "between 1 and 2"),
        ({"options": ["A", "B"]}, "has no options"),
        ({"secrecy": "whispered"}, "named or a secret"),
    ],
)
def test_a_malformed_poll_is_refused(
    government: Personas, sitting: AgendaPlan, fields: dict[str, object], message: str
) -> None:
    values: dict[str, object] = {"question": "Adopt?", **fields}
    with pytest.raises(ServiceError, match=message):
        services.poll_create(actor=government.chair, item=sitting.decree, **values)  # type: ignore[arg-type]
    assert not Poll.objects.exists()


def test_a_choice_among_options(government: Personas, sitting: AgendaPlan) -> None:
    poll = open_poll(
        government, sitting, method="choice", options=["Hà Nội", "Đà Nẵng", "Huế"], max_choices=2
    )
    first, second, third = poll.options.all()
    services.ballot_cast(actor=government.members[0], poll=poll, choices=[first.pk, third.pk])
    with pytest.raises(ServiceError, match="at most 2"):
        services.ballot_cast(
            actor=government.members[1], poll=poll, choices=[first.pk, second.pk, third.pk]
        )
    with pytest.raises(ServiceError, match="Choose among the options"):
        services.ballot_cast(actor=government.members[1], poll=poll, answer="yes")
    tally = selectors.tally(poll)
    assert tally.choices == {first.pk: 1, second.pk: 0, third.pk: 1}


def test_closing_decides_under_the_bodys_rules(government: Personas, sitting: AgendaPlan) -> None:
    poll = open_poll(government, sitting)
    for voter in government.voters[:13]:
        services.ballot_cast(actor=voter, poll=poll, answer="yes")
    for voter in government.voters[13:18]:
        services.ballot_cast(actor=voter, poll=poll, answer="no")
    for voter in government.voters[18:20]:
        services.ballot_cast(actor=voter, poll=poll, answer="abstain")
    poll = services.poll_close(actor=government.chair, poll=poll)
    result = poll.result
    assert result is not None
    assert result["passed"] is False
    assert result["explanation"].startswith(
        "Failed: 13 of 27 members voted yes; more than half of all members (14) required"
    )
    assert [row["count"] for row in result["counts"]] == [13, 5, 2]
    assert len(result["entitled"]) == 20 and result["members"] == 27
    assert [row["vote"] for row in result["roll_call"]].count("Yes") == 13
    event = MeetingEvent.objects.filter(type="voting.poll_closed").get()
    assert event.payload["passed"] is False and "roll_call" not in event.payload


def test_a_secret_result_has_no_roll_call(government: Personas, sitting: AgendaPlan) -> None:
    poll = open_poll(government, sitting, secrecy=Poll.Secrecy.SECRET)
    for voter in government.voters[:14]:
        services.ballot_cast(actor=voter, poll=poll, answer="yes")
    poll = services.poll_close(actor=government.chair, poll=poll)
    assert poll.result is not None
    assert poll.result["passed"] is True
    assert "roll_call" not in poll.result
    assert poll.result["explanation"].startswith(
        "Passed: 14 of 27 members voted yes, more than half of all members"
    )


def test_a_vote_closes_by_itself_at_its_time(government: Personas, sitting: AgendaPlan) -> None:
    soon = timezone.now() + datetime.timedelta(minutes=5)
    poll = open_poll(government, sitting, closes_at=soon)
    services.ballot_cast(actor=government.members[0], poll=poll, answer="yes")
    assert services.polls_close_due(now=soon - datetime.timedelta(seconds=1)) == 0
    assert services.polls_close_due(now=soon) == 1
    poll.refresh_from_db()
    assert poll.status == Poll.Status.CLOSED


def test_the_closing_command(government: Personas, sitting: AgendaPlan) -> None:
    poll = open_poll(government, sitting, closes_at=timezone.now() + datetime.timedelta(minutes=1))
    Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now())
    out = StringIO()
    call_command("close_due_polls", stdout=out)
    assert "Closed 1 vote(s)." in out.getvalue()
    assert Poll.objects.get(pk=poll.pk).status == Poll.Status.CLOSED


def test_no_query_links_a_secret_ballot_to_its_voter(
    government: Personas, sitting: AgendaPlan
) -> None:
    poll = open_poll(government, sitting, secrecy=Poll.Secrecy.SECRET)
    voter = government.members[0]
    with CaptureQueriesContext(connection) as captured:
        services.ballot_cast(actor=voter, poll=poll, answer="abstain")
    writes = [q["sql"] for q in captured if q["sql"].startswith("INSERT")]
    assert not any('"voting_ballot"' in sql for sql in writes)
    sealed = next(sql for sql in writes if sql.startswith('INSERT INTO "voting_sealedballot"'))
    columns = [name.strip(' "') for name in sealed.split("(", 1)[1].split(")", 1)[0].split(",")]
    assert sorted(columns) == ["id", "poll_id", "sealed"]
    assert "abstain" not in sealed
    participation = next(sql for sql in writes if '"voting_participation"' in sql)
    assert "abstain" not in participation


def test_a_retry_that_arrives_after_the_close_still_succeeds(
    government: Personas, sitting: AgendaPlan
) -> None:
    poll = open_poll(government, sitting, secrecy=Poll.Secrecy.SECRET)
    services.ballot_cast(actor=government.members[0], poll=poll, answer="yes", request_key="k")
    services.poll_close(actor=government.chair, poll=poll)
    services.ballot_cast(actor=government.members[0], poll=poll, answer="yes", request_key="k")
    with pytest.raises(ServiceError, match="closed"):
        services.ballot_cast(actor=government.members[0], poll=poll, answer="yes", request_key="j")
    assert Ballot.objects.filter(poll=poll).count() == 1


def test_recused_members_stay_among_all_members(government: Personas, sitting: AgendaPlan) -> None:
    """Two recusals do not lower "more than half of all 27 members" to "of 25"."""
    for member in government.voters[18:20]:
        services.recusal_declare(actor=member, item=sitting.decree, reason="A relative bids.")
    poll = open_poll(government, sitting)
    for voter in government.voters[:13]:
        services.ballot_cast(actor=voter, poll=poll, answer="yes")
    poll = services.poll_close(actor=government.chair, poll=poll)
    result = poll.result
    assert result is not None
    assert result["passed"] is False
    assert (result["members"], result["present"], result["base_count"]) == (27, 20, 27)
    assert result["recused"] == sorted(voter.pk for voter in government.voters[18:20])
    assert result["explanation"] == (
        "Failed: 13 of 27 members voted yes; more than half of all members (14) required "
        "(Law on Government Organisation 2025 (No. 63/2025/QH15); Decree 39/2022/ND-CP). "
        "2 members declared a conflict of interest and did not vote; a recused member is still "
        "counted among the members."
    )


def test_a_conflict_cannot_be_declared_after_voting(
    government: Personas, sitting: AgendaPlan
) -> None:
    poll = open_poll(government, sitting)
    voter, undecided = government.members[0], government.members[1]
    services.ballot_cast(actor=voter, poll=poll, answer="yes")
    with pytest.raises(ServiceError, match="already voted on this item"):
        services.recusal_declare(actor=voter, item=sitting.decree, reason="Late second thoughts.")
    # Someone who has not voted yet may still declare, and then no longer votes.
    services.recusal_declare(actor=undecided, item=sitting.decree, reason="My firm bids.")
    with pytest.raises(ServiceError, match="conflict of interest"):
        services.ballot_cast(actor=undecided, poll=poll, answer="no")
    poll = services.poll_close(actor=government.chair, poll=poll)
    with pytest.raises(ServiceError, match="already voted on this item"):
        services.recusal_declare(actor=voter, item=sitting.decree, reason="After the close.")
    with pytest.raises(ServiceError, match="The vote on this item is closed"):
        services.recusal_declare(
            actor=government.members[2], item=sitting.decree, reason="After the close."
        )
    assert not Recusal.objects.filter(user__in=[voter, government.members[2]]).exists()
    result = poll.result
    assert result is not None
    rows = {row["user"]: row for row in result["roll_call"]}
    assert rows[voter.pk]["vote"] == "Yes"
    assert rows[undecided.pk]["vote"] == "Recused (conflict of interest)"


def test_the_roll_call_lists_every_member_entitled_to_vote(
    government: Personas, sitting: AgendaPlan
) -> None:
    voters = government.voters
    services.recusal_declare(actor=voters[16], item=sitting.decree, reason="Shareholder.")
    poll = open_poll(government, sitting)
    for voter in voters[:13]:
        services.ballot_cast(actor=voter, poll=poll, answer="yes")
    for voter in voters[13:15]:
        services.ballot_cast(actor=voter, poll=poll, answer="no")
    services.ballot_cast(actor=voters[15], poll=poll, answer="abstain")
    # voters[17:20] are present and do not vote; voters[20:] are absent.
    poll = services.poll_close(actor=government.chair, poll=poll)
    assert poll.result is not None
    roll_call = poll.result["roll_call"]
    assert len(roll_call) == 27
    assert sorted(row["user"] for row in roll_call) == sorted(voter.pk for voter in voters)
    statuses = [row["status"] for row in roll_call]
    assert [statuses.count(s) for s in ("yes", "no", "abstain", "recused", "did_not_vote")] == [
        13,
        2,
        1,
        1,
        10,
    ]
    by_user = {row["user"]: row["vote"] for row in roll_call}
    assert by_user[voters[16].pk] == "Recused (conflict of interest)"
    assert by_user[voters[17].pk] == by_user[voters[-1].pk] == "Did not vote"
    assert [row["name"] for row in roll_call] == sorted(row["name"] for row in roll_call)


def test_a_motion_to_rescind_passes_by_either_majority(
    government: Personas, sitting: AgendaPlan
) -> None:
    poll = open_poll(government, sitting, majority=Poll.Majority.RESCIND)
    for voter in government.voters[:10]:
        services.ballot_cast(actor=voter, poll=poll, answer="yes")
    for voter in government.voters[10:15]:
        services.ballot_cast(actor=voter, poll=poll, answer="no")
    poll = services.poll_close(actor=government.chair, poll=poll)
    assert poll.result is not None and poll.result["passed"] is True
    assert poll.result["explanation"].startswith(
        "Passed: 10 of 15 votes cast were yes, at least two thirds of the votes cast"
    )
