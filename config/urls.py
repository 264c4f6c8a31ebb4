from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("meetings.api_urls")),
    path("api/v1/", include("agendas.api_urls")),
    path("api/v1/", include("voting.api_urls")),
    path("api/v1/", include("consultations.api_urls")),
    path("api/v1/", include("minutes.api_urls")),
    path("api/v1/", include("documents.api_urls")),
    path("api/v1/", include("notices.api_urls")),
    path("api/v1/", include("apitokens.api_urls")),
    path("", include("audit.urls")),
    path("", include("notices.urls")),
    path("", include("voting.urls")),
    path("", include("consultations.urls")),
    path("", include("minutes.urls")),
    path("", include("documents.urls")),
    path("", include("agendas.urls")),
    path("", include("meetings.urls")),
]
