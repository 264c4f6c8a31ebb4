from django.urls import path

from voting import views

app_name = "voting"
urlpatterns = [
    path(
        "bodies/<int:pk>/extraordinary-request/",
        views.extraordinary_request,
        name="extraordinary_request",
    ),
    path("meetings/<int:pk>/items/<int:item_pk>/polls/", views.poll_create, name="poll_create"),
    path("meetings/<int:pk>/items/<int:item_pk>/recusal/", views.recusal, name="recusal"),
    path("meetings/<int:pk>/polls/<int:poll_pk>/vote/", views.vote, name="vote"),
    path(
        "meetings/<int:pk>/polls/<int:poll_pk>/<slug:action>/",
        views.poll_action,
        name="poll_action",
    ),
]
