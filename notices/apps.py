from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = _("Notices")

    def ready(self) -> None:
        post_migrate.connect(_install_schedules, sender=self)


def _install_schedules(**kwargs: Any) -> None:
    # After every migrate (and every flush of a test database), so that the stored schedules
    # always match the code: no one has to create them by hand in the admin.
    from notices.schedules import schedules_install

    schedules_install()
