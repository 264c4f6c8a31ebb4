from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self) -> None:
        from core import accounts, pages
        from meetings import permissions, regions, selectors, views
        from realtime import access

        pages.register_header(views.page_header)
        accounts.register_roles(permissions.account_roles)
        # realtime imports no domain app: it learns who may follow a meeting from here.
        access.register(
            access.MeetingAccess(
                rights=permissions.follower_rights,
                meeting=selectors.meeting_with_body,
                presence_rights=regions.PRESENCE_RIGHTS,
                display_rights=permissions.display_rights,
            )
        )
        regions.register()
