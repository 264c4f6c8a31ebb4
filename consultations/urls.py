from django.urls import path

from consultations import views

app_name = "consultations"
POLL = "bodies/<int:body_pk>/consultations/<int:pk>/"
urlpatterns = [
    path("consultations/", views.index, name="index"),
    path("bodies/<int:body_pk>/consultations/", views.body_list, name="body_list"),
    path("bodies/<int:body_pk>/consultations/new/", views.create, name="create"),
    path(POLL, views.detail, name="detail"),
    path(POLL + "edit/", views.edit, name="edit"),
    path(POLL + "answer/", views.answer, name="answer"),
    path(POLL + "decision/", views.decide, name="decide"),
    path(POLL + "papers/", views.attachment_add, name="attachment_add"),
    path(POLL + "papers/<int:attachment_pk>/", views.attachment_file, name="attachment"),
    path(
        POLL + "papers/<int:attachment_pk>/remove/",
        views.attachment_remove,
        name="attachment_remove",
    ),
    path(POLL + "<slug:name>/", views.action, name="action"),
]
