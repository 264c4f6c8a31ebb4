"""The agenda screens' live regions: the agenda lists, the item under way, its speakers and
comments, the chair's timer, the secretariat's editor, and each person's own request to speak.

The views build the pages from the same context functions, so a page and the region an event
pushes into it are the same markup (realtime.regions). A shared region depends only on the
meeting and the audience's rights on it: nothing in it is about the person holding the tablet.
What is (their own comments' buttons, their place in the queue) is marked with the people it
concerns (`data-people`, `data-only-for`, `data-not-for`) and shown by the page script; what
cannot be marked so (whether they may ask for the floor now) is a personal region, drawn in the
page as an empty placeholder that the page keeps as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from agendas import forms, selectors, services
from agendas.models import AgendaItem, Comment, Speaker
from agendas.permissions import agenda_of, agenda_visible
from meetings import permissions
from meetings import regions as meeting_regions
from meetings.models import Attendance, Meeting
from realtime import regions

S = Meeting.Status
VIEW, RUN, MANAGE = permissions.VIEW_MEETING, permissions.RUN_MEETING, permissions.MANAGE_MEETING
MODERATORS = frozenset({RUN, MANAGE})
# The meeting states in which the chair's timer is shown.
TIMED = {S.IN_SESSION, S.ADJOURNED}

ITEM_EVENTS = ("agendas.item_started", "agendas.item_ended", "agendas.item_deferred")
# Changes of the agenda's items, their numbers or its publication.
STRUCTURE_EVENTS = (
    "agendas.item_created",
    "agendas.item_changed",
    "agendas.item_deleted",
    "agendas.item_moved",
    "agendas.agenda_published",
    "agendas.agenda_unpublished",
)
AGENDA_EVENTS = (*STRUCTURE_EVENTS, *ITEM_EVENTS)
SPEAKER_EVENTS = (
    "agendas.speaker_requested",
    "agendas.speaker_withdrawn",
    "agendas.floor_given",
    "agendas.floor_ended",
)
TIMER_EVENTS = ("agendas.timer_started", "agendas.timer_stopped")
# An item's comment list, one comment, and the count on the item's tab.
COMMENT_IDS = ("comments-", "comment-", "comment-count-")
STATUS_EVENTS = meeting_regions.STATUS_EVENTS


# Context builders, shared by the views and the regions


@dataclass(frozen=True)
class TreeNode:
    row: selectors.AgendaRow
    children: list[TreeNode]


def tree(rows: list[selectors.AgendaRow]) -> list[TreeNode]:
    """The rows (in reading order) nested under their parents, for the editor's lists."""
    nodes = {row.item.pk: TreeNode(row, []) for row in rows}
    roots: list[TreeNode] = []
    for row in rows:
        parent = nodes.get(row.item.parent_id) if row.item.parent_id else None
        (parent.children if parent else roots).append(nodes[row.item.pk])
    return roots


def seconds_since(moment: Any) -> int:
    return max(0, int((timezone.now() - moment).total_seconds())) if moment else 0


def timer_left(meeting: Meeting, overview: selectors.AgendaOverview) -> int | None:
    """The chair's countdown, while the session runs or is on a break; none once it is
    stopped or the meeting is over, so that no screen keeps a spent "0:00"."""
    agenda = overview.agenda
    if agenda is None or agenda.timer_ends_at is None or meeting.status not in TIMED:
        return None
    return max(0, int((agenda.timer_ends_at - timezone.now()).total_seconds()))


def agenda_context(
    meeting: Meeting, rights: frozenset[str], overview: selectors.AgendaOverview | None = None
) -> dict[str, Any]:
    """What every agenda screen shows of the agenda and the session, for these rights."""
    overview = overview or selectors.agenda_overview(meeting)
    return {
        "meeting": meeting,
        "overview": overview,
        "visible": agenda_visible(rights, overview.agenda),
        "timer_left": timer_left(meeting, overview),
        "in_session": meeting.status == S.IN_SESSION,
        "can_lead": RUN in rights,
        "can_edit": MANAGE in rights,
        "moderator": bool(rights & MODERATORS),
        "audience_rights": rights,
    }


