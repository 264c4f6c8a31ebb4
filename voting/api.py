"""The REST API of votes (under /api/v1/meetings/<id>/): polls on agenda items, ballots and
declarations of conflicts of interest.

Like `meetings.api` and `agendas.api`: fetch with an `access_*` function (missing and forbidden
are both 404; a prepared vote is missing to all but the chair and the secretariat), parse the
input, call one service, render. The services decide who may act and who may vote;
`core.api.exception_handler` turns their refusals into 400 and 403.

A vote is always rendered for its reader: turnout while it is open, the frozen result once it
is closed, and of the ballots only the reader's own named one. The reads below take the same
number of queries however many have voted.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Q, prefetch_related_objects
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agendas.models import AgendaItem
from agendas.permissions import access_item
from apitokens.models import Scope
from core.api import ERRORS, READ_ERRORS, ListView, action_view, parse, request_actor
from core.errors import ServiceError
from meetings.models import Body, Meeting
from meetings.permissions import access_body, access_meeting
from meetings.rules import extraordinary_demand
from voting import selectors, services
from voting.models import Ballot, Participation, Poll
from voting.permissions import access_poll, can_prepare_polls
from voting.selectors import Voter
from voting.serializers import (
    BallotCastSerializer,
    ExtraordinaryDemandSerializer,
    ExtraordinaryRequestMakeSerializer,
    ExtraordinaryRequestSerializer,
    PollCloseSerializer,
    PollCreateSerializer,
    PollSerializer,
    RecusalDeclareSerializer,
    RecusalSerializer,
)

TAGS = ["votes"]


# What a reader sees of a vote


@dataclass(frozen=True)
class YourVote:
    entitled: bool
    voted: bool
    answer: str | None
    choices: list[int] | None


@dataclass(frozen=True)
class PollRow:
    """A vote as one person sees it; rendered by `PollSerializer`."""

    poll: Poll
    turnout: int
    entitled: int
    you: YourVote
    result: dict[str, Any] | None


def _poll_rows(
    polls: Iterable[Poll], meeting: Meeting, item: AgendaItem, reader: User
) -> list[PollRow]:
    """The polls (of one item, their options prefetched) as `reader` sees them, in four
    queries whatever their number and their ballots': turnout and one's own participation,
    one's own named ballots, and (unless every poll is closed) who may vote now."""
    polls = list(polls)
    ids = [poll.pk for poll in polls]
    participation = {
        row["poll"]: row
        for row in Participation.objects.filter(poll__in=ids)
        .values("poll")
        .annotate(turnout=Count("pk"), mine=Count("pk", filter=Q(voter=reader)))
        .order_by()
    }
    # Named ballots only; a secret ballot carries no voter and could not be found anyway.
    own = {
        ballot.poll_id: ballot
        for ballot in Ballot.objects.filter(
            poll__in=ids, poll__secrecy=Poll.Secrecy.NAMED, voter=reader
        )
    }
    entitled: dict[int, Voter] = {}
    if any(poll.status != Poll.Status.CLOSED for poll in polls):
        entitled = selectors.entitled_voters(meeting, item)
    rows = []
    for poll in polls:
        counts = participation.get(poll.pk, {"turnout": 0, "mine": 0})
        if poll.status == Poll.Status.CLOSED and poll.result is not None:
            # Frozen at closing, like the figures the decision was taken on.
            who: Sequence[int] = poll.result.get("entitled", [])
            result: dict[str, Any] | None = poll.result
        else:
            who, result = list(entitled), None
        ballot = own.get(poll.pk) if poll.secrecy == Poll.Secrecy.NAMED else None
        rows.append(
            PollRow(
                poll=poll,
                turnout=counts["turnout"],
                entitled=len(who),
                you=YourVote(
                    entitled=reader.pk in who,
                    voted=counts["mine"] > 0,
                    answer=(ballot.answer or None) if ballot else None,
                    choices=list(ballot.choices)
                    if ballot and poll.method == Poll.Method.CHOICE
                    else None,
                ),
                result=result,
            )
        )
    return rows


