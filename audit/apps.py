from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from audit.permissions import page_header
        from audit.receivers import record_sign_in, record_sign_in_failure
        from core import pages

        # Django sends these for every way in (the sign-in form, /admin/, HTTP Basic on the
        # API, and django-allauth's forms), so the trail needs no hook in any of them.
        user_logged_in.connect(record_sign_in, dispatch_uid="audit.sign_in")
        user_login_failed.connect(record_sign_in_failure, dispatch_uid="audit.sign_in_failed")
        pages.register_header(page_header)
