"""Reminders benchmark: N tasks due, their assignees reminded by the task workers, in the inbox
and by e-mail to a real SMTP server, each exactly once.

    python bench/reminders.py [--reminders 10000] [--people 1000] [--workers 2]

It starts `workers` task workers (`manage.py qcluster`, one process each, as the compose file's
`worker` service scaled to that number) and an SMTP server (aiosmtpd) that keeps count. Once the
workers' scheduler has looked at the schedules a first time (so that the workers are running,
as in a deployment), it makes N action items due tomorrow for `people` members (N / people
each): their reminders are due from that moment. It waits until every reminder is in the inbox
and every e-mail has been taken, and prints the times from that moment (due) to the
scheduler's next look that queued the job, to the first and the last notice and to the last
e-mail, and checks that nobody got a notice or an e-mail twice.

The scheduler looks every 30 s (django-q2's rhythm), at a moment that falls anywhere in that
interval after the reminders became due: the worst case is 30 s plus the time from the look to
the last e-mail, which the bench prints as well.

It uses its own database (BENCH_DATABASE_URL, recreated each run) and Redis database
(BENCH_REDIS_URL), and only addresses on this machine. docs/PERFORMANCE.md records the figures.
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/meetings_bench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
GIVE_UP_SECONDS = 600


def recreate_database() -> None:
    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def group_cpu_seconds(group: int) -> float:
    """CPU time (user and system) used so far by the live processes of a process group."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The fields after the command's closing parenthesis; pgrp is the 3rd of them.
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[2]) == group:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


class Counting:
    """An SMTP handler that takes every message and counts its recipients."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self.last = 0.0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.update(envelope.rcpt_tos)
        self.last = time.monotonic()
        return "250 Message accepted"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:  # a free port for the SMTP server
        probe.bind(("127.0.0.1", 0))
        smtp_port = probe.getsockname()[1]
    handler = Counting()
    smtp = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    smtp.start()

    environment = {
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-reminders",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "DATABASE_POOL_SIZE": "0",
        "TASK_WORKERS": "1",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(environment)
    recreate_database()
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db.models import Count, Max, Min
    from django.utils import timezone
    from django_q.models import Schedule

    from meetings import services as meeting_services
    from meetings.models import Body, Meeting
    from minutes.models import ActionItem
    from notices.models import Notice, NoticeEmail

    call_command("migrate", verbosity=0)
    print(f"{options.reminders} tasks for {options.people} people, {options.workers} workers")
    secretary = User.objects.create_user("secretary", "secretary@example.org")
    people = User.objects.bulk_create(
        User(username=f"member{n}", email=f"member{n}@example.org", first_name="Member")
        for n in range(options.people)
    )
    body = meeting_services.body_create(
        actor=User.objects.create_superuser("admin", "admin@example.org"),
        name="Government",
        kind=Body.Kind.GOVERNMENT,
    )
    starts_at = timezone.now() - datetime.timedelta(days=7)
    meeting = Meeting.objects.create(
        body=body,
        title="Regular Government meeting",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=3),
        status=Meeting.Status.CLOSED,
        place="Room 1",
    )

    def looked() -> str | None:
        """The task the scheduler last queued for the reminders of tasks: new at each look."""
        return Schedule.objects.filter(name="remind of tasks").values_list("task", flat=True)[0]

    usage = resource.getrusage(resource.RUSAGE_SELF)
    setup_cpu = usage.ru_utime + usage.ru_stime
    logs = []
    workers = []
    started = time.monotonic()
    for _ in range(options.workers):
        log = tempfile.TemporaryFile()  # noqa: SIM115  (closed below)
        logs.append(log)
        workers.append(
            subprocess.Popen(  # noqa: S603
                [sys.executable, "manage.py", "qcluster"],
                cwd=ROOT,
                env={**os.environ, **environment},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    try:
        first_look = looked()
        while looked() == first_look and time.monotonic() - started < GIVE_UP_SECONDS:
            time.sleep(0.1)
        print(f"workers' start to their first look: {time.monotonic() - started:.1f} s")
        ActionItem.objects.bulk_create(
            (
                ActionItem(
                    meeting=meeting,
                    text=f"Task {n}",
                    assignee_user=people[n % len(people)],
                    due_on=timezone.localdate() + datetime.timedelta(days=1),
                    created_by=secretary,
                )
                for n in range(options.reminders)
            ),
            batch_size=2000,
        )
        due = time.monotonic()
        due_at = timezone.now()
        before = looked()
        look = None
        while time.monotonic() - due < GIVE_UP_SECONDS:
            if look is None and looked() != before:
                look = time.monotonic()
            notices = Notice.objects.count()
            mailed = sum(handler.received.values())
            if notices >= options.reminders and mailed >= options.reminders:
                break
            time.sleep(0.2)
        notices_done = Notice.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
        workers_cpu = sum(group_cpu_seconds(worker.pid) for worker in workers)
        bench_cpu = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
        smtp.stop()

    notices = Notice.objects.count()
    distinct = Notice.objects.values("recipient_id", "key").distinct().count()
    per_person = Counter(
        dict(Notice.objects.values_list("recipient_id").annotate(count=Count("pk")))
    )
    mailed = sum(handler.received.values())
    expected_each = options.reminders // options.people
    print(f"notices: {notices} ({distinct} distinct person and task)")
    print(f"e-mails taken by the SMTP server: {mailed}")
    print(
        "sent rows:",
        NoticeEmail.objects.filter(sent_at__isnull=False).count(),
        "failed:",
        NoticeEmail.objects.filter(failed_at__isnull=False).count(),
    )
    if look is not None:
        print(f"due to the scheduler's next look: {look - due:.1f} s")
    if notices_done["first"] is not None:
        print(f"due to first notice: {(notices_done['first'] - due_at).total_seconds():.1f} s")
        print(
            "job, first to last notice: "
            f"{(notices_done['last'] - notices_done['first']).total_seconds():.1f} s"
        )
        print(f"due to last notice: {(notices_done['last'] - due_at).total_seconds():.1f} s")
    print(f"due to last e-mail: {handler.last - due:.1f} s")
    print(
        f"CPU: the workers' processes {workers_cpu:.1f} s, this process (the SMTP server) "
        f"{bench_cpu.ru_utime + bench_cpu.ru_stime - setup_cpu:.1f} s"
    )
    if look is not None:
        print(
            f"look to last e-mail: {handler.last - look:.1f} s "
            f"(worst case, had the look come 30 s after due: {30 + handler.last - look:.1f} s)"
        )
    twice = [person for person, count in per_person.items() if count != expected_each]
    mailed_twice = [address for address, count in handler.received.items() if count > expected_each]
    print(
        "exactly once:", notices == distinct == options.reminders and not twice and not mailed_twice
    )
    for log in logs:
        log.close()


if __name__ == "__main__":
    main()
