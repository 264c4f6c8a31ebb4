from django.urls import path

from agendas import views

app_name = "agendas"
urlpatterns = [
    path("meetings/<int:pk>/session/", views.session, name="session"),
    path("display/<str:token>/", views.projector, name="projector"),
    path("meetings/<int:pk>/console/", views.console, name="console"),
    path("meetings/<int:pk>/agenda/", views.agenda, name="agenda"),
    path(
        "meetings/<int:pk>/agenda/<slug:action>/",
        views.agenda_publication,
        name="agenda_publication",
    ),
    path("meetings/<int:pk>/speaking-time/", views.speaking_limit, name="speaking_limit"),
    path("meetings/<int:pk>/timer/<slug:action>/", views.timer, name="timer"),
    path("meetings/<int:pk>/items/<int:item_pk>/", views.item_detail, name="item_detail"),
    path("meetings/<int:pk>/items/<int:item_pk>/edit/", views.item_edit, name="item_edit"),
    path("meetings/<int:pk>/items/<int:item_pk>/delete/", views.item_delete, name="item_delete"),
    path("meetings/<int:pk>/items/<int:item_pk>/move/", views.item_move, name="item_move"),
    path("meetings/<int:pk>/items/<int:item_pk>/speak/", views.speak, name="speak"),
    path(
        "meetings/<int:pk>/items/<int:item_pk>/next-speaker/",
        views.next_speaker,
        name="next_speaker",
    ),
    path(
        "meetings/<int:pk>/items/<int:item_pk>/comments/",
        views.comment_post,
        name="comment_post",
    ),
    path(
        "meetings/<int:pk>/items/<int:item_pk>/<slug:action>/",
        views.item_action,
        name="item_action",
    ),
    path(
        "meetings/<int:pk>/speakers/<int:speaker_pk>/<slug:action>/",
        views.speaker_action,
        name="speaker_action",
    ),
    path(
        "meetings/<int:pk>/comments/<int:comment_pk>/edit/",
        views.comment_edit,
        name="comment_edit",
    ),
    path(
        "meetings/<int:pk>/comments/<int:comment_pk>/<slug:action>/",
        views.comment_action,
        name="comment_action",
    ),
]
