from django.urls import path

from realtime.consumers import MeetingConsumer, PersonConsumer

websocket_urlpatterns = [
    path("ws/meetings/<int:meeting_id>/", MeetingConsumer.as_asgi()),
    path("ws/me/", PersonConsumer.as_asgi()),
]
