"""The written-opinion API's addresses, under /api/v1/ next to the meetings and voting APIs."""

from django.urls import URLPattern, path

from consultations import api

app_name = "consultations_api"

BODY = "bodies/<int:body_id>/consultations/"
ONE = BODY + "<int:consultation_id>/"

urlpatterns: list[URLPattern] = [
    path(BODY, api.ConsultationListView.as_view(), name="consultation-list"),
    path(ONE, api.ConsultationDetailView.as_view(), name="consultation-detail"),
    path(ONE + "send/", api.ConsultationSendView.as_view(), name="consultation-send"),
    path(ONE + "answers/", api.ConsultationAnswerView.as_view(), name="consultation-answers"),
    path(ONE + "close/", api.ConsultationCloseView.as_view(), name="consultation-close"),
    path(ONE + "decision/", api.ConsultationDecisionView.as_view(), name="consultation-decision"),
    path(ONE + "results/", api.ConsultationResultsView.as_view(), name="consultation-results"),
    path(
        ONE + "attachments/",
        api.ConsultationAttachmentListView.as_view(),
        name="consultation-attachments",
    ),
    path(
        ONE + "attachments/<int:attachment_id>/",
        api.ConsultationAttachmentDetailView.as_view(),
        name="consultation-attachment",
    ),
]
