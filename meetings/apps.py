from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self) -> None:
        from core import pages
        from meetings import regions, views

        pages.register_header(views.page_header)
        regions.register()
