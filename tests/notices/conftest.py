from tests.consultations.conftest import board, draft, sent  # noqa: F401  (fixtures)
from tests.voting.conftest import sitting  # noqa: F401  (fixture)
