"""The votes on the agenda screens as live regions: each item's polls (question, turnout,
outcome, the chair's buttons), the vote open on another item than the one under way, and each
person's own ballot box and conflict-of-interest box.

A poll is the same for everyone with the same rights; whether a person may vote, has voted and
how (a named vote) is theirs alone: a personal region, which the shared panel draws as an empty
placeholder that the page keeps as it was. A ballot changes the voter's own box on every one of
their screens (the event names the voter) and, for the others, one figure, the turnout, which
the page writes from the event's payload: nobody's panel is drawn again for a ballot.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.template.loader import render_to_string

from agendas import regions as agenda_regions
from agendas import selectors as agenda_selectors
from agendas.models import AgendaItem
from agendas.permissions import agenda_of, agenda_visible
from meetings import permissions
from meetings import regions as meeting_regions
from meetings.models import Meeting
from realtime import regions
from voting import forms, selectors
from voting.models import Ballot, Participation, Poll, Recusal
from voting.permissions import can_prepare

POLL_EVENTS = ("voting.poll_created", "voting.poll_opened", "voting.poll_closed")


@dataclass(frozen=True)
class OwnBallot:
    """The person's own ballot box on an open poll."""

    poll: Poll
    may_vote: bool
    voted: bool
    my_ballot: Ballot | None

    @property
    def request_key(self) -> str:
        """A new key for each rendering of the form: a retried submission is recognised as the
        same, and people in the same state can share the box's data."""
        return secrets.token_urlsafe(16)


@dataclass(frozen=True)
class OwnRecusal:
    """Whether the person declared a conflict on the item, or may declare one now."""

    item: AgendaItem
    recused: bool
    may_declare: bool


@dataclass(frozen=True)
class PollView:
    poll: Poll
    turnout: int
    entitled: int
    # The person's own box, when the page is drawn for one person; None in a shared region.
    own: OwnBallot | None = None


@dataclass(frozen=True)
class ItemVotes:
    """An item's polls with their turnouts and how many may vote on it, read once."""

    item: AgendaItem
    polls: list[Poll]
    turnout: dict[int, int]
    entitled: int


def load_item_votes(meeting: Meeting, items: list[AgendaItem]) -> list[ItemVotes]:
    entitled = selectors.entitled_by_item(meeting, items) if items else {}
    loaded = []
    for item in items:
        polls = list(selectors.polls_for_item(item))
        loaded.append(ItemVotes(item, polls, selectors.turnouts(polls), len(entitled[item.pk])))
    return loaded


def votes_context(
    meeting: Meeting,
    votes: ItemVotes,
    rights: frozenset[str],
    *,
    console: bool,
    region_id: str,
    owner: User | AnonymousUser | None = None,
) -> dict[str, Any]:
    """An item's votes as its panel shows them. With `owner`, the person's own boxes too (the
    page); without, placeholders for them (a region)."""
    item = votes.item
    preparer = can_prepare(rights)
    shown = [poll for poll in votes.polls if poll.status != Poll.Status.DRAFT or preparer]
    recusal = None
    views = [PollView(poll, votes.turnout.get(poll.pk, 0), votes.entitled) for poll in shown]
    if owner is not None and owner.is_authenticated:
        voters = selectors.entitled_voters(meeting, item)
        views = [
            PollView(v.poll, v.turnout, v.entitled, own_ballot(v.poll, owner, voters))
            if v.poll.status == Poll.Status.OPEN
            else v
            for v in views
        ]
        recusal = OwnRecusal(
            item,
            Recusal.objects.filter(item=item, user=owner).exists(),
            may_declare_conflict(owner, item, votes.polls, voters),
        )
    return {
        "meeting": meeting,
        "item": item,
        "polls": views,
        "preparer": preparer and console,
        "console": console,
        "region_id": region_id,
        "poll_form": forms.PollForm(),
        "recusal": recusal,
        "recusal_form": forms.RecusalForm(),
    }


def may_declare_conflict(
    user: User, item: AgendaItem, polls: list[Poll], voters: dict[int, selectors.Voter]
) -> bool:
    """A conflict is declared before voting on the item, and never once its votes have all
    closed."""
    all_closed = bool(polls) and all(poll.status == Poll.Status.CLOSED for poll in polls)
    return (
        user.pk in voters
        and not all_closed
        and not Participation.objects.filter(poll__item=item, voter=user).exists()
    )


def own_ballot(poll: Poll, user: User, voters: dict[int, selectors.Voter]) -> OwnBallot:
    return OwnBallot(
        poll=poll,
        may_vote=user.pk in voters,
        voted=selectors.has_voted(poll, user),
        my_ballot=selectors.own_ballot(poll, user),
    )


def counted_ballot(poll: Poll, voter_id: int) -> OwnBallot:
    """The voter's box once their ballot is counted: the count has just found them entitled,
    so only a named ballot is read back (one query), not who else may vote."""
    return OwnBallot(
        poll=poll,
        may_vote=poll.status == Poll.Status.OPEN,
        voted=True,
        my_ballot=selectors.named_ballot(poll, voter_id),
    )