@dataclass(frozen=True)
class ItemData:
    """An item with its speakers and comments, read once for every audience."""

    item: AgendaItem
    row: selectors.AgendaRow | None
    speakers: selectors.SpeakerList
    comments: list[Comment]


def item_data(item: AgendaItem, overview: selectors.AgendaOverview) -> ItemData:
    return ItemData(
        item=item,
        row=next((row for row in overview.rows if row.item.pk == item.pk), None),
        speakers=selectors.speaker_list(item),
        comments=list(selectors.comment_list(item, moderator=True)),
    )


def visible_comments(comments: Iterable[Comment], moderator: bool) -> list[Comment]:
    """Members do not see deleted comments; the chair and the secretariat see every one."""
    return [c for c in comments if moderator or c.deleted_at is None]


def item_context(meeting: Meeting, data: ItemData, rights: frozenset[str]) -> dict[str, Any]:
    """The item panel's shared parts: the item, its speakers, its comments."""
    moderator = bool(rights & MODERATORS)
    speakers = data.speakers
    return {
        "meeting": meeting,
        "item": data.item,
        "row": data.row,
        "speakers": speakers,
        "speaking_for": seconds_since(speakers.speaking.started_at) if speakers.speaking else 0,
        "comments": visible_comments(data.comments, moderator),
        "moderator": moderator,
        "can_lead": RUN in rights,
        "in_session": meeting.status == S.IN_SESSION,
        "comments_open": meeting.status in services.FOLLOWED,
        "comment_form": forms.CommentForm(),
        "audience_rights": rights,
    }


@dataclass(frozen=True)
class OwnAsk:
    """Whether the person may ask for the floor on the item now, and what they asked already."""

    meeting: Meeting
    item: AgendaItem
    in_the_room: bool
    my_speech: bool
    my_point_of_order: bool

    @property
    def open(self) -> bool:
        return (
            self.meeting.status == S.IN_SESSION
            and self.in_the_room
            and self.item.status in (AgendaItem.Status.PENDING, AgendaItem.Status.IN_PROGRESS)
        )

    @property
    def speech(self) -> bool:
        return self.open and not self.my_speech

    @property
    def point_of_order(self) -> bool:
        return (
            self.open
            and not self.my_point_of_order
            and self.item.status == AgendaItem.Status.IN_PROGRESS
        )


def own_ask(
    meeting: Meeting, item: AgendaItem, user: User | AnonymousUser, in_the_room: bool
) -> OwnAsk:
    waiting: set[str] = set()
    if user.is_authenticated:
        waiting = set(
            Speaker.objects.filter(item=item, user=user, status=Speaker.Status.WAITING)
            .values_list("kind", flat=True)
            .distinct()
        )
    return OwnAsk(
        meeting,
        item,
        in_the_room,
        Speaker.Kind.SPEECH in waiting,
        Speaker.Kind.POINT_OF_ORDER in waiting,
    )


# The regions (registered in AgendasConfig.ready)


def _html(template: str, context: dict[str, Any]) -> str:
    return render_to_string(template, context)


@dataclass(frozen=True)
class AgendaData:
    meeting: Meeting
    overview: selectors.AgendaOverview


def _load_agenda(meeting: Meeting, payload: dict[str, Any]) -> AgendaData:
    return AgendaData(meeting, selectors.agenda_overview(meeting))


