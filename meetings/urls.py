from django.http import HttpResponse
from django.urls import path

app_name = "meetings"
urlpatterns = [
    path("", lambda request: HttpResponse(), name="my_meetings"),
    path("meetings/<int:pk>/", lambda request, pk: HttpResponse(), name="meeting_detail"),
]
