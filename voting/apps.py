import os
from typing import Any

from django.apps import AppConfig
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

OWNER_ONLY = 0o600


def keep_the_sqlite_file_private(
    sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any
) -> None:
    """The demo's SQLite file holds who voted and the ballots: readable by its owner only.
    SQLite creates its journal and write-ahead log with the database file's mode."""
    if connection.vendor != "sqlite":
        return
    path = str(connection.settings_dict["NAME"])
    if path != ":memory:" and not path.startswith("file:") and os.path.exists(path):
        os.chmod(path, OWNER_ONLY)


class VotingConfig(AppConfig):
    name = "voting"

    def ready(self) -> None:
        from voting import regions

        regions.register()
        connection_created.connect(keep_the_sqlite_file_private)
