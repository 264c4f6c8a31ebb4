from tests.documents.reading.conftest import media_root, packet, papers  # noqa: F401  (fixtures)