def _agenda_lists(data: AgendaData, rights: frozenset[str]) -> dict[str, str]:
    """The numbered agenda on the session page, the console and the meeting page; the
    secretariat's editor. Each only for those who may open its page."""
    context = agenda_context(data.meeting, rights, data.overview)
    html = {
        "session-agenda": _html("agendas/_session_agenda.html", context),
        "agenda": _html("agendas/_agenda_card.html", agenda_card_context(context)),
    }
    if rights & MODERATORS:
        html["console-agenda"] = _html("agendas/_console_agenda.html", context)
    if MANAGE in rights:
        editor = {
            **context,
            "tree": tree(data.overview.rows),
            "editable": data.meeting.status in services.OPEN,
        }
        html["agenda-head"] = _html("agendas/_editor_head.html", editor)
        html["agenda-items"] = _html("agendas/_editor_items.html", editor)
        if editor["editable"]:
            numbers = {row.item.pk: row.number for row in data.overview.rows}
            form = forms.ItemForm(meeting=data.meeting, numbers=numbers)
            html["agenda-item-parent"] = str(form["parent"])
    return html


def _item_numbers(data: AgendaData, rights: frozenset[str]) -> dict[str, str]:
    """Each item's number on its own page: adding, moving or removing one item renumbers
    others, whose pages show no other part of the agenda."""
    if not agenda_visible(rights, data.overview.agenda):
        return {}
    return {
        f"item-number-{row.item.pk}": _html(
            "agendas/_item_eyebrow.html", {"item": row.item, "row": row}
        )
        for row in data.overview.rows
    }


def _visibility_variant(rights: frozenset[str]) -> tuple[bool, bool]:
    return (MANAGE in rights, VIEW in rights)


def agenda_card_context(context: dict[str, Any]) -> dict[str, Any]:
    meeting = context["meeting"]
    return {
        **context,
        "can_console": meeting.status != S.DRAFT and (context["can_lead"] or context["can_edit"]),
    }


def _agenda_variant(rights: frozenset[str]) -> frozenset[str]:
    return rights


def _timer(data: AgendaData, rights: frozenset[str]) -> dict[str, str]:
    context = agenda_context(data.meeting, rights, data.overview)
    html = {"chair-timer": _html("agendas/_timer.html", context)}
    if RUN in rights and not regions.is_display(rights):
        html["timer-stop"] = _html("agendas/_timer_stop.html", context)
    return html


@dataclass(frozen=True)
class CurrentData:
    """The item under way (if any) with what its panel shows, and the item an event named."""

    meeting: Meeting
    overview: selectors.AgendaOverview
    current: ItemData | None
    named: ItemData | None


def _load_current(meeting: Meeting, payload: dict[str, Any]) -> CurrentData:
    overview = selectors.agenda_overview(meeting)
    current = item_data(overview.current.item, overview) if overview.current else None
    named = None
    item_id = payload.get("item")
    if current is not None and current.item.pk == item_id:
        named = current
    elif item_id:
        row = next((row for row in overview.rows if row.item.pk == item_id), None)
        named = item_data(row.item, overview) if row is not None else None
    return CurrentData(meeting, overview, current, named)


def _current(data: CurrentData, rights: frozenset[str]) -> dict[str, str]:
    """The item under way on the session page and the console; the named item's own card and
    speakers for the page that shows that item."""
    context = agenda_context(data.meeting, rights, data.overview)
    # The room display draws the item under way its own way, and nothing else of the agenda.
    current_template = (
        "agendas/_display_current.html"
        if regions.is_display(rights)
        else "agendas/_current_item.html"
    )
    if not context["visible"]:
        return {"current-item": _html(current_template, context)}
    if data.current is not None:
        context.update(item_context(data.meeting, data.current, rights))
        context["has_current"] = True
    html = {"current-item": _html(current_template, context)}
    if regions.is_display(rights):
        return html
    if rights & MODERATORS:
        html["console-current"] = _html("agendas/_console_current.html", context)
    if data.named is not None:
        named = {**context, **item_context(data.meeting, data.named, rights)}
        html[f"item-panel-{data.named.item.pk}"] = _html("agendas/_item_card.html", named)
        html[f"speakers-{data.named.item.pk}"] = _html("agendas/_speakers.html", named)
    return html


def _named_item(meeting: Meeting, payload: dict[str, Any]) -> AgendaItem | None:
    item_id = payload.get("item")
    return AgendaItem.objects.filter(meeting=meeting, pk=item_id).first() if item_id else None


