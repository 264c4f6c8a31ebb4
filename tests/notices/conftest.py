from tests.consultations.conftest import board, draft, sent  # noqa: F401  (fixtures)
