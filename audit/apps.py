from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"

    def ready(self) -> None:
        from django.contrib.admin.models import LogEntry
        from django.contrib.auth.signals import user_logged_in, user_login_failed
        from django.db.models.signals import post_save

        from audit.permissions import page_header
        from audit.receivers import record_admin_change, record_sign_in, record_sign_in_failure
        from core import pages

        # Django sends these for every way in (the sign-in form, /admin/, HTTP Basic on the
        # API, and django-allauth's forms), so the trail needs no hook in any of them.
        user_logged_in.connect(record_sign_in, dispatch_uid="audit.sign_in")
        user_login_failed.connect(record_sign_in_failure, dispatch_uid="audit.sign_in_failed")
        post_save.connect(record_admin_change, sender=LogEntry, dispatch_uid="audit.admin")
        pages.register_header(page_header)
