from django.urls import URLPattern, path

from notices import api

app_name = "notices_api"

urlpatterns: list[URLPattern] = [
    path("notices/", api.NoticeListView.as_view(), name="notice-list"),
    path("notices/<int:notice_id>/read/", api.NoticeReadView.as_view(), name="notice-read"),
]
