from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = _("Notices")

    def ready(self) -> None:
        from notices.live import notices_replay
        from realtime.personal import register_personal_replay

        post_migrate.connect(_install_schedules, sender=self)
        # A page's socket first sends the notices written since the page was drawn.
        register_personal_replay(notices_replay)


def _install_schedules(**kwargs: Any) -> None:
    # After every migrate (and every flush of a test database), so that the stored schedules
    # always match the code: no one has to create them by hand in the admin.
    from notices.schedules import schedules_install

    schedules_install()
