"""The task worker, started as `make run` and the compose file start it, acts on deadlines by
itself: nobody runs a command and nobody opens a page."""

from __future__ import annotations

import contextlib
import datetime
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from django_q.models import Schedule, Task
from django_q.tasks import async_task

from consultations import services
from consultations.models import Consultation
from minutes.models import ActionItem
from notices import kinds
from notices.emails import emails_send_due
from notices.models import Notice, NoticeEmail
from notices.schedules import JOBS, schedules_install
from tests.conftest import Personas, plan_meeting
from tests.consultations.conftest import build_board, build_draft
from tests.server import PROJECT_ROOT, server_database_url

# The scheduler looks every 30 s; the worker then needs a moment to take the job.
WITHIN_SECONDS = 60
# A scheduler's look comes 30 s after its cluster started, whatever the settings (django-q2
# counts its guard's cycles up to 30 s), and then every 30 s.
SCHEDULER_LOOK_SECONDS = 30
# Enough tasks that reminding them, one per transaction, takes about a second (a few under
# load): long enough to be killed in its middle, and short enough for a short timeout.
TASKS = 30


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
                # The scheduler's log lines, which the tests read.
                "LOG_LEVEL": "INFO",
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
        """Stop it as `docker compose stop` does, by a SIGTERM to the main process, which stops
        its workers and waits for them; returns what it printed (e-mails included). A SIGTERM
        to every process of the cluster at once would leave the main process waiting for ever
        on the shared stop event, which a process killed holding it never releases."""
        self.process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):  # whatever is left of the cluster
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        return self.output()

    def printed(self) -> str:
        """What it has printed so far, read without moving the file offset it writes at."""
        size = os.fstat(self.log.fileno()).st_size
        return os.pread(self.log.fileno(), size, 0).decode(errors="replace")

    def running(self) -> bool:
        """Its guard loop, which counts the 30 s to each look of the scheduler, has begun."""
        return " running." in self.printed()

    def scheduled(self, schedule: str) -> set[str]:
        """The names of the tasks its scheduler created from the schedule (django-q2 logs each
        one at INFO)."""
        pattern = rf"created task (\S+) from schedule \[{re.escape(schedule)}\]"
        return set(re.findall(pattern, self.printed()))

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
        time.sleep(0.25)


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
    committee: Personas,
    outsider: User,
    start_workers: Callable[..., list[Worker]],
    settings: object,
) -> None:
    board = build_board(committee, outsider)
    poll = services.consultation_send(actor=board.secretary, consultation=build_draft(board))
    # The 72-hour reminder came an hour ago, after the poll was sent.
    now = timezone.now()
    Consultation.objects.filter(pk=poll.pk).update(
        sent_at=now - datetime.timedelta(hours=2), deadline=now + datetime.timedelta(hours=71)
    )
    # The jobs due every second, so that each scheduler's look finds the reminders' job due and
    # queues it: the job runs once for each scheduler, the first run perhaps still working
    # when the second starts.
    settings.TASKS_TICK_SECONDS = 1  # type: ignore[attr-defined]
    schedules_install()
    job = next(name for name, func in JOBS.items() if func.endswith(".close_due_consultations"))
    # The second cluster starts once the first one's guard runs: its scheduler looks a start-up
    # later (a few seconds), never in the same second as the first one's.
    (first,) = start_workers(1)
    wait_until(first.running, [first])
    (second,) = start_workers(1)
    workers = [first, second]
    waiting = {voter.pk for voter in board.voters}

    def both_ran() -> bool:
        queued = [worker.scheduled(job) for worker in workers]
        return all(queued) and Task.objects.filter(name__in=set.union(*queued)).count() == len(
            set.union(*queued)
        )

    wait_until(both_ran, workers, within=3 * SCHEDULER_LOOK_SECONDS + 15)
    queued = [worker.scheduled(job) for worker in workers]
    output = "".join(worker.stop() for worker in workers)

    assert all(queued), output[-3000:]  # each scheduler queued the reminders' job
    runs = Task.objects.filter(name__in=set.union(*queued))
    assert runs.count() == len(set.union(*queued)) and all(run.success for run in runs)
    assert set(Notice.objects.values_list("recipient_id", flat=True)) == waiting
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
    # Handed to another worker 25 s after the first took it (not 180 s); the job takes a few
    # seconds under load, well within its 20 s timeout. One task per transaction, so that the
    # job is long enough to be killed in its middle.
    fast_retry = {
        "TASK_TIMEOUT_SECONDS": "20",
        "TASK_RETRY_SECONDS": "25",
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

    wait_until(all_reminded, [second], within=25 + 60)
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
