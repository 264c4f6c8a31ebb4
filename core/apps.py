from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from core.sessions import stamp_sign_in

        # The session lifetime counts from the sign-in (core.sessions).
        user_logged_in.connect(stamp_sign_in, dispatch_uid="session-lifetime")