def votes_region(item: AgendaItem, console: bool) -> str:
    return f"console-votes-{item.pk}" if console else f"votes-{item.pk}"


def elsewhere_region(console: bool) -> str:
    """The vote open on another item than the one under way."""
    return "console-vote-elsewhere" if console else "vote-elsewhere"


# The shared regions


@dataclass(frozen=True)
class VotesData:
    meeting: Meeting
    # The items whose panels the event changed.
    items: list[ItemVotes]
    # Whether the vote open elsewhere is drawn again, and its item's votes if there is one.
    redraw_elsewhere: bool
    elsewhere: ItemVotes | None = None


def _load_votes(meeting: Meeting, payload: dict[str, Any]) -> VotesData:
    # Who may vote changed: only an open vote's figure shows it. Asked first, and cheaply: most
    # arrivals come with no vote open.
    arrival = "attendance" in payload and not payload.get("item")
    if arrival and selectors.open_poll_item(meeting) is None:
        return VotesData(meeting, [], redraw_elsewhere=False)
    open_poll = selectors.open_poll(meeting)
    item_ids: set[int] = set()
    if payload.get("item"):
        item_ids.add(payload["item"])
    elif "attendance" in payload:
        if open_poll is None:
            return VotesData(meeting, [], redraw_elsewhere=False)
        item_ids.add(open_poll.item_id)
    overview = agenda_selectors.agenda_overview(meeting)
    current = overview.current.item.pk if overview.current else None
    elsewhere = open_poll.item_id if open_poll and open_poll.item_id != current else None
    loaded = load_item_votes(
        meeting,
        list(AgendaItem.objects.filter(meeting=meeting, pk__in={*item_ids, elsewhere} - {None})),
    )
    return VotesData(
        meeting,
        [votes for votes in loaded if votes.item.pk in item_ids],
        redraw_elsewhere=True,
        elsewhere=next((votes for votes in loaded if votes.item.pk == elsewhere), None),
    )


def _votes(data: VotesData, rights: frozenset[str]) -> dict[str, str]:
    meeting = data.meeting
    if not data.items and not data.redraw_elsewhere:
        return {}  # an arrival with no vote open: nothing to draw, nor the agenda to read
    if not agenda_visible(rights, agenda_of(meeting)):
        return {}
    if regions.is_display(rights):
        return _display_votes(data, rights)
    html: dict[str, str] = {}
    for console in (False, True) if can_prepare(rights) else (False,):
        for votes in data.items:
            region_id = votes_region(votes.item, console)
            html[region_id] = _render(
                votes_context(meeting, votes, rights, console=console, region_id=region_id)
            )
        if data.redraw_elsewhere:
            region_id = elsewhere_region(console)
            html[region_id] = (
                _render(
                    votes_context(
                        meeting, data.elsewhere, rights, console=console, region_id=region_id
                    )
                )
                if data.elsewhere
                else f'<div class="votes-region" id="{region_id}"></div>'
            )
    return html


def _render(context: dict[str, Any]) -> str:
    return render_to_string("voting/_votes.html", context)


def _display_votes(data: VotesData, rights: frozenset[str]) -> dict[str, str]:
    """The votes as the room display shows them: the question, the turnout while open, the
    outcome with its figures once closed; never a roll call, a form or anyone's own box."""
    html: dict[str, str] = {}
    for votes in data.items:
        region_id = votes_region(votes.item, console=False)
        html[region_id] = render_display(
            votes_context(data.meeting, votes, rights, console=False, region_id=region_id)
        )
    if data.redraw_elsewhere:
        region_id = elsewhere_region(console=False)
        html[region_id] = (
            render_display(
                votes_context(
                    data.meeting, data.elsewhere, rights, console=False, region_id=region_id
                )
            )
            if data.elsewhere
            else f'<div class="votes-region" id="{region_id}"></div>'
        )
    return html


def render_display(context: dict[str, Any]) -> str:
    return render_to_string("voting/_votes_display.html", context)


# The personal regions


