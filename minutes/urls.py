from django.urls import path

from minutes import action_views, views

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
    path(
        "meetings/<int:pk>/minutes/consultations/",
        views.consultation_link,
        name="consultation_link",
    ),
    path(
        "meetings/<int:pk>/minutes/consultations/<int:consultation_pk>/unlink/",
        views.consultation_unlink,
        name="consultation_unlink",
    ),
    path("meetings/<int:pk>/minutes/<slug:action>/", views.minutes_action, name="action"),
    path("verify/", views.verify_upload, name="verify"),
    path("archive/", views.archive_page, name="archive"),
    path("meetings/<int:pk>/actions/", action_views.action_create, name="action_create"),
    path("actions/mine/", action_views.my_tasks, name="my_tasks"),
    path("actions/<int:action_id>/", action_views.action_page, name="action"),
    path(
        "actions/<int:action_id>/<slug:change>/", action_views.action_change, name="action_change"
    ),
    path(
        "bodies/<int:body_id>/actions/overdue/",
        action_views.actions_overdue,
        name="actions_overdue",
    ),
]
