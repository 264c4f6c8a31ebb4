from typing import Any

from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"

    def ready(self) -> None:
        # meetings must not know documents: the close is announced, and documents answers.
        from meetings.signals import meeting_closed

        meeting_closed.connect(hand_back_confidential, dispatch_uid="documents.hand_back")

        from documents import regions

        regions.register()


def hand_back_confidential(sender: Any, *, meeting: Any, **kwargs: Any) -> None:
    """When a meeting closes, its confidential and secret papers are handed back: everyone
    but the secretariat loses access (DOCUMENTS_REVOKE_CONFIDENTIAL_ON_CLOSE)."""
    from documents import services

    if services.revoke_on_close_enabled():
        services.confidential_access_revoke(meeting=meeting)
