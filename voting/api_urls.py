"""The voting API's addresses, under /api/v1/ next to the meetings and agenda APIs."""

from django.urls import URLPattern, path

from voting import api

app_name = "voting_api"

ITEM = "meetings/<int:meeting_id>/agenda/items/<int:item_id>/"
POLL = "meetings/<int:meeting_id>/polls/<int:poll_id>/"

urlpatterns: list[URLPattern] = [
    path(ITEM + "polls/", api.PollListView.as_view(), name="poll-list"),
    path(ITEM + "recusal/", api.RecusalView.as_view(), name="recusal"),
    path(POLL, api.PollDetailView.as_view(), name="poll-detail"),
    path(POLL + "open/", api.PollOpenView.as_view(), name="poll-open"),
    path(POLL + "close/", api.PollCloseView.as_view(), name="poll-close"),
    path(POLL + "ballot/", api.BallotView.as_view(), name="ballot"),
    path(
        "meetings/<int:meeting_id>/requested-by/",
        api.MeetingRequestersView.as_view(),
        name="meeting-requesters",
    ),
    path(
        "bodies/<int:body_id>/extraordinary-requests/",
        api.ExtraordinaryRequestView.as_view(),
        name="extraordinary-requests",
    ),
]
