"""The REST API of agendas (under /api/v1/meetings/<id>/agenda/): items, the speaker queue,
comments and the chair's timer.

Like `meetings.api`: fetch with an `access_*` function (missing and forbidden are both 404;
an unpublished agenda is missing to all but the secretariat), parse the input, call one
service, render. The services decide who may act; `core.api.exception_handler` turns
their refusals into 400 and 403.
"""

from __future__ import annotations

import functools

from django.contrib.auth.models import User
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agendas import selectors, services
from agendas.models import Agenda, AgendaItem, Comment, Speaker
from agendas.permissions import (
    access_agenda,
    access_comment,
    access_item,
    access_speaker,
    can_moderate_comments,
)
from agendas.serializers import (
    AgendaItemCreateSerializer,
    AgendaItemMoveSerializer,
    AgendaItemSerializer,
    AgendaItemUpdateSerializer,
    AgendaSerializer,
    AgendaSettingsSerializer,
    CommentSerializer,
    CommentTextSerializer,
    FloorGiveSerializer,
    SpeakerListSerializer,
    SpeakerRequestSerializer,
    SpeakerSerializer,
    TimerSerializer,
    TimerStartSerializer,
)
from core.api import ERRORS, READ_ERRORS, ListView, action_view, parse, request_actor
from core.serializers import NoInputSerializer
from meetings.models import Meeting

NO_CONTENT = {204: None, **ERRORS}


def _agenda(meeting: Meeting) -> Response:
    overview = selectors.agenda_overview(meeting)
    return Response(AgendaSerializer(overview, context={"meeting": meeting}).data)


def _after(agenda: Agenda) -> Response:
    """The agenda as a service left it: the service's own copy of the meeting carries the
    changed agenda (the one fetched before the change would show it as it was)."""
    return _agenda(agenda.meeting)


def _item(item: AgendaItem, *, code: int = status.HTTP_200_OK) -> Response:
    """One item as the agenda shows it: numbered, with its times (two queries)."""
    overview = selectors.agenda_overview(item.meeting)
    row = next(row for row in overview.rows if row.item.pk == item.pk)
    return Response(AgendaItemSerializer(row).data, status=code)


def _referenced_item(actor: User, meeting: Meeting, item_id: int | None) -> AgendaItem | None:
    """An item named in a request's input: one of another meeting, or one the actor cannot
    see, is reported as missing."""
    if item_id is None:
        return None
    try:
        return access_item(actor, meeting.pk, item_id)
    except Http404:
        raise serializers.ValidationError({"parent": [_("No such agenda item.")]}) from None


def _speaker(actor: User, meeting_id: int, item_id: int, speaker_id: int) -> Speaker:
    speaker = access_speaker(actor, meeting_id, speaker_id)
    if speaker.item_id != item_id:
        raise Http404
    return speaker


def _comment(actor: User, meeting_id: int, item_id: int, comment_id: int) -> tuple[Comment, bool]:
    """The comment, and whether the actor moderates the meeting's comments. A deleted comment
    is gone for everyone but the moderators, as in the list."""
    comment = access_comment(actor, meeting_id, comment_id)
    if comment.item_id != item_id:
        raise Http404
    moderator = can_moderate_comments(actor, comment.item.meeting)
    if comment.deleted_at is not None and not moderator:
        raise Http404
    return comment, moderator


def _render_comment(
    comment: Comment, moderator: bool, *, code: int = status.HTTP_200_OK
) -> Response:
    return Response(CommentSerializer(comment, context={"moderator": moderator}).data, status=code)


# The agenda