@dataclass(frozen=True)
class SpeakersData:
    meeting: Meeting
    item: AgendaItem
    speakers: selectors.SpeakerList


def _load_speakers(meeting: Meeting, payload: dict[str, Any]) -> SpeakersData | None:
    item = _named_item(meeting, payload)
    if item is None:
        return None
    return SpeakersData(meeting, item, selectors.speaker_list(item))


def _speakers(data: SpeakersData | None, rights: frozenset[str]) -> dict[str, str]:
    if data is None or not agenda_visible(rights, agenda_of(data.meeting)):
        return {}
    speakers = data.speakers
    context = {
        "meeting": data.meeting,
        "item": data.item,
        "speakers": speakers,
        "speaking_for": seconds_since(speakers.speaking.started_at) if speakers.speaking else 0,
        "moderator": bool(rights & MODERATORS),
        "can_lead": RUN in rights,
        "in_session": data.meeting.status == S.IN_SESSION,
    }
    template = (
        "agendas/_display_speakers.html" if regions.is_display(rights) else "agendas/_speakers.html"
    )
    return {f"speakers-{data.item.pk}": _html(template, context)}


@dataclass(frozen=True)
class CommentsData:
    meeting: Meeting
    item: AgendaItem
    comments: list[Comment]
    # The comment an edit, a deletion or a hiding changed; none for a new comment.
    changed: Comment | None


def _load_comments(meeting: Meeting, payload: dict[str, Any]) -> CommentsData | None:
    item = _named_item(meeting, payload)
    if item is None:
        return None
    return CommentsData(meeting, item, list(selectors.comment_list(item, moderator=True)), None)


def _load_comment(meeting: Meeting, payload: dict[str, Any]) -> CommentsData | None:
    data = _load_comments(meeting, payload)
    if data is None:
        return None
    changed = next((c for c in data.comments if c.pk == payload.get("comment")), None)
    return CommentsData(meeting, data.item, data.comments, changed)


def _comments(data: CommentsData | None, rights: frozenset[str]) -> dict[str, str]:
    """A new comment draws the item's list again; a changed one (edited, deleted, hidden)
    only its own entry and the count. A member never receives a hidden comment's text nor
    a deleted one."""
    if data is None or not agenda_visible(rights, agenda_of(data.meeting)):
        return {}
    moderator = bool(rights & MODERATORS)
    context = {
        "meeting": data.meeting,
        "item": data.item,
        "comments": visible_comments(data.comments, moderator),
        "moderator": moderator,
        "comments_open": data.meeting.status in services.FOLLOWED,
    }
    c = data.changed
    if c is None:
        return {f"comments-{data.item.pk}": _html("agendas/_comments.html", context)}
    row = (
        _html("agendas/_comment.html", {**context, "c": c})
        if moderator or c.deleted_at is None
        else f'<li id="comment-{c.pk}" class="comment" hidden></li>'
    )
    return {
        f"comment-{c.pk}": row,
        f"comment-count-{data.item.pk}": _html("agendas/_comment_count.html", context),
    }


def _moderator_variant(rights: frozenset[str]) -> tuple[bool, bool]:
    """Speakers and comments: the chair's buttons, and what the moderators alone see."""
    return (RUN in rights, bool(rights & MODERATORS))


# Each person's own request to speak


def _everyone(meeting: Meeting, payload: dict[str, Any]) -> Iterable[int]:
    return meeting_regions.everyone(meeting)


