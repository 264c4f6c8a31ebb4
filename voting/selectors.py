"""Reads for polls: who may vote, turnout, and results, each with a fixed number of queries."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from agendas.models import AgendaItem
from meetings.models import Attendance, Body, Meeting, Membership
from meetings.rules import DecisionRules
from meetings.selectors import counts_toward_quorum
from voting.models import Ballot, ExtraordinaryRequest, Participation, Poll, Recusal


@dataclass(frozen=True)
class Voter:
    """A person entitled to vote now: a member present in their own right, or the substitute
    of one where the body lets substitutes vote."""

    user_id: int
    member_id: int
    is_chair: bool


def entitled_voters(meeting: Meeting, item: AgendaItem) -> dict[int, Voter]:
    """Who may vote on the item now, by user id (two queries): voting right, in the room, not
    recused from the item."""
    recused = set(Recusal.objects.filter(item=item).values_list("user_id", flat=True))
    body_rules = meeting.body.decision_rules
    voters = (
        _voter(attendance, body_rules, recused)
        for attendance in Attendance.objects.filter(meeting=meeting, has_vote=True)
    )
    return {voter.user_id: voter for voter in voters if voter is not None}


def entitled_voter(meeting: Meeting, item: AgendaItem, user: User) -> Voter | None:
    """The person as a voter on the item now, or None if they may not vote (one query). In SQL:
    every ballot asks it, and composing it through the ORM took longer than running it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.user_id, a.role, a.status, a.remote, a.substitute_id,"
            " a.substitute_checked_in_at,"
            " EXISTS (SELECT 1 FROM voting_recusal r"
            " WHERE r.item_id = %s AND r.user_id = a.user_id),"
            " EXISTS (SELECT 1 FROM voting_recusal r WHERE r.item_id = %s AND r.user_id = %s)"
            " FROM meetings_attendance a WHERE a.meeting_id = %s AND a.has_vote"
            " AND (a.user_id = %s OR a.substitute_id = %s) ORDER BY a.id LIMIT 1",
            [item.pk, item.pk, user.pk, meeting.pk, user.pk, user.pk],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    member, role, status, remote, substitute, substitute_in, member_recused, person_recused = row
    attendance = Attendance(
        user_id=member,
        role=role,
        status=status,
        remote=remote,
        substitute_id=substitute,
        substitute_checked_in_at=substitute_in,
    )
    recused = {member} if member_recused else set()
    if person_recused:
        recused.add(user.pk)
    voter = _voter(attendance, meeting.body.decision_rules, recused)
    return voter if voter is not None and voter.user_id == user.pk else None


def _voter(attendance: Attendance, body_rules: DecisionRules, recused: set[int]) -> Voter | None:
    """The voter an attendance row gives: the member present (in the room, or remotely where
    the rules let remote members vote), or their substitute where the rules let substitutes
    vote; nobody if absent or recused."""
    is_chair = attendance.role == Membership.Role.CHAIR
    if attendance.status == Attendance.Status.PRESENT:
        if attendance.remote and not body_rules.remote_votes():
            return None
        user_id = attendance.user_id
    elif (
        attendance.status == Attendance.Status.REPRESENTED
        and body_rules.substitutes_may_vote
        and attendance.substitute_id is not None
        and attendance.substitute_checked_in_at is not None
    ):
        user_id, is_chair = attendance.substitute_id, False
    else:
        return None
    if user_id in recused or attendance.user_id in recused:
        return None
    return Voter(user_id, attendance.user_id, is_chair)


def members_and_recused(meeting: Meeting, item: AgendaItem) -> tuple[int, int, list[int]]:
    """The members with a voting right (the base "all members"), how many of them are present
    as the quorum counts them, and the ids of those who declared a conflict on the item (two
    queries). A recused member is still a member, and still present: recusals are shown, not
    subtracted."""
    recused = set(Recusal.objects.filter(item=item).values_list("user_id", flat=True))
    members = present = 0
    recused_members = []
    body_rules = meeting.body.decision_rules
    for attendance in Attendance.objects.filter(meeting=meeting, has_vote=True):
        members += 1
        present += counts_toward_quorum(attendance, body_rules)
        if attendance.user_id in recused:
            recused_members.append(attendance.user_id)
    return members, present, sorted(recused_members)


def turnout(poll: Poll) -> int:
    return Participation.objects.filter(poll=poll).count()


def has_voted(poll: Poll, user: User | AnonymousUser) -> bool:
    return user.is_authenticated and Participation.objects.filter(poll=poll, voter=user).exists()


def own_ballot(poll: Poll, user: User | AnonymousUser) -> Ballot | None:
    """A named ballot of the user; a secret ballot cannot be found again, by design."""
    if not user.is_authenticated:
        return None
    return named_ballot(poll, user.pk)


