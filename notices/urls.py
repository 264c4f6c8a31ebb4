from django.urls import path

from notices import views

app_name = "notices"

urlpatterns = [
    path("notices/", views.inbox, name="inbox"),
    path("notices/<int:notice_id>/open/", views.notice_open, name="open"),
    path("notices/read/", views.notices_read_all, name="read_all"),
    path("notices/email/", views.email_choices, name="email_choices"),
]