class AgendaView(APIView):
    @extend_schema(
        tags=["agenda"],
        summary="The agenda, numbered, with projected times",
        description="Items in reading order. Until it is published, only the secretariat sees "
        "the agenda; for everyone else it is missing.",
        responses={200: AgendaSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        return _agenda(access_agenda(request_actor(request), meeting_id))

    @extend_schema(
        tags=["agenda"],
        summary="Set the speaking time offered to each speaker (chair or secretariat)",
        request=AgendaSettingsSerializer,
        responses={200: AgendaSerializer, **ERRORS},
    )
    def patch(self, request: Request, meeting_id: int) -> Response:
        actor = request_actor(request)
        meeting = access_agenda(actor, meeting_id)
        data = parse(AgendaSettingsSerializer, request)
        return _after(services.agenda_settings_update(actor=actor, meeting=meeting, **data))


agenda_action_view = functools.partial(
    action_view,
    target=access_agenda,
    keyword="meeting",
    answer=lambda request, agenda: _after(agenda),
    tags=["agenda"],
    responses={200: AgendaSerializer, **ERRORS},
)

AgendaPublishView = agenda_action_view(
    "AgendaPublishView",
    services.agenda_publish,
    summary="Publish the agenda (the secretariat)",
    description="Members see it from now on and are told by e-mail. The meeting must be "
    "scheduled and the agenda have an item.",
)
AgendaUnpublishView = agenda_action_view(
    "AgendaUnpublishView",
    services.agenda_unpublish,
    summary="Take the agenda back before the session (the secretariat)",
    description="Members no longer see it.",
)


# Items


class AgendaItemListView(APIView):
    @extend_schema(
        tags=["agenda"],
        summary="Add an item (the secretariat)",
        description="At the end of its parent's list, or of the agenda. Items nest three levels "
        "deep at most.",
        request=AgendaItemCreateSerializer,
        responses={201: AgendaItemSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        actor = request_actor(request)
        meeting = access_agenda(actor, meeting_id)
        data = parse(AgendaItemCreateSerializer, request)
        parent = _referenced_item(actor, meeting, data.pop("parent"))
        item = services.agenda_item_create(actor=actor, meeting=meeting, parent=parent, **data)
        return _item(item, code=status.HTTP_201_CREATED)


class AgendaItemDetailView(APIView):
    @extend_schema(tags=["agenda"], responses={200: AgendaItemSerializer, **READ_ERRORS})
    def get(self, request: Request, meeting_id: int, item_id: int) -> Response:
        return _item(access_item(request_actor(request), meeting_id, item_id))

    @extend_schema(
        tags=["agenda"],
        summary="Change an item's title, description, type, presenter or planned time "
        "(the secretariat)",
        request=AgendaItemUpdateSerializer,
        responses={200: AgendaItemSerializer, **ERRORS},
    )
    def patch(self, request: Request, meeting_id: int, item_id: int) -> Response:
        actor = request_actor(request)
        item = access_item(actor, meeting_id, item_id)
        data = parse(AgendaItemUpdateSerializer, request, partial=True)
        return _item(services.agenda_item_update(actor=actor, item=item, **data))

    @extend_schema(
        tags=["agenda"],
        summary="Remove an item and its sub-items (the secretariat)",
        description="Only while nothing has happened on them: an item taken up, with speakers "
        "or comments belongs to the record and can only be deferred.",
        responses=NO_CONTENT,
    )
    def delete(self, request: Request, meeting_id: int, item_id: int) -> Response:
        actor = request_actor(request)
        services.agenda_item_delete(actor=actor, item=access_item(actor, meeting_id, item_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AgendaItemMoveView(APIView):
    @extend_schema(
        tags=["agenda"],
        summary="Move an item, with its sub-items (the secretariat)",
        description="Under `parent` (null: the top level) at `position` among its new siblings. "
        "The whole agenda is renumbered.",
        request=AgendaItemMoveSerializer,
        responses={200: AgendaItemSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int, item_id: int) -> Response:
        actor = request_actor(request)
        item = access_item(actor, meeting_id, item_id)
        data = parse(AgendaItemMoveSerializer, request)
        parent = _referenced_item(actor, item.meeting, data["parent"])
        item = services.agenda_item_move(
            actor=actor, item=item, parent=parent, position=data["position"]
        )
        return _item(item)


item_action_view = functools.partial(
    action_view,
    target=access_item,
    keyword="item",
    answer=lambda request, item: _item(item),
    tags=["agenda"],
    responses={200: AgendaItemSerializer, **ERRORS},
)

AgendaItemStartView = item_action_view(
    "AgendaItemStartView",
    services.agenda_item_start,
    summary="Take up an item (the chair)",
    description="A pending item, or one deferred earlier. The item in progress, if any, ends "
    "first.",
)
AgendaItemEndView = item_action_view(
    "AgendaItemEndView",
    services.agenda_item_end,
    summary="End the item in progress (the chair)",
    description="The turn in progress ends; those still waiting to speak are not called.",
)
AgendaItemDeferView = item_action_view(
    "AgendaItemDeferView",
    services.agenda_item_defer,
    summary="Put an item off (the chair)",
    description="The item in progress or one not yet taken up; it can be taken up again later.",
)


# The speaker queue


class SpeakerListView(APIView):
    @extend_schema(
        tags=["speakers"],
        summary="Who has the floor on the item, who waits for it and who has spoken",
        responses={200: SpeakerListSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, meeting_id: int, item_id: int) -> Response:
        item = access_item(request_actor(request), meeting_id, item_id)
        return Response(SpeakerListSerializer(selectors.speaker_list(item)).data)

    @extend_schema(
        tags=["speakers"],
        summary="Ask for the floor",
        description="During the session, once checked in. A point of order goes ahead of the "
        "queue and concerns the item in progress.",
        request=SpeakerRequestSerializer,
        responses={201: SpeakerSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int, item_id: int) -> Response:
        actor = request_actor(request)
        item = access_item(actor, meeting_id, item_id)
        data = parse(SpeakerRequestSerializer, request)
        speaker = services.speaker_request(actor=actor, item=item, **data)
        return Response(SpeakerSerializer(speaker).data, status=status.HTTP_201_CREATED)


class SpeakerNextView(APIView):
    @extend_schema(
        tags=["speakers"],
        summary="Give the floor to the first in the queue (the chair)",
        description="Points of order first, then in the order people asked.",
        request=None,
        responses={200: SpeakerSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int, item_id: int) -> Response:
        actor = request_actor(request)
        item = access_item(actor, meeting_id, item_id)
        parse(NoInputSerializer, request)
        speaker = services.floor_give_next(actor=actor, item=item)
        return Response(SpeakerSerializer(speaker).data)


class SpeakerWithdrawView(APIView):
    @extend_schema(
        tags=["speakers"],
        summary="Withdraw a request to speak (the person, the chair or the secretariat)",
        request=None,
        responses={200: SpeakerSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int, item_id: int, speaker_id: int) -> Response:
        actor = request_actor(request)
        speaker = _speaker(actor, meeting_id, item_id, speaker_id)
        parse(NoInputSerializer, request)
        speaker = services.speaker_withdraw(actor=actor, speaker=speaker)
        return Response(SpeakerSerializer(speaker).data)


class SpeakerFloorView(APIView):
    @extend_schema(
        tags=["speakers"],
        summary="Give the floor to a waiting speaker (the chair)",
        description="On the item in progress. Whoever is speaking stops.",
        request=FloorGiveSerializer,
        responses={200: SpeakerSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int, item_id: int, speaker_id: int) -> Response:
        actor = request_actor(request)
        speaker = _speaker(actor, meeting_id, item_id, speaker_id)
        data = parse(FloorGiveSerializer, request)
        speaker = services.floor_give(actor=actor, speaker=speaker, **data)
        return Response(SpeakerSerializer(speaker).data)


class SpeakerEndView(APIView):
    @extend_schema(
        tags=["speakers"],
        summary="End a turn (the chair, or the speaker)",
        request=None,
        responses={200: SpeakerSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int, item_id: int, speaker_id: int) -> Response:
        actor = request_actor(request)
        speaker = _speaker(actor, meeting_id, item_id, speaker_id)
        parse(NoInputSerializer, request)
        speaker = services.floor_end(actor=actor, speaker=speaker)
        return Response(SpeakerSerializer(speaker).data)


# Comments


class CommentListView(ListView):
    @extend_schema(
        tags=["comments"],
        summary="The item's comments, oldest first",
        description="Members do not see deleted comments, nor the text of hidden ones; the "
        "chair and the secretariat see every comment in full.",
        responses={200: CommentSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, meeting_id: int, item_id: int) -> Response:
        actor = request_actor(request)
        item = access_item(actor, meeting_id, item_id)
        moderator = can_moderate_comments(actor, item.meeting)
        comments = selectors.comment_list(item, moderator=moderator)
        return self.paginated(request, comments, CommentSerializer, {"moderator": moderator})

    @extend_schema(
        tags=["comments"],
        summary="Comment on the item",
        request=CommentTextSerializer,
        responses={201: CommentSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int, item_id: int) -> Response:
        actor = request_actor(request)
        item = access_item(actor, meeting_id, item_id)
        data = parse(CommentTextSerializer, request)
        comment = services.comment_post(actor=actor, item=item, **data)
        moderator = can_moderate_comments(actor, item.meeting)
        return _render_comment(comment, moderator, code=status.HTTP_201_CREATED)


class CommentDetailView(APIView):
    @extend_schema(tags=["comments"], responses={200: CommentSerializer, **READ_ERRORS})
    def get(self, request: Request, meeting_id: int, item_id: int, comment_id: int) -> Response:
        return _render_comment(*_comment(request_actor(request), meeting_id, item_id, comment_id))

    @extend_schema(
        tags=["comments"],
        summary="Change one's own comment",
        description="The earlier text is kept for the record.",
        request=CommentTextSerializer,
        responses={200: CommentSerializer, **ERRORS},
    )
    def patch(self, request: Request, meeting_id: int, item_id: int, comment_id: int) -> Response:
        actor = request_actor(request)
        comment, moderator = _comment(actor, meeting_id, item_id, comment_id)
        data = parse(CommentTextSerializer, request)
        comment = services.comment_edit(actor=actor, comment=comment, **data)
        return _render_comment(comment, moderator)

    @extend_schema(
        tags=["comments"],
        summary="Delete one's own comment",
        description="Members no longer see it; the record keeps it, and the chair and the "
        "secretariat still read it, marked deleted.",
        responses=NO_CONTENT,
    )
    def delete(self, request: Request, meeting_id: int, item_id: int, comment_id: int) -> Response:
        actor = request_actor(request)
        comment, _moderator = _comment(actor, meeting_id, item_id, comment_id)
        services.comment_delete(actor=actor, comment=comment)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CommentHideView(APIView):
    @extend_schema(
        tags=["comments"],
        summary="Hide a comment from members (the chair or the secretariat)",
        description="Members see that it was hidden, not its text; the record keeps it.",
        request=None,
        responses={200: CommentSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int, item_id: int, comment_id: int) -> Response:
        actor = request_actor(request)
        comment, moderator = _comment(actor, meeting_id, item_id, comment_id)
        parse(NoInputSerializer, request)
        return _render_comment(services.comment_hide(actor=actor, comment=comment), moderator)


# The chair's timer


class TimerView(APIView):
    @extend_schema(
        tags=["agenda"],
        summary="Start the chair's countdown (the chair)",
        description="Shown on every tablet; replaces a countdown already running. During the "
        "session and its breaks.",
        request=TimerStartSerializer,
        responses={200: TimerSerializer, **ERRORS},
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        actor = request_actor(request)
        meeting = access_agenda(actor, meeting_id)
        data = parse(TimerStartSerializer, request)
        agenda = services.timer_start(actor=actor, meeting=meeting, **data)
        return Response(TimerSerializer(agenda).data)

    @extend_schema(
        tags=["agenda"],
        summary="Stop the chair's countdown (the chair)",
        responses=NO_CONTENT,
    )
    def delete(self, request: Request, meeting_id: int) -> Response:
        actor = request_actor(request)
        services.timer_stop(actor=actor, meeting=access_agenda(actor, meeting_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
