"""Every change to polls, ballots and recusals.

Each function authorises, locks, validates, writes and publishes its event in one transaction.
Casting locks the poll row in share mode, closing locks it for update: a ballot racing the
close is either counted (it committed first) or refused (it sees the poll closed, or the close
requested), never lost or counted late. A secret ballot is sealed (encrypted) when cast,
apart from the record that its voter voted, and written to the ballot table only at the close,
with all the others in one transaction and a random order (voting/sealing.py): nothing in the
database links the two.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agendas.models import AgendaItem
from agendas.permissions import can_see_agenda
from audit import trail
from audit.models import Entry
from core.errors import ServiceError, require
from meetings import permissions, rules
from meetings.models import Attendance, Body, Meeting, Membership
from meetings.selectors import meeting_quorum
from realtime import events
from voting import outcome, sealing, selectors
from voting import rules as vote_rules
from voting.models import (
    Answer,
    Ballot,
    CloseRequest,
    ExtraordinaryRequest,
    Option,
    Participation,
    Poll,
    Recusal,
    SealedBallot,
)

MAX_OPTIONS = 50

logger = logging.getLogger(__name__)


def _require_quorum(meeting: Meeting, refusal: str) -> None:
    quorum = meeting_quorum(meeting)
    if not quorum.met:
        raise ServiceError(f"{refusal} {quorum.explanation}")


def _publish(poll: Poll, type: str, payload: dict[str, Any]) -> None:
    events.publish(meeting=poll.meeting, type=type, payload={"poll": poll.pk, **payload})


def _audit(action: str, actor: User | None, poll: Poll) -> None:
    details: dict[str, Any] = {"poll": poll.pk, "item": poll.item_id}
    if poll.status == Poll.Status.CLOSED:
        result = poll.result or {}
        details.update(passed=result.get("passed"), void=result.get("void"))
    trail.record(action, actor=actor, meeting_id=poll.meeting_id, details=details)


def _lock(poll: Poll) -> Poll:
    """Lock the poll row against other changes of its state (open, close)."""
    return (
        Poll.objects.select_for_update(of=("self",))
        .select_related("meeting__body", "item")
        .get(pk=poll.pk)
    )


def poll_create(
    *,
    actor: User,
    item: AgendaItem,
    question: str,
    secrecy: str = Poll.Secrecy.NAMED,
    method: str = Poll.Method.YES_NO,
    options: Sequence[str] = (),
    max_choices: int = 1,
    majority: str = Poll.Majority.BODY,
    closes_at: datetime.datetime | None = None,
    procedural: bool = False,
) -> Poll:
    """Prepare a poll on an agenda item (the chair or the secretariat); it opens later. A
    procedural motion (adjourn, recess, fix the time to adjourn, obtain a quorum) may be opened
    and decided without a quorum; general consent asks whether anyone objects."""
    meeting = item.meeting
    require(
        bool(
            permissions.meeting_rights(actor, meeting)
            & {permissions.RUN_MEETING, permissions.MANAGE_MEETING}
        ),
        _("Only the chair and the secretariat prepare votes."),
    )
    question = question.strip()
    if not question:
        raise ServiceError(_("Give the question put to the vote."), field="question")
    if secrecy not in Poll.Secrecy.values:
        raise ServiceError(_("Choose a named or a secret ballot."), field="secrecy")
    if method not in Poll.Method.values:
        raise ServiceError(_("Unknown kind of answers."), field="method")
    if majority not in Poll.Majority.values:
        raise ServiceError(_("Unknown majority."), field="majority")
    labels = [label.strip() for label in options if label.strip()]
    if method == Poll.Method.CHOICE:
        if not 2 <= len(labels) <= MAX_OPTIONS:
            raise ServiceError(
                _("A choice needs between 2 and %d options.") % MAX_OPTIONS, field="options"
            )
        if len(set(labels)) != len(labels):
            raise ServiceError(_("Two options have the same wording."), field="options")
        if not 1 <= max_choices <= len(labels):
            raise ServiceError(
                _("Each voter chooses between 1 and %d options.") % len(labels),
                field="max_choices",
            )
    elif labels:
        raise ServiceError(_("A yes-or-no vote has no options."), field="options")
    else:
        max_choices = 1
    if method == Poll.Method.CHOICE and majority == Poll.Majority.GENERAL_CONSENT:
        raise ServiceError(
            _("General consent is asked on one question, not among options."), field="majority"
        )
    if method == Poll.Method.CHOICE and majority == Poll.Majority.RESCIND:
        raise ServiceError(_("A motion to rescind is a yes-or-no question."), field="majority")
    if method == Poll.Method.CHOICE and procedural:
        raise ServiceError(_("A procedural motion is a yes-or-no question."), field="procedural")
    if closes_at is not None and closes_at <= timezone.now():
        raise ServiceError(_("The closing time has already passed."), field="closes_at")
    if meeting.status not in (
        Meeting.Status.SCHEDULED,
        Meeting.Status.IN_SESSION,
        Meeting.Status.ADJOURNED,
    ):
        raise ServiceError(
            _("Votes are prepared for a scheduled meeting. This meeting is %s.")
            % meeting.get_status_display().lower()
        )
    with transaction.atomic():
        poll = Poll.objects.create(
            meeting=meeting,
            item=item,
            question=question,
            secrecy=secrecy,
            method=method,
            max_choices=max_choices,
            majority=majority,
            closes_at=closes_at,
            procedural=procedural,
            created_by=actor,
        )
        Option.objects.bulk_create(
            Option(poll=poll, position=position, label=label)
            for position, label in enumerate(labels)
        )
        # Prepared votes are the chair's and the secretariat's business until opened.
        events.publish(
            meeting=meeting,
            type="voting.poll_created",
            payload={"poll": poll.pk, "item": item.pk},
            restricted_to=permissions.RUN_MEETING,
        )
    return poll


def poll_open(*, actor: User, poll: Poll) -> Poll:
    """Open the vote: every entitled member present sees it at once. Needs a quorum, and no
    other vote open in the meeting."""
    require(permissions.can_run_meeting(actor, poll.meeting), _("Only the chair opens a vote."))
    try:
        with transaction.atomic():
            poll = _lock(poll)
            if poll.status != Poll.Status.DRAFT:
                raise ServiceError(_("This vote has already been opened."))
            if poll.meeting.status != Meeting.Status.IN_SESSION:
                raise ServiceError(_("Votes are taken during the session."))
            if not poll.procedural:
                _require_quorum(poll.meeting, _("The vote cannot open without a quorum."))
            poll.status = Poll.Status.OPEN
            poll.opened_at = timezone.now()
            poll.save()
            entitled = len(selectors.entitled_voters(poll.meeting, poll.item))
            _publish(
                poll,
                "voting.poll_opened",
                {"item": poll.item_id, "question": poll.question, "entitled": entitled},
            )
            _audit(Entry.Action.POLL_OPENED, actor, poll)
    except IntegrityError:
        raise ServiceError(_("Another vote is open: close it first.")) from None
    return poll


def poll_close(*, actor: User | None, poll: Poll, illegal: int = 0) -> Poll:
    """Close the vote and decide it under the body's rules; the entitled voters, the figures
    and the explanation are frozen into the result. `actor` None is the scheduled close. If
    the quorum was lost meanwhile the vote is recorded as void (it decides nothing), unless it
    is a procedural motion, which needs no quorum.

    `illegal` is the number of paper ballots that the tellers found illegal in a choice vote
    (an election), cast by members entitled to vote who did not vote on their tablets: never a
    choice, but counted in the base where the body's rules say so (Robert's Rules)."""
    if actor is not None:
        require(
            permissions.can_run_meeting(actor, poll.meeting), _("Only the chair closes a vote.")
        )
    if illegal < 0:
        raise ServiceError(_("The number of illegal ballots cannot be negative."), field="illegal")
    if illegal and poll.method != Poll.Method.CHOICE:
        raise ServiceError(
            _("Only a choice among options (an election) counts illegal ballots."),
            field="illegal",
        )
    # Committed at once (outside an enclosing transaction), before waiting for the ballots in
    # flight: from now on a new ballot is refused rather than counted ahead of the close.
    if Poll.objects.filter(pk=poll.pk, status=Poll.Status.OPEN).exists():
        CloseRequest.objects.get_or_create(poll_id=poll.pk)
    with transaction.atomic():
        poll = _lock(poll)
        if poll.status != Poll.Status.OPEN:
            raise ServiceError(_("Only an open vote can be closed."))
        entitled = selectors.entitled_voters(poll.meeting, poll.item)
        if poll.secrecy == Poll.Secrecy.SECRET:
            _unseal_ballots(poll)
        poll.status = Poll.Status.CLOSED
        poll.closed_at = timezone.now()
        # Frozen in the site's language, like the invitations: it is part of the record.
        members, present, recused = selectors.members_and_recused(poll.meeting, poll.item)
        tally = selectors.tally(poll)
        if illegal and tally.ballots + illegal > len(entitled):
            raise ServiceError(
                _(
                    "%(ballots)d ballots were cast on the tablets and %(entitled)d members may"
                    " vote: at most %(most)d paper ballots can be illegal."
                )
                % {
                    "ballots": tally.ballots,
                    "entitled": len(entitled),
                    "most": max(len(entitled) - tally.ballots, 0),
                },
                field="illegal",
            )
        with translation.override(settings.LANGUAGE_CODE):
            poll.result = outcome.result_of(
                poll,
                tally,
                entitled,
                members=members,
                present=present,
                recused=recused,
                illegal=illegal,
            )
        poll.save()
        _publish(poll, "voting.poll_closed", outcome.announcement(poll))
        _audit(Entry.Action.POLL_CLOSED, actor, poll)
    return poll


def _unseal_ballots(poll: Poll) -> None:
    """Write a secret vote's ballots, all in this transaction and in a random order, so that
    neither their transaction id nor their order links them to the participations."""
    sealed = SealedBallot.objects.filter(poll=poll)
    ballots = sealing.unseal(poll.pk, sealed.values_list("sealed", flat=True))
    Ballot.objects.bulk_create(
        Ballot(poll=poll, answer=answer, choices=choices) for answer, choices in ballots
    )
    sealed.delete()


def polls_close_due(*, now: datetime.datetime | None = None) -> int:
    """Close the open votes whose closing time has come (run every minute); one that has lost
    its quorum is recorded as void."""
    now = now or timezone.now()
    closed = 0
    for poll in Poll.objects.filter(status=Poll.Status.OPEN, closes_at__lte=now):
        try:
            poll_close(actor=None, poll=poll)
        except ServiceError:
            continue
        closed += 1
    return closed


def ballot_cast(
    *,
    actor: User,
    poll: Poll,
    answer: str = "",
    choices: Sequence[int] = (),
    request_key: str = "",
) -> Poll:
    """Cast the actor's vote. A retry of the same request (the same `request_key`, or the same
    named answer) changes nothing and succeeds; a different answer replaces a named vote only
    where the body allows it. A secret vote cannot be changed: nothing links it to its voter."""
    if not can_see_agenda(actor, poll.meeting):
        raise PermissionDenied(_("You cannot vote in this meeting."))
    try:
        with transaction.atomic():
            poll.status, closing = _hold_for_voting(poll)
            participation = Participation.objects.filter(poll=poll, voter=actor).first()
            if participation is not None and request_key == participation.request_key != "":
                return poll  # the same request again after a lost response, even past the close
            _require_open(poll)
            if closing:
                raise ServiceError(_("The chair is closing this vote; no more votes are accepted."))
            voter = selectors.entitled_voter(poll.meeting, poll.item, actor)
            if voter is None:
                raise ServiceError(_why_not_entitled(poll, actor))
            answer, chosen = _valid_answer(poll, answer, choices)
            rules = poll.meeting.body.decision_rules
            if voter.is_chair:
                voted = set(
                    Participation.objects.filter(poll=poll).values_list("voter_id", flat=True)
                )
                present = set(selectors.entitled_voters(poll.meeting, poll.item))
                if not vote_rules.chair_may_vote(
                    rules, chair=actor.pk, present=present, voted=voted, closing=False
                ):
                    raise ServiceError(
                        _("The chair votes last: %d members have yet to vote.")
                        % len(present - voted - {actor.pk})
                    )
            if participation is None:
                Participation.objects.create(poll=poll, voter=actor, request_key=request_key)
                if poll.secrecy == Poll.Secrecy.SECRET:
                    SealedBallot.objects.create(
                        poll=poll, sealed=sealing.seal(poll.pk, answer, chosen)
                    )
                else:
                    Ballot.objects.create(poll=poll, voter=actor, answer=answer, choices=chosen)
            elif poll.secrecy == Poll.Secrecy.SECRET:
                raise ServiceError(_("You have already voted; a secret vote cannot be changed."))
            else:
                ballot = Ballot.objects.get(poll=poll, voter=actor)
                if (ballot.answer, sorted(ballot.choices)) == (answer, chosen):
                    return poll
                if not rules.votes_may_change:
                    raise ServiceError(_("You have already voted; a vote once cast is final."))
                ballot.answer, ballot.choices = answer, chosen
                ballot.save()
                participation.request_key = request_key
                participation.save()
                return poll
            # Counted once the event's number is taken: that waits for the ballots numbered
            # before it to commit, so the last event always carries the full turnout.
            events.publish(
                meeting=poll.meeting,
                type="voting.ballot_cast",
                payload=lambda: {"poll": poll.pk, "turnout": selectors.turnout(poll)},
                # The voter's own box changes on every one of their screens.
                people=[actor.pk],
            )
    except IntegrityError:
        # Another request of the same person committed between our check and our insert: the
        # same request retried in parallel, or the same named answer sent again with a new key,
        # has the effect asked for (as it would have once the first had answered); anything
        # else is refused.
        same = Participation.objects.filter(poll=poll, voter=actor, request_key=request_key)
        if request_key and same.exists():
            return poll
        same_answer = Ballot.objects.filter(poll=poll, voter=actor, answer=answer, choices=chosen)
        if poll.secrecy == Poll.Secrecy.NAMED and same_answer.exists():
            return poll
        raise ServiceError(_("You have already voted.")) from None
    return poll


def _hold_for_voting(poll: Poll) -> tuple[str, bool]:
    """The poll's status now, and whether its close was asked for, read as the poll row is held
    for voting: voters share the row's lock, so they do not wait for each other, while a close
    (which locks it for update) waits for the ballots in flight and then excludes new ones. Only
    the status can have changed since the caller read the poll. One plain statement: a ballot
    is the request a meeting makes most at once. SQLite (the single-process demo) has no row
    locks and needs none: it writes one transaction at a time."""
    sql = (
        "SELECT poll.status, EXISTS (SELECT 1 FROM voting_closerequest WHERE poll_id = poll.id)"
        " FROM voting_poll poll WHERE poll.id = %s"
    )
    if connection.vendor == "postgresql":
        sql += " FOR SHARE OF poll"
    with connection.cursor() as cursor:
        cursor.execute(sql, [poll.pk])
        row = cursor.fetchone()
    if row is None:  # its meeting deleted meanwhile
        raise ServiceError(_("This vote is closed; no more votes are accepted."))
    return row[0], bool(row[1])


def _require_open(poll: Poll) -> None:
    if poll.status == Poll.Status.DRAFT:
        raise ServiceError(_("This vote has not been opened yet."))
    if poll.status != Poll.Status.OPEN:
        raise ServiceError(_("This vote is closed; no more votes are accepted."))
    if poll.closes_at is not None and poll.closes_at <= timezone.now():
        raise ServiceError(_("This vote closed at its set time; no more votes are accepted."))


def _valid_answer(poll: Poll, answer: str, choices: Sequence[int]) -> tuple[str, list[int]]:
    if poll.method == Poll.Method.YES_NO:
        if answer not in Answer.values or choices:
            raise ServiceError(_("Answer yes, no or abstain."), field="answer")
        return answer, []
    options = set(poll.options.values_list("pk", flat=True))
    chosen = sorted(set(choices))
    if answer == Answer.ABSTAIN and not chosen:
        return answer, []
    if answer or not chosen or not set(chosen) <= options:
        raise ServiceError(_("Choose among the options of this vote."), field="choices")
    if len(chosen) > poll.max_choices:
        raise ServiceError(_("Choose at most %d options.") % poll.max_choices, field="choices")
    return "", chosen


def _why_not_entitled(poll: Poll, actor: User) -> str:
    """The reason a person may not vote, as they need to hear it."""
    meeting = poll.meeting
    attendance = (
        Attendance.objects.filter(meeting=meeting, user=actor).first()
        or Attendance.objects.filter(meeting=meeting, substitute=actor).first()
    )
    if attendance is None:
        return _("You are not on this meeting's list of members.")
    if not attendance.has_vote:
        return _("You attend without a voting right.")
    if Recusal.objects.filter(item=poll.item, user__in=[actor, attendance.user]).exists():
        return _("You have declared a conflict of interest on this item and do not vote on it.")
    if attendance.substitute_id == actor.pk:
        if not meeting.body.substitutes_may_vote:
            return _("Substitutes speak but do not vote in this body.")
        if attendance.substitute_checked_in_at is None:
            return _("Check in first: only members in the room vote.")
    if attendance.status == Attendance.Status.REPRESENTED and attendance.user_id == actor.pk:
        return _("Your substitute attends for you.")
    if attendance.status == Attendance.Status.PRESENT and attendance.remote:
        return _("Members attending remotely do not vote in this body.")
    return _("Check in first: only members in the room vote.")


def recusal_declare(*, actor: User, item: AgendaItem, reason: str) -> Recusal:
    """A member declares a conflict of interest on an item: they do not vote on it, and the
    minutes record it."""
    meeting = item.meeting
    require(can_see_agenda(actor, meeting), _("You cannot take part in this meeting."))
    reason = reason.strip()
    if not reason:
        raise ServiceError(_("Say what the conflict of interest is."), field="reason")
    if meeting.status not in (
        Meeting.Status.SCHEDULED,
        Meeting.Status.IN_SESSION,
        Meeting.Status.ADJOURNED,
    ):
        raise ServiceError(_("Declarations are made before or during the session."))
    try:
        with transaction.atomic():
            # Waits for the ballots in flight on the item's open vote (they hold its row in
            # share mode), then holds back new ones until the declaration commits: a member
            # either voted before declaring, and is refused here, or declared first, and may
            # no longer vote.
            list(Poll.objects.select_for_update().filter(item=item, status=Poll.Status.OPEN))
            _refuse_a_late_recusal(actor, item)
            recusal = Recusal.objects.create(item=item, user=actor, reason=reason)
            events.publish(
                meeting=meeting,
                type="voting.recusal_declared",
                payload={"item": item.pk, "user": actor.pk},
                people=[actor.pk],
            )
    except IntegrityError:
        raise ServiceError(_("You have already declared a conflict on this item.")) from None
    return recusal


def _refuse_a_late_recusal(actor: User, item: AgendaItem) -> None:
    """A conflict is declared before voting on the item: a ballot once counted stays counted,
    so a later declaration would make the record say both "voted" and "did not vote". Someone
    who has not voted may still declare while a vote on the item is open or prepared."""
    meeting = item.meeting
    people = {actor.pk}
    for member, substitute in Attendance.objects.filter(
        Q(user=actor) | Q(substitute=actor), meeting=meeting
    ).values_list("user_id", "substitute_id"):
        people.add(member)
        if substitute is not None:
            people.add(substitute)
    polls = Poll.objects.filter(item=item).exclude(status=Poll.Status.DRAFT)
    if Participation.objects.filter(poll__in=polls, voter_id__in=people).exists():
        raise ServiceError(
            _(
                "You have already voted on this item: a conflict of interest is declared "
                "before voting, and a ballot once cast stays counted."
            )
        )
    # After the item's last vote has closed a declaration would change nothing but the record.
    if polls.exists() and not Poll.objects.filter(item=item).exclude(status=Poll.Status.CLOSED):
        raise ServiceError(
            _(
                "The vote on this item is closed: a conflict of interest is declared before "
                "the vote, and the record of a closed vote does not change."
            )
        )


def extraordinary_request_make(*, actor: User, body: Body, reason: str) -> rules.DemandResult:
    """A member asks for an extraordinary meeting of their body. Once the body's share of all
    members have asked (one third for the Government), the chair and the secretaries are told
    by e-mail, once. Locks the body row: two last requests at once notify once, and a member
    cannot ask twice."""
    body_rules = body.decision_rules
    if body_rules.extraordinary_request is None:
        raise ServiceError(_("In this body only the chair calls an extraordinary meeting."))
    reason = reason.strip()
    if not reason:
        raise ServiceError(_("Say why an extraordinary meeting is needed."), field="reason")
    with transaction.atomic():
        body = Body.objects.select_for_update().get(pk=body.pk)
        members = selectors.voting_members(body)
        require(
            members.filter(user=actor).exists(),
            _("Only members with a voting right ask for an extraordinary meeting."),
        )
        requests = selectors.extraordinary_requests_open(body)
        if requests.filter(member=actor).exists():
            raise ServiceError(_("You have already asked for an extraordinary meeting."))
        ExtraordinaryRequest.objects.create(body=body, member=actor, reason=reason)
        count, requesters = members.count(), requests.count()
        demand = rules.extraordinary_demand(body_rules, members=count, requesters=requesters)
        before = rules.extraordinary_demand(body_rules, members=count, requesters=requesters - 1)
        if demand.reached and not before.reached:
            officers = selectors.current_members(body).filter(
                role__in=[Membership.Role.CHAIR, Membership.Role.SECRETARY]
            )
            to = list(officers.values_list("user_id", flat=True))
            transaction.on_commit(lambda: _mail_demand(body.pk, to))
    return demand


def _mail_demand(body_id: int, user_ids: list[int]) -> None:
    """Tell the chair and the secretaries, after the commit. A mail server failure is logged,
    not raised: the request is on record either way."""
    body = Body.objects.get(pk=body_id)
    requests = selectors.extraordinary_requests_open(body)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(body)s: an extraordinary meeting is demanded") % {"body": body.name}
        text = render_to_string(
            "voting/email/extraordinary_demanded.txt", {"body": body, "requests": requests}
        )
    messages = [
        EmailMessage(subject=subject, body=text, to=[user.email])
        for user in User.objects.filter(pk__in=user_ids).exclude(email="")
    ]
    try:
        get_connection().send_messages(messages)
    except OSError:
        logger.exception("Could not send the extraordinary meeting notice for body %s", body_id)
