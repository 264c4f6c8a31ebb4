from django.urls import URLPattern, path
from drf_spectacular.views import SpectacularAPIView

from meetings import api
from realtime import api as realtime_api

app_name = "api"

urlpatterns: list[URLPattern] = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("bodies/", api.BodyListView.as_view(), name="body-list"),
    path("bodies/<int:body_id>/", api.BodyDetailView.as_view(), name="body-detail"),
    path(
        "bodies/<int:body_id>/memberships/",
        api.MembershipListView.as_view(),
        name="membership-list",
    ),
    path(
        "bodies/<int:body_id>/memberships/<int:membership_id>/",
        api.MembershipDetailView.as_view(),
        name="membership-detail",
    ),
    path(
        "bodies/<int:body_id>/memberships/<int:membership_id>/end/",
        api.MembershipEndView.as_view(),
        name="membership-end",
    ),
    path("meetings/", api.MeetingListView.as_view(), name="meeting-list"),
    path("meetings/<int:meeting_id>/", api.MeetingDetailView.as_view(), name="meeting-detail"),
    path(
        "meetings/<int:meeting_id>/events/",
        realtime_api.MeetingEventListView.as_view(),
        name="meeting-events",
    ),
    path(
        "meetings/<int:meeting_id>/schedule/",
        api.MeetingScheduleView.as_view(),
        name="meeting-schedule",
    ),
    path(
        "meetings/<int:meeting_id>/cancel/", api.MeetingCancelView.as_view(), name="meeting-cancel"
    ),
    path("meetings/<int:meeting_id>/start/", api.MeetingStartView.as_view(), name="meeting-start"),
    path(
        "meetings/<int:meeting_id>/adjourn/",
        api.MeetingAdjournView.as_view(),
        name="meeting-adjourn",
    ),
    path(
        "meetings/<int:meeting_id>/reconvene/",
        api.MeetingReconveneView.as_view(),
        name="meeting-reconvene",
    ),
    path("meetings/<int:meeting_id>/close/", api.MeetingCloseView.as_view(), name="meeting-close"),
    path(
        "meetings/<int:meeting_id>/attendance/",
        api.AttendanceListView.as_view(),
        name="attendance-list",
    ),
    path(
        "meetings/<int:meeting_id>/attendance/<int:attendance_id>/",
        api.AttendanceDetailView.as_view(),
        name="attendance-detail",
    ),
    path(
        "meetings/<int:meeting_id>/attendance/<int:attendance_id>/substitute/",
        api.SubstituteAddView.as_view(),
        name="substitute-add",
    ),
    path("meetings/<int:meeting_id>/check-in/", api.CheckInView.as_view(), name="check-in"),
    path("meetings/<int:meeting_id>/check-out/", api.CheckOutView.as_view(), name="check-out"),
    path("meetings/<int:meeting_id>/quorum/", api.QuorumView.as_view(), name="quorum"),
    path("meetings/<int:meeting_id>/displays/", api.DisplayListView.as_view(), name="display-list"),
    path(
        "meetings/<int:meeting_id>/displays/<int:display_id>/revoke/",
        api.DisplayRevokeView.as_view(),
        name="display-revoke",
    ),
]
