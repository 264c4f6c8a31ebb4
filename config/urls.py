from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from core import accounts
from notices import views as notice_views

# The admin has no password form of its own: it sends to the site's sign-in, which asks for
# the second factor and counts failures like every other entry point.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    # Pages name their icon; this is for clients that ask the site's root for it regardless.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("admin/", admin.site.urls),
    # The names the site's pages use, on django-allauth's views.
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", accounts.logout, name="logout"),
    # The secretariat sets a forgotten password (in the admin); there is no reset by e-mail.
    re_path(r"^accounts/password/reset/", accounts.no_password_reset),
    path("accounts/", include("allauth.urls")),
    # Django's language switch, which also sets the language of the person's notices' e-mails.
    path("i18n/setlang/", notice_views.language_set, name="set_language"),
    path("api/v1/", include("meetings.api_urls")),
    path("api/v1/", include("agendas.api_urls")),
    path("api/v1/", include("voting.api_urls")),
    path("api/v1/", include("consultations.api_urls")),
    path("api/v1/", include("minutes.api_urls")),
    path("api/v1/", include("documents.api_urls")),
    path("api/v1/", include("notices.api_urls")),
    path("api/v1/", include("apitokens.api_urls")),
    path("", include("offline.urls")),
    path("", include("audit.urls")),
    path("", include("notices.urls")),
    path("", include("voting.urls")),
    path("", include("consultations.urls")),
    path("", include("minutes.urls")),
    path("", include("documents.urls")),
    path("", include("agendas.urls")),
    path("", include("meetings.urls")),
]
