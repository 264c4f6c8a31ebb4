from django.urls import path

from documents import views

app_name = "documents"

DOCUMENTS = "meetings/<int:pk>/documents/"
DOCUMENT = DOCUMENTS + "<int:doc_pk>/"

urlpatterns = [
    path(DOCUMENTS, views.documents, name="documents"),
    path(DOCUMENTS + "upload/", views.document_upload, name="upload"),
    path(DOCUMENTS + "trace/", views.copy_trace, name="trace"),
    path(DOCUMENT, views.document_detail, name="document"),
    path(DOCUMENT + "edit/", views.document_edit, name="edit"),
    path(DOCUMENT + "replace/", views.document_replace, name="replace"),
    path(DOCUMENT + "grant/", views.document_grant, name="grant"),
    path(DOCUMENT + "revoke/", views.document_revoke, name="revoke"),
    path(DOCUMENT + "delete/", views.document_delete, name="delete"),
    path(DOCUMENT + "download/", views.document_download, name="download"),
    path(DOCUMENT + "view/", views.document_view, name="view"),
    path("documents/files/<str:token>/", views.file, name="file"),
    path("meetings/<int:pk>/packet/", views.packet, name="packet"),
    path("meetings/<int:pk>/packet.pdf", views.packet_pdf, name="packet_pdf"),
    path("meetings/<int:pk>/packet/receipts/", views.read_receipts, name="read_receipts"),
    path(
        "meetings/<int:pk>/packet/<slug:action>/",
        views.packet_publication,
        name="packet_publication",
    ),
    path("documents/<int:document_pk>/read/", views.reader, name="reader"),
    path("documents/<int:document_pk>/present/", views.present, name="present"),
    path("documents/<int:document_pk>/notes/", views.note_create, name="note_create"),
    path(
        "documents/<int:document_pk>/notes/<int:note_pk>/edit/",
        views.note_edit,
        name="note_edit",
    ),
    path(
        "documents/<int:document_pk>/notes/<int:note_pk>/delete/",
        views.note_delete,
        name="note_delete",
    ),
]
