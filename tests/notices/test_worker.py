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
from django_q.models import Schedule
from django_q.tasks import async_task

from consultations import services
from consultations.models import Consultation
from minutes.models import ActionItem
from notices import kinds
from notices.emails import emails_send_due
from notices.models import Notice, NoticeEmail
from notices.schedules import schedules_install
from tests.conftest import Personas, plan_meeting
from tests.consultations.conftest import build_board, build_draft
from tests.server import PROJECT_ROOT, server_database_url

# The scheduler looks every 30 s; the worker then needs a moment to take the job.
WITHIN_SECONDS = 60
# Enough tasks that reminding them takes a few seconds.
TASKS = 150


class Worker:
    """`manage.py qcluster` on the test database, as the compose file's `worker` runs it."""

    def __init__(self, **environment: str) -> None:
        self.log = tempfile.TemporaryFile()  # noqa: SIM115  (closed by stop)
        self.process = subprocess.Popen(  # noqa: S603  (our own interpreter and arguments)
            [sys.executable, "manage.py", "qcluster"],
            cwd=PROJECT_ROOT,
            env={
                **os.environ,
                "DATABASE_URL": server_database_url(),
                "DATABASE_POOL_SIZE": "0",
                "TASK_WORKERS": "1",
                **environment,
            },
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with all its workers
        )

    def kill(self) -> None:
        """As a crash or `kill -9` would: no chance to finish or hand anything back."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> str:
        """Stop it with all its processes; returns what it printed (e-mails included)."""
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        return self.output()

    def output(self) -> str:
        self.log.seek(0)
        output = self.log.read().decode(errors="replace")
        self.log.close()
        return output


@pytest.fixture
def start_workers(
    transactional_db: None, django_db_serialized_rollback: None
) -> Iterator[Callable[..., list[Worker]]]:
    # The schedules `migrate` installs; the flush between transactional tests empties them.
    schedules_install()
    started: list[Worker] = []

    def start(count: int, **environment: str) -> list[Worker]:
        workers = [Worker(**environment) for _ in range(count)]
        started.extend(workers)
        return workers

    yield start
    for worker in started:
        if not worker.log.closed:
            print(worker.stop() if worker.process.returncode is None else worker.output())


def wait_until(
    done: Callable[[], bool], workers: list[Worker], within: float = WITHIN_SECONDS + 5
) -> None:
    give_up = time.monotonic() + within
    while time.monotonic() < give_up and not done():
        assert all(worker.process.poll() is None for worker in workers), "a worker exited"
        time.sleep(1)


def test_a_poll_closes_by_itself_at_its_deadline(
    committee: Personas, outsider: User, start_workers: Callable[..., list[Worker]]
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
    committee: Personas, outsider: User, start_workers: Callable[..., list[Worker]]
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


def test_a_worker_killed_in_the_middle_of_a_job_leaves_it_to_another_and_nobody_twice(
    committee: Personas, start_workers: Callable[..., list[Worker]]
) -> None:
    # The job alone, queued once, as the scheduler queues it: no schedule runs it again.
    Schedule.objects.all().delete()
    meeting = plan_meeting(committee, starts_in=datetime.timedelta(days=1))
    people = committee.voters
    ActionItem.objects.bulk_create(
        ActionItem(
            meeting=meeting,
            text=f"Task {number}",
            assignee_user=people[number % len(people)],
            due_on=timezone.localdate(),
            created_by=committee.secretary,
        )
        for number in range(TASKS)
    )
    # Handed to another worker 45 s after the first took it (not 180 s); it takes a few. One
    # task per transaction, so that the job is long enough to be killed in its middle.
    fast_retry = {
        "TASK_TIMEOUT_SECONDS": "40",
        "TASK_RETRY_SECONDS": "45",
        "REMINDER_BATCH_SIZE": "1",
    }
    async_task("config.tasks.remind_action_items")
    (first,) = start_workers(1, **fast_retry)

    give_up = time.monotonic() + WITHIN_SECONDS
    while not Notice.objects.exists() and time.monotonic() < give_up:
        time.sleep(0.02)
    first.kill()
    reminded_before = Notice.objects.count()
    assert 0 < reminded_before < TASKS, "the worker was not killed in the middle of the job"

    (second,) = start_workers(1, **fast_retry)

    def all_reminded() -> bool:
        return Notice.objects.count() == TASKS

    wait_until(all_reminded, [second], within=45 + 60)
    output = first.output() + second.stop()

    assert Notice.objects.count() == TASKS, output[-3000:]
    assert NoticeEmail.objects.count() == TASKS
    # Every e-mail the workers sent is marked sent, but the one whose worker died after the
    # mail server took it and before marking it (sent again below: at least once).
    sent_by_workers = NoticeEmail.objects.filter(sent_at__isnull=False).count()
    printed = output.count("To: ")
    assert sent_by_workers <= printed <= sent_by_workers + 1
    # One whose worker died between the commit and the send is left for the retry job.
    emails_send_due()
    assert not NoticeEmail.objects.filter(sent_at__isnull=True).exists()
    for person in people:
        assert Notice.objects.filter(recipient=person).count() == TASKS // len(people)
