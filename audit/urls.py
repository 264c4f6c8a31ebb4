from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("audit/", views.trail_page, name="trail"),
]
