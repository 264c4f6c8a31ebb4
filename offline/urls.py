from django.urls import path

from offline import views

app_name = "offline"

DEVICE = "offline/devices/<uuid:device_id>/"

urlpatterns = [
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("offline/", views.reader, name="reader"),
    path("offline/devices/", views.device_register, name="device_register"),
    path(DEVICE + "meetings/<int:meeting_id>/", views.lease_take, name="lease_take"),
    path(DEVICE + "sync/", views.device_sync, name="device_sync"),
    path(DEVICE + "papers/<int:document_id>/", views.paper, name="paper"),
    path("meetings/<int:pk>/offline/", views.devices, name="devices"),
    path("meetings/<int:pk>/offline/period/", views.period_set, name="period_set"),
    path("meetings/<int:pk>/offline/<uuid:device_id>/wipe/", views.device_wipe, name="wipe"),
]
