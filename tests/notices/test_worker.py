"""The task worker, started as `make run` and the compose file start it, acts on deadlines by
itself: nobody runs a command and nobody opens a page."""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from consultations import services
from consultations.models import Consultation
from notices import kinds
from notices.models import Notice
from notices.schedules import schedules_install
from tests.conftest import Personas
from tests.consultations.conftest import build_board, build_draft
from tests.server import PROJECT_ROOT, server_database_url

# The scheduler looks every 30 s; the worker then needs a moment to take the job.
WITHIN_SECONDS = 60


@pytest.fixture
def worker(
    transactional_db: None, django_db_serialized_rollback: None
) -> Iterator[subprocess.Popen[bytes]]:
    """`manage.py qcluster` on the test database, as the compose file's `worker` runs it."""
    # The schedules `migrate` installs; the flush between transactional tests empties them.
    schedules_install()
    environment = {
        **os.environ,
        "DATABASE_URL": server_database_url(),
        "DATABASE_POOL_SIZE": "0",
        "TASK_WORKERS": "1",
    }
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(  # noqa: S603  (our own interpreter and arguments)
            [sys.executable, "manage.py", "qcluster"],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with all its workers
        )
        try:
            yield process
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            log.seek(0)
            print(log.read().decode(errors="replace"))  # shown when the test fails


def test_a_poll_closes_by_itself_at_its_deadline(
    committee: Personas, outsider: User, worker: subprocess.Popen[bytes]
) -> None:
    board = build_board(committee, outsider)
    poll = services.consultation_send(actor=board.secretary, consultation=build_draft(board))
    deadline = timezone.now() + datetime.timedelta(seconds=3)
    Consultation.objects.filter(pk=poll.pk).update(deadline=deadline)

    give_up = time.monotonic() + WITHIN_SECONDS + 5
    while time.monotonic() < give_up:
        poll.refresh_from_db()
        if poll.status != Consultation.Status.OPEN:
            break
        assert worker.poll() is None, "the worker exited"
        time.sleep(1)

    assert poll.status == Consultation.Status.CLOSED
    assert poll.closed_at is not None
    assert poll.closed_at - deadline < datetime.timedelta(seconds=WITHIN_SECONDS)
    assert poll.result["questions"]  # tallied
    # and the chair is asked to record the decision
    assert Notice.objects.filter(recipient=board.chair, kind=kinds.CONSULTATION_CLOSED).exists()
