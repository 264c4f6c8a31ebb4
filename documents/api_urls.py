"""The documents, packet and notes API's addresses, under /api/v1/ next to the meetings API."""

from django.urls import URLPattern, path

from documents import api

app_name = "documents_api"

DOCUMENTS = "meetings/<int:meeting_id>/documents/"
DOCUMENT = DOCUMENTS + "<int:document_id>/"
PACKET = "meetings/<int:meeting_id>/packet/"
NOTES = "documents/<int:document_id>/notes/"

urlpatterns: list[URLPattern] = [
    path(DOCUMENTS, api.DocumentListView.as_view(), name="document-list"),
    path(DOCUMENTS + "copies/<uuid:copy_id>/", api.CopyTraceView.as_view(), name="copy-trace"),
    path(DOCUMENT, api.DocumentDetailView.as_view(), name="document-detail"),
    path(DOCUMENT + "versions/", api.VersionListView.as_view(), name="version-list"),
    path(DOCUMENT + "grants/", api.GrantListView.as_view(), name="grant-list"),
    path(DOCUMENT + "grants/revoke/", api.GrantRevokeView.as_view(), name="grant-revoke"),
    path(DOCUMENT + "present/", api.PresentView.as_view(), name="present"),
    path(DOCUMENT + "download-link/", api.DownloadLinkView.as_view(), name="download-link"),
    path(PACKET, api.PacketView.as_view(), name="packet"),
    path("meetings/<int:meeting_id>/packet.pdf", api.PacketPdfView.as_view(), name="packet-pdf"),
    path(PACKET + "publish/", api.PacketPublishView.as_view(), name="packet-publish"),
    path(PACKET + "unpublish/", api.PacketUnpublishView.as_view(), name="packet-unpublish"),
    path(PACKET + "receipts/", api.ReadReceiptsView.as_view(), name="read-receipts"),
    path(NOTES, api.NoteListView.as_view(), name="note-list"),
    path(NOTES + "<int:note_id>/", api.NoteDetailView.as_view(), name="note-detail"),
]
