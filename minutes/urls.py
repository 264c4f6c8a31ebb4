from django.urls import path

from minutes import views

app_name = "minutes"
urlpatterns = [
    path("meetings/<int:pk>/minutes/", views.minutes_page, name="minutes"),
    # Before the action pattern, which would take "preview" for an action.
    path("meetings/<int:pk>/minutes/preview/", views.minutes_preview, name="preview"),
    path("meetings/<int:pk>/minutes/<int:minutes_pk>/pdf/", views.minutes_pdf, name="minutes_pdf"),
    path(
        "meetings/<int:pk>/minutes/<int:minutes_pk>/verify/",
        views.verify_archived,
        name="verify_archived",
    ),
    path("meetings/<int:pk>/minutes/<slug:action>/", views.minutes_action, name="action"),
    path("verify/", views.verify_upload, name="verify"),
    path("archive/", views.archive_page, name="archive"),
]