def _load_own(
    meeting: Meeting, user_ids: set[int], payload: dict[str, Any]
) -> dict[int, tuple[OwnBallot | OwnRecusal, ...]]:
    """Each person's ballot boxes on the open polls and conflict boxes on the items the event
    concerns: the one it names (or its poll's), or every item when who is in the room or the
    session's state changed. People with the same boxes share one rendering."""
    items = AgendaItem.objects.filter(meeting=meeting)
    if payload.get("item"):
        items = items.filter(pk=payload["item"])
    elif payload.get("poll"):
        items = items.filter(polls__pk=payload["poll"])
    item_list = list(items)
    entitled = selectors.entitled_by_item(meeting, item_list, among=user_ids)
    open_polls = list(
        Poll.objects.filter(item__in=item_list, status=Poll.Status.OPEN).select_related("item")
    )
    voted = set(
        Participation.objects.filter(poll__in=open_polls, voter_id__in=user_ids).values_list(
            "poll_id", "voter_id"
        )
    )
    ballots = {
        (ballot.poll_id, ballot.voter_id): ballot
        for ballot in Ballot.objects.filter(
            poll__in=[p for p in open_polls if p.secrecy == Poll.Secrecy.NAMED],
            voter_id__in=user_ids,
        )
    }
    recused = set(
        Recusal.objects.filter(item__in=item_list, user_id__in=user_ids).values_list(
            "item_id", "user_id"
        )
    )
    # Items whose every vote has closed: nothing left to declare a conflict for.
    statuses: dict[int, set[str]] = {item.pk: set() for item in item_list}
    for item_id, status in Poll.objects.filter(item__in=item_list).values_list("item_id", "status"):
        statuses[item_id].add(status)
    closed_items = {item_id for item_id, seen in statuses.items() if seen == {Poll.Status.CLOSED}}
    voted_on_item = set(
        Participation.objects.filter(poll__item__in=item_list, voter_id__in=user_ids).values_list(
            "poll__item_id", "voter_id"
        )
    )
    own: dict[int, tuple[OwnBallot | OwnRecusal, ...]] = {}
    for user_id in user_ids:
        boxes: list[OwnBallot | OwnRecusal] = [
            OwnBallot(
                poll,
                user_id in entitled[poll.item_id],
                (poll.pk, user_id) in voted,
                ballots.get((poll.pk, user_id)),
            )
            for poll in open_polls
        ]
        boxes += [
            OwnRecusal(
                item,
                (item.pk, user_id) in recused,
                user_id in entitled[item.pk]
                and item.pk not in closed_items
                and (item.pk, user_id) not in voted_on_item,
            )
            for item in item_list
        ]
        own[user_id] = tuple(boxes)
    return own


def _load_cast(
    meeting: Meeting, user_ids: set[int], payload: dict[str, Any]
) -> dict[int, tuple[OwnBallot | OwnRecusal, ...]]:
    """The voter's boxes once their ballot is counted (the event names the voter), from what
    the count settled: their ballot box on the poll, and no conflict left to declare on its
    item (one read of the poll, and one of a named ballot)."""
    poll = Poll.objects.select_related("item").get(pk=payload["poll"])
    poll.meeting = meeting
    return {
        user_id: (
            counted_ballot(poll, user_id),
            OwnRecusal(poll.item, recused=False, may_declare=False),
        )
        for user_id in user_ids
    }


def _own(boxes: tuple[OwnBallot | OwnRecusal, ...]) -> dict[str, str]:
    html: dict[str, str] = {}
    for box in boxes:
        if isinstance(box, OwnBallot):
            html[f"ballot-{box.poll.pk}"] = render_to_string(
                "voting/_ballot.html", {"own": box, "poll": box.poll, "meeting": box.poll.meeting}
            )
        elif not box.recused and not box.may_declare:
            html[f"recusal-{box.item.pk}"] = _empty_recusal(box.item)
        else:
            html[f"recusal-{box.item.pk}"] = render_to_string(
                "voting/_recusal.html",
                {"recusal": box, "item": box.item, "recusal_form": forms.RecusalForm()},
            )
    return html


def _empty_recusal(item: AgendaItem) -> str:
    return f'<div class="recusal-box" id="recusal-{item.pk}" data-personal></div>'


def _everyone(meeting: Meeting, payload: dict[str, Any]) -> Iterable[int]:
    return meeting_regions.everyone(meeting)


def register() -> None:
    regions.register_shared(
        regions.SharedRegion(
            "votes",
            (
                *POLL_EVENTS,
                "voting.recusal_declared",
                "meetings.attendance_changed",
                *agenda_regions.ITEM_EVENTS,
                *agenda_regions.STATUS_EVENTS,
            ),
            ids=("votes-", "console-votes-", "vote-elsewhere", "console-vote-elsewhere"),
            load=_load_votes,
            render=_votes,
            variant=lambda rights: (can_prepare(rights), permissions.MANAGE_MEETING in rights),
            displayed=True,
        )
    )
    # The room display writes a ballot's turnout in place from the event's payload.
    regions.register_display_payloads(("voting.ballot_cast",))
    regions.register_personal(
        regions.PersonalRegion(
            "own-ballot",
            on=("voting.ballot_cast",),
            on_everyone=(),
            everyone=lambda meeting, payload: (),
            load=_load_cast,
            render=_own,
            by_state=True,
        )
    )
    regions.register_personal(
        regions.PersonalRegion(
            "own-votes",
            on=("voting.recusal_declared", "meetings.attendance_changed"),
            on_everyone=(
                "voting.poll_opened",
                "voting.poll_closed",
                *agenda_regions.ITEM_EVENTS,
                *agenda_regions.STATUS_EVENTS,
            ),
            everyone=_everyone,
            load=_load_own,
            render=_own,
            by_state=True,
        )
    )
