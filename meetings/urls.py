from django.urls import path

from meetings import views

app_name = "meetings"
urlpatterns = [
    path("", views.my_meetings, name="my_meetings"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/check-in/", views.meeting_check_in, name="meeting_check_in"),
    path(
        "meetings/<int:pk>/check-in/remote/",
        views.meeting_check_in_remote,
        name="meeting_check_in_remote",
    ),
    path("meetings/<int:pk>/check-out/", views.meeting_check_out, name="meeting_check_out"),
    path("meetings/<int:pk>/attendance/", views.attendance_record, name="attendance_record"),
    path("meetings/<int:pk>/substitutes/", views.substitute_add, name="substitute_add"),
    path("meetings/<int:pk>/board/", views.attendance_board, name="attendance_board"),
    path("meetings/<int:pk>/sign-in-sheet/", views.sign_in_sheet, name="sign_in_sheet"),
    path(
        "meetings/<int:pk>/lifecycle/<slug:action>/",
        views.meeting_lifecycle,
        name="meeting_lifecycle",
    ),
    path("meetings/<int:pk>/displays/", views.displays, name="displays"),
    path(
        "meetings/<int:pk>/displays/<int:display_pk>/revoke/",
        views.display_revoke,
        name="display_revoke",
    ),
    path("secretariat/meetings/", views.secretariat_meetings, name="secretariat_meetings"),
    path("bodies/", views.body_list, name="body_list"),
    path("bodies/new/", views.body_create, name="body_create"),
    path("bodies/<int:pk>/", views.body_detail, name="body_detail"),
    path("bodies/<int:pk>/edit/", views.body_edit, name="body_edit"),
    path("bodies/<int:pk>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("bodies/<int:pk>/members/new/", views.membership_create, name="membership_create"),
    path(
        "bodies/<int:pk>/members/<int:membership_pk>/",
        views.membership_edit,
        name="membership_edit",
    ),
    path(
        "bodies/<int:pk>/members/<int:membership_pk>/end/",
        views.membership_end,
        name="membership_end",
    ),
]
