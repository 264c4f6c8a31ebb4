"""The agenda API's addresses, under /api/v1/ next to the meetings API."""

from django.urls import URLPattern, path

from agendas import api

app_name = "agendas_api"

AGENDA = "meetings/<int:meeting_id>/agenda/"
ITEM = AGENDA + "items/<int:item_id>/"
SPEAKER = ITEM + "speakers/<int:speaker_id>/"
COMMENT = ITEM + "comments/<int:comment_id>/"

urlpatterns: list[URLPattern] = [
    path(AGENDA, api.AgendaView.as_view(), name="agenda"),
    path(AGENDA + "publish/", api.AgendaPublishView.as_view(), name="agenda-publish"),
    path(AGENDA + "unpublish/", api.AgendaUnpublishView.as_view(), name="agenda-unpublish"),
    path(AGENDA + "timer/", api.TimerView.as_view(), name="timer"),
    path(AGENDA + "items/", api.AgendaItemListView.as_view(), name="item-list"),
    path(ITEM, api.AgendaItemDetailView.as_view(), name="item-detail"),
    path(ITEM + "move/", api.AgendaItemMoveView.as_view(), name="item-move"),
    path(ITEM + "start/", api.AgendaItemStartView.as_view(), name="item-start"),
    path(ITEM + "end/", api.AgendaItemEndView.as_view(), name="item-end"),
    path(ITEM + "defer/", api.AgendaItemDeferView.as_view(), name="item-defer"),
    path(ITEM + "speakers/", api.SpeakerListView.as_view(), name="speaker-list"),
    path(ITEM + "speakers/next/", api.SpeakerNextView.as_view(), name="speaker-next"),
    path(SPEAKER + "withdraw/", api.SpeakerWithdrawView.as_view(), name="speaker-withdraw"),
    path(SPEAKER + "floor/", api.SpeakerFloorView.as_view(), name="speaker-floor"),
    path(SPEAKER + "end/", api.SpeakerEndView.as_view(), name="speaker-end"),
    path(ITEM + "comments/", api.CommentListView.as_view(), name="comment-list"),
    path(COMMENT, api.CommentDetailView.as_view(), name="comment-detail"),
    path(COMMENT + "hide/", api.CommentHideView.as_view(), name="comment-hide"),
]
