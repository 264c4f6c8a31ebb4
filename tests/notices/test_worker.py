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
from collections.abc import Callable, Iterator

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


class Worker:
    """`manage.py qcluster` on the test database, as the compose file's `worker` runs it."""

    def __init__(self) -> None:
        self.log = tempfile.TemporaryFile()  # noqa: SIM115  (closed by stop)
        self.process = subprocess.Popen(  # noqa: S603  (our own interpreter and arguments)
            [sys.executable, "manage.py", "qcluster"],
            cwd=PROJECT_ROOT,
            env={
                **os.environ,
                "DATABASE_URL": server_database_url(),
                "DATABASE_POOL_SIZE": "0",
                "TASK_WORKERS": "1",
            },
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with all its workers
        )

    def stop(self) -> str:
        """Stop it with all its processes; returns what it printed (e-mails included)."""
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.seek(0)
        output = self.log.read().decode(errors="replace")
        self.log.close()
        return output


@pytest.fixture
def start_workers(
    transactional_db: None, django_db_serialized_rollback: None
) -> Iterator[Callable[[int], list[Worker]]]:
    # The schedules `migrate` installs; the flush between transactional tests empties them.
    schedules_install()
    started: list[Worker] = []

    def start(count: int) -> list[Worker]:
        workers = [Worker() for _ in range(count)]
        started.extend(workers)
        return workers

    yield start
    for worker in started:
        if worker.process.returncode is None:
            print(worker.stop())  # shown when the test fails


def wait_until(done: Callable[[], bool], workers: list[Worker]) -> None:
    give_up = time.monotonic() + WITHIN_SECONDS + 5
    while time.monotonic() < give_up and not done():
        assert all(worker.process.poll() is None for worker in workers), "a worker exited"
        time.sleep(1)


def test_a_poll_closes_by_itself_at_its_deadline(
    committee: Personas, outsider: User, start_workers: Callable[[int], list[Worker]]
) -> None:
    board = build_board(committee, outsider)
    poll = services.consultation_send(actor=board.secretary, consultation=build_draft(board))
    deadline = timezone.now() + datetime.timedelta(seconds=3)
    Consultation.objects.filter(pk=poll.pk).update(deadline=deadline)

    workers = start_workers(1)

    def closed() -> bool:
        poll.refresh_from_db()
        return poll.status != Consultation.Status.OPEN

    wait_until(closed, workers)

    assert poll.status == Consultation.Status.CLOSED
    assert poll.closed_at is not None
    assert poll.closed_at - deadline < datetime.timedelta(seconds=WITHIN_SECONDS)
    assert poll.result["questions"]  # tallied
    # and the chair is asked to record the decision
    assert Notice.objects.filter(recipient=board.chair, kind=kinds.CONSULTATION_CLOSED).exists()


def test_two_schedulers_started_by_mistake_remind_each_member_once(
    committee: Personas, outsider: User, start_workers: Callable[[int], list[Worker]]
) -> None:
    board = build_board(committee, outsider)
    poll = services.consultation_send(actor=board.secretary, consultation=build_draft(board))
    # The 72-hour reminder came an hour ago, after the poll was sent.
    now = timezone.now()
    Consultation.objects.filter(pk=poll.pk).update(
        sent_at=now - datetime.timedelta(hours=2), deadline=now + datetime.timedelta(hours=71)
    )
    workers = start_workers(2)
    waiting = {voter.pk for voter in board.voters}

    def reminded() -> bool:
        return set(Notice.objects.values_list("recipient_id", flat=True)) == waiting

    wait_until(reminded, workers)
    time.sleep(35)  # the other scheduler's next look, too
    output = "".join(worker.stop() for worker in workers)

    assert Notice.objects.filter(kind=kinds.CONSULTATION_REMINDER).count() == len(waiting)
    for voter in board.voters:  # the console e-mail backend prints each message
        assert output.count(f"To: {voter.email}") == 1, voter.email
