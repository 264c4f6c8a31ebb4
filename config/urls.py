from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from notices import views as notice_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Django's language switch, which also sets the language of the person's notices' e-mails.
    path("i18n/setlang/", notice_views.language_set, name="set_language"),
    path("api/v1/", include("meetings.api_urls")),
    path("api/v1/", include("agendas.api_urls")),
    path("api/v1/", include("voting.api_urls")),
    path("api/v1/", include("consultations.api_urls")),
    path("api/v1/", include("minutes.api_urls")),
    path("api/v1/", include("documents.api_urls")),
    path("api/v1/", include("notices.api_urls")),
    path("", include("notices.urls")),
    path("", include("voting.urls")),
    path("", include("consultations.urls")),
    path("", include("minutes.urls")),
    path("", include("documents.urls")),
    path("", include("agendas.urls")),
    path("", include("meetings.urls")),
]