def _poll(poll: Poll, reader: User, *, code: int = status.HTTP_200_OK) -> Response:
    """One vote as `reader` sees it: the poll as `access_poll` found it or as a service left
    it, with its meeting and body."""
    prefetch_related_objects([poll], "options")
    [row] = _poll_rows([poll], poll.meeting, poll.item, reader)
    return Response(PollSerializer(row).data, status=code)


POLL_RESPONSES = {200: PollSerializer, **ERRORS}


# Polls


class PollListView(ListView):
    api_scope = Scope.VOTE_ADMIN

    @extend_schema(
        tags=TAGS,
        summary="The item's votes",
        description="In the order they were prepared. Prepared votes not yet opened are listed "
        "for the chair and the secretariat only.",
        responses={200: PollSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, meeting_id: int, item_id: int) -> Response:
        actor = request_actor(request)
        item = access_item(actor, meeting_id, item_id)
        polls = selectors.polls_for_item(item)
        if not can_prepare_polls(actor, item.meeting):
            polls = polls.exclude(status=Poll.Status.DRAFT)
        if self.pagination_class is None:
            return Response(
                PollSerializer(_poll_rows(polls, item.meeting, item, actor), many=True).data
            )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(polls, request, view=self) or []
        rows = _poll_rows(page, item.meeting, item, actor)
        return paginator.get_paginated_response(PollSerializer(rows, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Prepare a vote on the item (the chair or the secretariat)",
        description="The vote is seen by the chair and the secretariat only until the chair "
        "opens it. A choice has 2 to 50 `options`; a yes-or-no vote has none.",
        request=PollCreateSerializer,
        responses={201: PollSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int, item_id: int) -> Response:
        actor = request_actor(request)
        item = access_item(actor, meeting_id, item_id)
        data = parse(PollCreateSerializer, request)
        poll = services.poll_create(actor=actor, item=item, **data)
        return _poll(poll, actor, code=status.HTTP_201_CREATED)


class PollDetailView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="A vote, as the reader may see it",
        description="While the vote is open, only how many have voted (`turnout`), never how; "
        "once closed, the `result`. `you.answer` and `you.choices` are the reader's own named "
        "ballot; a secret ballot cannot be traced back, to its voter either.",
        responses={200: PollSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, meeting_id: int, poll_id: int) -> Response:
        actor = request_actor(request)
        return _poll(access_poll(actor, meeting_id, poll_id), actor)


poll_action_view = functools.partial(
    action_view,
    target=access_poll,
    keyword="poll",
    answer=lambda request, poll: _poll(poll, request_actor(request)),
    tags=TAGS,
    responses=POLL_RESPONSES,
    api_scope=Scope.VOTE_ADMIN,
)


PollOpenView = poll_action_view(
    "PollOpenView",
    services.poll_open,
    summary="Open a prepared vote (the chair)",
    description="During the session, with a quorum, and while no other vote of the meeting "
    "is open. Every member entitled to vote sees it at once.",
)


class PollCloseView(APIView):
    api_scope = Scope.VOTE_ADMIN

    @extend_schema(
        tags=TAGS,
        summary="Close an open vote (the chair)",
        description="The vote is decided under the body's rules; the result, the figures and "
        "the people entitled to vote are frozen. If the quorum was lost meanwhile, the vote is "
        "recorded as void (it decides nothing), unless it is a procedural motion, which needs no "
        "quorum. In a choice vote (an election), `illegal` is the number of paper ballots the "
        "tellers found illegal, cast by members entitled to vote: shown apart in the counts, "
        "never as a choice, and counted in the base where the body's rules say so.",
        request=PollCloseSerializer,
        responses=POLL_RESPONSES,
    )
    def post(self, request: Request, meeting_id: int, poll_id: int) -> Response:
        actor = request_actor(request)
        poll = access_poll(actor, meeting_id, poll_id)
        data = parse(PollCloseSerializer, request)
        return _poll(services.poll_close(actor=actor, poll=poll, **data), actor)


class BallotView(APIView):
    api_scope = Scope.VOTE

    @extend_schema(
        tags=TAGS,
        summary="Vote",
        description="While the vote is open, by members checked in, with a voting right, and "
        "not recused from the item. `answer` (`yes`, `no`, `abstain`) in a yes-or-no vote; "
        "`choices` (option ids) in a choice vote. Sending the same `request_key` again after a "
        "lost answer records the ballot once and answers the same. A secret vote cannot be "
        "changed; a named one only where the body allows it. Answered with the vote as the "
        "voter sees it.",
        request=BallotCastSerializer,
        responses=POLL_RESPONSES,
    )
    def post(self, request: Request, meeting_id: int, poll_id: int) -> Response:
        actor = request_actor(request)
        poll = access_poll(actor, meeting_id, poll_id)
        data = parse(BallotCastSerializer, request)
        return _poll(services.ballot_cast(actor=actor, poll=poll, **data), actor)


# Conflicts of interest


class RecusalView(APIView):
    api_scope = Scope.VOTE

    @extend_schema(
        tags=TAGS,
        summary="Declare a conflict of interest on the item",
        description="Before or during the session. The person does not vote on the item from "
        "then on, and the minutes record the declaration; it cannot be withdrawn.",
        request=RecusalDeclareSerializer,
        responses={201: RecusalSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int, item_id: int) -> Response:
        actor = request_actor(request)
        item = access_item(actor, meeting_id, item_id)
        data = parse(RecusalDeclareSerializer, request)
        recusal = services.recusal_declare(actor=actor, item=item, **data)
        return Response(RecusalSerializer(recusal).data, status=status.HTTP_201_CREATED)


class ExtraordinaryRequestView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Who has asked for an extraordinary meeting of the body",
        description="The requests made since the body's last extraordinary meeting was "
        "prepared, and whether they reach the share of all members the body's rules require "
        "(at least one third for the Government). 400 for a body whose chair alone calls one.",
        responses={200: ExtraordinaryDemandSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, body_id: int) -> Response:
        body = access_body(request_actor(request), body_id)
        return _demand(body)

    @extend_schema(
        tags=TAGS,
        summary="Ask for an extraordinary meeting of the body",
        description="A member with a voting right, once until the next extraordinary meeting is "
        "prepared. When the requests reach the body's threshold, the chair and the secretaries "
        "are told by e-mail.",
        request=ExtraordinaryRequestMakeSerializer,
        responses={201: ExtraordinaryDemandSerializer, **ERRORS},
    )
    def post(self, request: Request, body_id: int) -> Response:
        actor = request_actor(request)
        body = access_body(actor, body_id)
        data = parse(ExtraordinaryRequestMakeSerializer, request)
        services.extraordinary_request_make(actor=actor, body=body, **data)
        return _demand(body, code=status.HTTP_201_CREATED)


class MeetingRequestersView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Who asked for this extraordinary meeting",
        description="The members whose requests led to the meeting: those made after the "
        "body's previous extraordinary meeting was prepared and before this one was, oldest "
        "first, with their reasons. Empty for an ordinary meeting.",
        responses={200: ExtraordinaryRequestSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        meeting = access_meeting(request_actor(request), meeting_id)
        requests = selectors.extraordinary_requested_by(meeting)
        return Response(ExtraordinaryRequestSerializer(requests, many=True).data)


def _demand(body: Body, code: int = status.HTTP_200_OK) -> Response:
    body_rules = body.decision_rules
    if body_rules.extraordinary_request is None:
        raise ServiceError(_("In this body only the chair calls an extraordinary meeting."))
    requests = list(selectors.extraordinary_requests_open(body))
    demand = extraordinary_demand(
        body_rules, members=selectors.voting_members(body).count(), requesters=len(requests)
    )
    data = {
        "requesters": demand.requesters,
        "members": demand.members,
        "needed": demand.required,
        "reached": demand.reached,
        "explanation": demand.explanation,
        "requests": requests,
    }
    return Response(ExtraordinaryDemandSerializer(data).data, status=code)
