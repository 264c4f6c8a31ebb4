from django.urls import path

from documents import views

app_name = "documents"
urlpatterns = [
    path("meetings/<int:pk>/packet/", views.packet, name="packet"),
    path("meetings/<int:pk>/packet.pdf", views.packet_pdf, name="packet_pdf"),
    path("meetings/<int:pk>/packet/receipts/", views.read_receipts, name="read_receipts"),
    path(
        "meetings/<int:pk>/packet/<slug:action>/",
        views.packet_publication,
        name="packet_publication",
    ),
    path("documents/<int:document_pk>/read/", views.reader, name="reader"),
    path(
        "documents/<int:document_pk>/versions/<int:number>/inline/",
        views.version_inline,
        name="version_inline",
    ),
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
