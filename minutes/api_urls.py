"""The minutes API's addresses, under /api/v1/ next to the other APIs."""

from django.urls import URLPattern, path

from minutes import api

app_name = "minutes_api"

MINUTES = "meetings/<int:meeting_id>/minutes/"

urlpatterns: list[URLPattern] = [
    path(MINUTES, api.MinutesView.as_view(), name="minutes"),
    path(MINUTES + "submit/", api.MinutesSubmitView.as_view(), name="minutes-submit"),
    path(MINUTES + "return/", api.MinutesReturnView.as_view(), name="minutes-return"),
    path(MINUTES + "approve/", api.MinutesApproveView.as_view(), name="minutes-approve"),
    path(MINUTES + "sign/", api.MinutesSignView.as_view(), name="minutes-sign"),
    path(
        MINUTES + "consultations/",
        api.MinutesConsultationsView.as_view(),
        name="minutes-consultations",
    ),
    path(
        MINUTES + "consultations/<int:consultation_id>/",
        api.MinutesConsultationView.as_view(),
        name="minutes-consultation",
    ),
    path(MINUTES + "pdf/", api.MinutesPdfView.as_view(), name="minutes-pdf"),
    path(MINUTES + "verify/", api.MinutesVerifyView.as_view(), name="minutes-verify"),
    path(
        "meetings/<int:meeting_id>/votes.popolo.json",
        api.MeetingVotesPopoloView.as_view(),
        name="votes-popolo",
    ),
    path(
        "meetings/<int:meeting_id>/minutes.akn.xml",
        api.MinutesAkomaNtosoView.as_view(),
        name="minutes-akn",
    ),
    path("meetings.ics", api.MyMeetingsCalendarView.as_view(), name="meetings-ics"),
    path(
        "bodies/<int:body_id>/meetings.ics",
        api.BodyMeetingsCalendarView.as_view(),
        name="body-meetings-ics",
    ),
    path("meetings/<int:meeting_id>/actions/", api.MeetingActionsView.as_view(), name="actions"),
    path("actions/<int:action_id>/", api.ActionView.as_view(), name="action"),
    path("actions/<int:action_id>/notes/", api.ActionNotesView.as_view(), name="action-notes"),
    path("actions/<int:action_id>/offer/", api.ActionOfferView.as_view(), name="action-offer"),
    path(
        "bodies/<int:body_id>/actions/overdue/",
        api.BodyOverdueActionsView.as_view(),
        name="actions-overdue",
    ),
    path("verify-pdf/", api.VerifyPdfView.as_view(), name="verify-pdf"),
    path("archive/search/", api.ArchiveSearchView.as_view(), name="archive-search"),
]
