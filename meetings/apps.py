from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from config.sessions import stamp_sign_in
        from meetings import regions

        regions.register()
        # The session lifetime counts from the sign-in (config.sessions).
        user_logged_in.connect(stamp_sign_in, dispatch_uid="session-lifetime")
