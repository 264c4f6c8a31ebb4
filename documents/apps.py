from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"

    def ready(self) -> None:
        from documents import regions
        from documents.receivers import hand_back_confidential
        from meetings.signals import meeting_closed

        meeting_closed.connect(hand_back_confidential, dispatch_uid="documents.hand_back")
        regions.register()
