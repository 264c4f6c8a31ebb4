from django.apps import AppConfig


class MinutesConfig(AppConfig):
    name = "minutes"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from meetings.signals import attendance_corrected, meeting_closed
        from minutes import checks  # noqa: F401  (registers the start-up checks)
        from minutes.receivers import draft_when_closed, follow_attendance, sqlite_functions

        meeting_closed.connect(draft_when_closed, dispatch_uid="minutes.draft_when_closed")
        attendance_corrected.connect(follow_attendance, dispatch_uid="minutes.follow_attendance")
        connection_created.connect(sqlite_functions, dispatch_uid="minutes.sqlite_functions")