def named_ballot(poll: Poll, voter_id: int) -> Ballot | None:
    """The voter's ballot on a named vote; None on a secret one, where it cannot be found again."""
    if poll.secrecy == Poll.Secrecy.SECRET:
        return None
    return Ballot.objects.filter(poll=poll, voter_id=voter_id).first()


@dataclass(frozen=True)
class Tally:
    yes: int
    no: int
    abstain: int
    choices: dict[int, int]  # option id -> number of ballots choosing it
    ballots: int


def tally(poll: Poll) -> Tally:
    """Count the ballots (one query). Only for closing and for closed polls: results are not
    shown while a poll is open."""
    answers: Counter[str] = Counter()
    choices: Counter[int] = Counter()
    ballots = 0
    for answer, chosen in Ballot.objects.filter(poll=poll).values_list("answer", "choices"):
        ballots += 1
        answers[answer] += 1
        choices.update(chosen)
    return Tally(
        yes=answers["yes"],
        no=answers["no"],
        abstain=answers["abstain"],
        choices={option.pk: choices[option.pk] for option in poll.options.all()},
        ballots=ballots,
    )


def polls_for_item(item: AgendaItem) -> QuerySet[Poll]:
    return Poll.objects.filter(item=item).prefetch_related("options").order_by("created_at", "pk")


def open_poll_item(meeting: Meeting) -> int | None:
    """The item of the vote open in the meeting, if one is. In SQL: every arrival asks it after
    its commit, and the frames wait for the answer; composing it took longer than running it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT item_id FROM voting_poll WHERE meeting_id = %s AND status = %s LIMIT 1",
            [meeting.pk, Poll.Status.OPEN],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def open_poll(meeting: Meeting) -> Poll | None:
    return (
        Poll.objects.filter(meeting=meeting, status=Poll.Status.OPEN)
        .select_related("item")
        .prefetch_related("options")
        .first()
    )


def entitled_by_item(
    meeting: Meeting, items: list[AgendaItem], among: set[int] | None = None
) -> dict[int, dict[int, Voter]]:
    """`entitled_voters` for several items at once, by item id (two queries in all); only
    those `among` these people, if given, which reads their rows alone."""
    recused: dict[int, set[int]] = {item.pk: set() for item in items}
    for item_id, user_id in Recusal.objects.filter(item__in=items).values_list(
        "item_id", "user_id"
    ):
        recused[item_id].add(user_id)
    attendances = Attendance.objects.filter(meeting=meeting, has_vote=True)
    if among is not None:
        attendances = attendances.filter(Q(user_id__in=among) | Q(substitute_id__in=among))
    rows = list(attendances)
    body_rules = meeting.body.decision_rules
    entitled: dict[int, dict[int, Voter]] = {}
    for item in items:
        voters = (_voter(a, body_rules, recused[item.pk]) for a in rows)
        entitled[item.pk] = {voter.user_id: voter for voter in voters if voter is not None}
    return entitled


def turnouts(polls: list[Poll]) -> dict[int, int]:
    """How many have voted in each poll (one query)."""
    counts = dict(
        Participation.objects.filter(poll__in=polls)
        .values_list("poll_id")
        .annotate(n=Count("pk"))
        .values_list("poll_id", "n")
    )
    return {poll.pk: counts.get(poll.pk, 0) for poll in polls}


def current_members(body: Body) -> QuerySet[Membership]:
    """The body's memberships today, whatever the role."""
    today = timezone.localdate()
    return Membership.objects.filter(body=body, starts_on__lte=today).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gt=today)
    )


def voting_members(body: Body) -> QuerySet[Membership]:
    """The body's current members with a voting right: "all members" of the body today."""
    return current_members(body).filter(has_vote=True)


def extraordinary_requests_open(body: Body) -> QuerySet[ExtraordinaryRequest]:
    """The requests made since the body's last extraordinary meeting was prepared."""
    last = (
        Meeting.objects.filter(body=body, kind=Meeting.Kind.EXTRAORDINARY)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    requests = ExtraordinaryRequest.objects.filter(body=body).select_related("member")
    return requests if last is None else requests.filter(requested_at__gt=last)


def extraordinary_requested_by(meeting: Meeting) -> list[ExtraordinaryRequest]:
    """Who asked for an extraordinary meeting: the requests made after the body's previous
    extraordinary meeting was prepared and before this one was."""
    if meeting.kind != Meeting.Kind.EXTRAORDINARY:
        return []
    previous = (
        Meeting.objects.filter(
            body_id=meeting.body_id,
            kind=Meeting.Kind.EXTRAORDINARY,
            created_at__lt=meeting.created_at,
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    requests = ExtraordinaryRequest.objects.filter(
        body_id=meeting.body_id, requested_at__lte=meeting.created_at
    ).select_related("member")
    if previous is not None:
        requests = requests.filter(requested_at__gt=previous)
    return list(requests)