def _load_own_asks(
    meeting: Meeting, user_ids: set[int], payload: dict[str, Any]
) -> dict[int, tuple[OwnAsk, ...]]:
    """Each person's ask box on the item the event named, or on every item that still takes
    requests when the event changed who is in the room or the session's state (three queries)."""
    items = AgendaItem.objects.filter(meeting=meeting)
    if payload.get("item"):
        items = items.filter(pk=payload["item"])
    else:
        items = items.filter(status__in=[AgendaItem.Status.PENDING, AgendaItem.Status.IN_PROGRESS])
    item_list = list(items)
    in_room: set[int] = set()
    theirs = Q(user_id__in=user_ids) | Q(substitute_id__in=user_ids)
    for a in Attendance.objects.filter(theirs, meeting=meeting):
        if a.status == Attendance.Status.PRESENT:
            in_room.add(a.user_id)
        if a.substitute_id and a.substitute_checked_in_at is not None:
            in_room.add(a.substitute_id)
    waiting: dict[tuple[int, int], set[str]] = {}
    for item_id, user_id, kind in Speaker.objects.filter(
        item__in=item_list, user_id__in=user_ids, status=Speaker.Status.WAITING
    ).values_list("item_id", "user_id", "kind"):
        waiting.setdefault((item_id, user_id), set()).add(kind)
    return {
        user_id: tuple(
            OwnAsk(
                meeting,
                item,
                user_id in in_room,
                Speaker.Kind.SPEECH in waiting.get((item.pk, user_id), set()),
                Speaker.Kind.POINT_OF_ORDER in waiting.get((item.pk, user_id), set()),
            )
            for item in item_list
        )
        for user_id in user_ids
    }


def _own_asks(asks: tuple[OwnAsk, ...]) -> dict[str, str]:
    return {
        f"ask-{ask.item.pk}": _html("agendas/_ask.html", {"ask": ask, "item": ask.item})
        for ask in asks
    }


def register() -> None:
    for region in (
        regions.SharedRegion(
            "agenda-lists",
            (*AGENDA_EVENTS, *STATUS_EVENTS),
            ids=(
                "session-agenda",
                "agenda",
                "console-agenda",
                "agenda-head",
                "agenda-items",
                "agenda-item-parent",
            ),
            load=_load_agenda,
            render=_agenda_lists,
            variant=_agenda_variant,
        ),
        regions.SharedRegion(
            "agenda-numbers",
            STRUCTURE_EVENTS,
            ids=("item-number-",),
            load=_load_agenda,
            render=_item_numbers,
            variant=_visibility_variant,
        ),
        regions.SharedRegion(
            "agenda-timer",
            (*TIMER_EVENTS, *STATUS_EVENTS),
            ids=("chair-timer", "timer-stop"),
            load=_load_agenda,
            render=_timer,
            variant=lambda rights: RUN in rights,
            displayed=True,
        ),
        regions.SharedRegion(
            "agenda-current",
            # A new, changed or moved item changes the numbers and titles the panels show too.
            (*AGENDA_EVENTS, *STATUS_EVENTS),
            ids=("current-item", "console-current", "item-panel-", "speakers-"),
            load=_load_current,
            render=_current,
            variant=_agenda_variant,
            displayed=True,
        ),
        regions.SharedRegion(
            "agenda-speakers",
            SPEAKER_EVENTS,
            ids=("speakers-",),
            load=_load_speakers,
            render=_speakers,
            variant=_moderator_variant,
            displayed=True,
        ),
        regions.SharedRegion(
            "agenda-comments",
            ("agendas.comment_posted",),
            ids=COMMENT_IDS,
            load=_load_comments,
            render=_comments,
            variant=_moderator_variant,
        ),
        regions.SharedRegion(
            "agenda-comment",
            ("agendas.comment_edited", "agendas.comment_deleted", "agendas.comment_hidden"),
            ids=COMMENT_IDS,
            load=_load_comment,
            render=_comments,
            variant=_moderator_variant,
        ),
    ):
        regions.register_shared(region)
    regions.register_personal(
        regions.PersonalRegion(
            "ask",
            on=(*SPEAKER_EVENTS, "meetings.attendance_changed"),
            on_everyone=(*ITEM_EVENTS, *STATUS_EVENTS),
            everyone=_everyone,
            load=_load_own_asks,
            render=_own_asks,
            by_state=True,
        )
    )
