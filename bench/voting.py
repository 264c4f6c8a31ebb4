"""Voting benchmarks: a burst of ballots over HTTP, and a vote's result reaching the tablets.

    python bench/voting.py burst [--voters 500] [--within 5,1] [--following] [--workers 2]
    python bench/voting.py close [--clients 1000] [--events 10] [--workers 2]
    python bench/voting.py burst-close [--clients 1000] [--voters 500] [--within 5] [--events 10]
    python bench/voting.py figures [--clients 1000] [--voters 500] [--within 5,1] [--events 10]

`burst`: every voter's tablet sends its ballot within the window (5 seconds, then 1, by default:
each window, comma-separated, is a vote of its own), over HTTP (the screens' own vote form, with the
session cookie and CSRF token a browser would send) to the server processes in front of
PostgreSQL. It reports p50 and p99 of the response times, the server processes' CPU time per
request (PostgreSQL's is not counted) and the clients' own per ballot, checks that every ballot
is recorded exactly once, and in the same run two baselines, the same number of requests spread
over the same window: the login page, the cheapest page the servers render, and the cheapest
request of a signed-in tablet (its notices over the API: the session, the user, one count).
With `--following` each voter's tablet also follows the meeting on its socket, opened before the
measure, as the session page does: the ballots' server CPU then includes their events' frames to
every tablet and each voter's own boxes drawn for their socket.

`close`: N tablets follow the meeting over WebSockets; the chair closes a vote (the service
call that decides it under the body's rules); the time counted is until the last tablet has the
result's event. In the same run, the same measure for a plain event (a check-in).

`burst-close`: N tablets follow the meeting as the page does (bench/screens.py's tablets: the
screen is current once the frame's regions are applied, or once the page it asks for is
fetched). Per round a vote is opened, the voters send their ballots over HTTP within the
window, and the chair presses "Close the vote" over HTTP (the console's form, with its session
cookie and CSRF token) the moment the last ballot leaves, while the servers are still busy with
the burst. It reports the close request's own time, the time from pressing close until every
tablet's screen shows the result, the server CPU per ballot, and how many ballots were counted
and refused after the close. The baseline, in the same run: the same rounds with the chair
pressing close once every ballot has been answered (the servers idle). It also counts the
frames that asked a tablet to fetch its page, by event: a complete frame asks for nothing.

`figures`: every target of the voting benchmarks in one run, on the same two server processes:
`burst` at each window, without and with the voters' tablets following, then `burst-close` with
the first window.

It uses the fan-out benchmark's set-up (its own database and Redis database).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import resource
import secrets
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fanout  # noqa: E402  (the fan-out benchmark's set-up, next to this file)


def open_vote(scene: fanout.Scene) -> tuple[int, int]:
    """Everyone checked in, the session open, an item under way and a vote open on it.
    Returns the poll's id and the number of voters."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from agendas import services as agenda_services
    from meetings import services
    from meetings.models import Attendance, Meeting
    from voting import services as voting_services

    meeting = Meeting.objects.get(pk=scene.meeting_id)
    chair = User.objects.get(pk=scene.publisher_id)
    secretary = User.objects.get(username="bench-secretary")
    Attendance.objects.filter(meeting=meeting).update(
        status=Attendance.Status.PRESENT, checked_in_at=timezone.now()
    )
    if meeting.status == Meeting.Status.SCHEDULED:
        meeting = services.meeting_start(actor=chair, meeting=meeting)
        item = agenda_services.agenda_item_create(
            actor=secretary, meeting=meeting, title="Budget", kind="decision"
        )
        agenda_services.agenda_publish(actor=secretary, meeting=meeting)
        agenda_services.agenda_item_start(actor=chair, item=item)
    item = meeting.agenda_items.get(status="in_progress")
    poll = voting_services.poll_create(actor=chair, item=item, question="Adopt the budget?")
    voting_services.poll_open(actor=chair, poll=poll)
    voters = Attendance.objects.filter(meeting=meeting, has_vote=True).count()
    return poll.pk, voters


def recorded(poll_id: int) -> tuple[int, int, int]:
    """Participations, ballots, and voters with more than one participation."""
    from django.db.models import Count

    from voting.models import Ballot, Participation

    participations = Participation.objects.filter(poll_id=poll_id)
    doubled = participations.values("voter").annotate(n=Count("id")).filter(n__gt=1).count()
    return participations.count(), Ballot.objects.filter(poll_id=poll_id).count(), doubled


async def fire(
    requests: list[tuple[str, str, dict[str, str], dict[str, str] | None]], *, within: float
) -> tuple[list[float], list[int]]:
    """Send the requests spread evenly over `within` seconds (0: all at the same instant);
    return each one's time and status."""
    limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=0)
    # A loaded machine answers a burst's last requests after tens of seconds: they are measured,
    # not given up on.
    async with httpx.AsyncClient(limits=limits, timeout=300, follow_redirects=False) as client:
        start = asyncio.Event()

        async def one(
            delay: float,
            method: str,
            url: str,
            headers: dict[str, str],
            data: dict[str, str] | None,
        ) -> tuple[float, int]:
            await start.wait()
            await asyncio.sleep(delay)
            sent = time.perf_counter()
            response = await client.request(method, url, headers=headers, data=data)
            return (time.perf_counter() - sent) * 1000, response.status_code

        tasks = [
            asyncio.create_task(one(within * i / len(requests), *request))
            for i, request in enumerate(requests)
        ]
        await asyncio.sleep(0.5)  # every task is waiting at the gate
        start.set()
        results = await asyncio.gather(*tasks)
    return [r[0] for r in results], [r[1] for r in results]


def report(label: str, times: list[float]) -> str:
    return (
        f"{label}: p50 {statistics.median(times):.0f} ms, p99 {fanout.percentile(times, 0.99):.0f}"
        f" ms, max {max(times):.0f} ms"
    )


def servers_cpu(pids: list[int]) -> float:
    return sum(fanout.cpu_seconds(pid) for pid in pids)


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def windows(args: argparse.Namespace) -> list[float]:
    return [float(w) for w in str(args.within).split(",")]


async def burst_round(
    scene: fanout.Scene,
    workers: list[tuple[subprocess.Popen[bytes], int]],
    *,
    voters: int,
    within: float,
    following: bool,
) -> None:
    """One vote: the login page, the cheapest signed-in request and the ballots, each sent by
    `voters` tablets within `within` seconds, one after the other. `following`: each voter's
    tablet also follows the meeting on its socket, as the session page does, so that each
    ballot's event goes to every tablet and the voter's own boxes are drawn for their socket."""
    poll_id, entitled = await asyncio.to_thread(open_vote, scene)
    base = [f"http://{fanout.HOST}:{port}" for _, port in workers]
    pids = [process.pid for process, _ in workers]
    ballots, logins, signed_in = [], [], []
    for i, cookie in enumerate(scene.cookies[:voters]):
        server = base[i % len(base)]
        token = secrets.token_hex(16)  # a CSRF secret, as the browser's cookie holds it
        # Sent as the tablet's ballot box sends it, in the background (htmx).
        headers = {
            "Cookie": f"{cookie}; csrftoken={token}",
            "X-CSRFToken": token,
            "Origin": server,
            "HX-Request": "true",
        }
        url = f"{server}/meetings/{scene.meeting_id}/polls/{poll_id}/vote/"
        form = {"answer": "yes", "request_key": secrets.token_hex(8), "return_to": "session"}
        ballots.append(("POST", url, headers, form))
        logins.append(("GET", f"{server}/accounts/login/", {}, None))
        # The person's own notices over the API: a session read, the user, one count and an
        # empty list; the cheapest request a signed-in tablet makes.
        signed_in.append(("GET", f"{server}/api/v1/notices/", {"Cookie": cookie}, None))
    # Warm each process (imports, templates, database connections) before measuring.
    await fire(logins[: len(base) * 4] + signed_in[: len(base) * 4], within=0)
    tablets = []
    if following:
        since = await asyncio.to_thread(fanout.head, scene)
        tablets = fanout.our_clients(scene, [port for _, port in workers], voters, since=since)
        await fanout.connect_all(tablets)
    figures = {}
    for label, requests in (("login", logins), ("signed-in", signed_in), ("ballots", ballots)):
        before, client_before = servers_cpu(pids), own_cpu()
        times, statuses = await fire(requests, within=within)
        cpu, client = servers_cpu(pids) - before, own_cpu() - client_before
        figures[label] = (times, sorted(set(statuses)), cpu * 1000 / len(requests), client)
    await fanout.disconnect_all(tablets)
    participations, stored, doubled = await asyncio.to_thread(recorded, poll_id)
    await asyncio.to_thread(close_vote, scene, poll_id)  # the next vote may open
    times, statuses, ballot_cpu, client_cpu = figures["ballots"]
    login_times, login_statuses, login_cpu, _ = figures["login"]
    signed_times, signed_statuses, signed_cpu, _ = figures["signed-in"]
    print(
        f"burst: {len(ballots)} voters of {entitled}, each request kind sent within {within:g} s"
        f" ({len(ballots) / within:.0f} a second), {len(workers)} server processes"
        + (", the voters' tablets following the meeting" if following else ""),
        flush=True,
    )
    print("  " + report("ballots", times) + f"; statuses {statuses}")
    print("  " + report("baseline: login page", login_times) + f"; statuses {login_statuses}")
    print(
        "  "
        + report("baseline: signed-in request (GET /api/v1/notices/)", signed_times)
        + f"; statuses {signed_statuses}"
    )
    print(
        f"  server CPU per request: ballot {ballot_cpu:.1f} ms, login page {login_cpu:.1f} ms,"
        f" signed-in request {signed_cpu:.1f} ms; ballot / signed-in request"
        f" {ballot_cpu / signed_cpu:.1f}x, ballot / login page {ballot_cpu / login_cpu:.1f}x"
    )
    print(
        f"  clients' CPU per ballot, on the same cores: {client_cpu * 1000 / len(ballots):.1f} ms"
    )
    print(
        f"  recorded: {participations} voters, {stored} ballots, {doubled} voters counted twice"
        + ("" if participations == stored == len(ballots) and not doubled else "  ** NOT ONCE **"),
        flush=True,
    )


async def burst(args: argparse.Namespace, scene: fanout.Scene) -> None:
    workers = fanout.start_workers(args.workers)
    try:
        for within in windows(args):
            await burst_round(
                scene, workers, voters=args.voters, within=within, following=args.following
            )
    finally:
        fanout.stop([process for process, _ in workers])


def close_vote(scene: fanout.Scene, poll_id: int) -> int:
    """The chair closes the vote. Returns the closing event's number."""
    from django.contrib.auth.models import User

    from realtime.models import MeetingEvent
    from voting import services
    from voting.models import Poll

    chair = User.objects.get(pk=scene.publisher_id)
    services.poll_close(actor=chair, poll=Poll.objects.get(pk=poll_id))
    return MeetingEvent.objects.filter(meeting_id=scene.meeting_id).latest("seq").seq


def cast_some(scene: fanout.Scene, poll_id: int, count: int) -> None:
    from django.contrib.auth.models import User

    from voting import services
    from voting.models import Poll

    poll = Poll.objects.get(pk=poll_id)
    for user in User.objects.filter(username__startswith="tablet").order_by("pk")[:count]:
        services.ballot_cast(actor=user, poll=poll, answer="yes" if user.pk % 3 else "no")


async def close(args: argparse.Namespace, scene: fanout.Scene) -> None:
    workers = fanout.start_workers(args.workers)
    ports = [port for _, port in workers]
    try:
        poll_id, _ = await asyncio.to_thread(open_vote, scene)
        clients = fanout.our_clients(
            scene, ports, args.clients, since=await asyncio.to_thread(fanout.head, scene)
        )
        await fanout.connect_all(clients)
        closing, plain = [], []
        for i in range(args.events):
            if i:
                poll_id, _ = await asyncio.to_thread(open_vote, scene)
            await asyncio.to_thread(cast_some, scene, poll_id, 50)
            head = await asyncio.to_thread(fanout.head, scene)
            await fanout.wait_until(
                lambda head=head: all(c.last_seq() >= head for c in clients), 30
            )
            sent = time.perf_counter()
            seq = await asyncio.to_thread(close_vote, scene, poll_id)
            await fanout.wait_until(lambda seq=seq: all(c.last_seq() >= seq for c in clients), 30)
            closing.append(
                (max(t for c in clients for s, t in c.events() if s == seq) - sent) * 1000
            )
            sent = time.perf_counter()
            seq = await asyncio.to_thread(fanout.publish_one, scene, i % 2 == 1)
            await fanout.wait_until(lambda seq=seq: all(c.last_seq() >= seq for c in clients), 30)
            plain.append((max(t for c in clients for s, t in c.events() if s == seq) - sent) * 1000)
        await fanout.disconnect_all(clients)
        print(f"close: {args.clients} tablets, {args.events} votes closed, 50 ballots each")
        print("  " + report("close to result on the last tablet", closing))
        print("  " + report("baseline: a check-in on the last tablet", plain))
        print(
            f"  p99 close / p99 check-in: "
            f"{fanout.percentile(closing, 0.99) / fanout.percentile(plain, 0.99):.1f}x"
        )
    finally:
        fanout.stop([process for process, _ in workers])


def chair_cookie(scene: fanout.Scene) -> str:
    """A signed-in session for the chair, as the console's browser holds it."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore

    chair = User.objects.get(pk=scene.publisher_id)
    store = SessionStore()
    store.update(
        {
            SESSION_KEY: str(chair.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: chair.get_session_auth_hash(),
        }
    )
    store.create()
    return f"sessionid={store.session_key}"


def closing_event(scene: fanout.Scene, poll_id: int) -> int:
    from realtime.models import MeetingEvent

    return (
        MeetingEvent.objects.filter(
            meeting_id=scene.meeting_id, type="voting.poll_closed", payload__poll=poll_id
        )
        .values_list("seq", flat=True)
        .get()
    )


def counted(poll_id: int) -> int:
    from voting.models import Poll

    result = Poll.objects.get(pk=poll_id).result or {}
    return sum(row["count"] for row in result.get("counts", []))


async def burst_close(args: argparse.Namespace, scene: fanout.Scene) -> None:
    workers = fanout.start_workers(args.workers)
    try:
        await close_rounds(args, scene, workers, within=windows(args)[0])
    finally:
        fanout.stop([process for process, _ in workers])


async def figures(args: argparse.Namespace, scene: fanout.Scene) -> None:
    """Everything the voting targets ask, in one run on the same server processes: the burst at
    each window, then the close under a burst against the close when idle."""
    workers = fanout.start_workers(args.workers)
    try:
        for within in windows(args):
            for following in (False, True):
                await burst_round(
                    scene, workers, voters=args.voters, within=within, following=following
                )
        await close_rounds(args, scene, workers, within=windows(args)[0])
    finally:
        fanout.stop([process for process, _ in workers])


async def close_rounds(
    args: argparse.Namespace,
    scene: fanout.Scene,
    workers: list[tuple[subprocess.Popen[bytes], int]],
    *,
    within: float,
) -> None:
    from screens import Tablet, TabletSocket  # the page's tablets, next to this file

    ports, pids = [port for _, port in workers], [process.pid for process, _ in workers]
    base = [f"http://{fanout.HOST}:{port}" for port in ports]
    chair = await asyncio.to_thread(chair_cookie, scene)
    token = secrets.token_hex(16)
    chair_headers = {
        "Cookie": f"{chair}; csrftoken={token}",
        "X-CSRFToken": token,
        "Origin": base[0],
    }
    figures: dict[bool, dict[str, list[float]]] = {
        busy: {"request": [], "screens": [], "cpu": [], "counted": [], "late": [], "ballots": []}
        for busy in (True, False)
    }
    since = await asyncio.to_thread(fanout.head, scene)
    # The tablets' page fetches share a pool, as a browser's would not; the chair's console
    # has its own connection.
    # No kept-alive connections: a server closes an idle one just as it is reused.
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=0)
    async with (
        httpx.AsyncClient(timeout=120, limits=limits) as http,
        httpx.AsyncClient(timeout=120) as console,
    ):
        tablets = [
            Tablet(
                url=f"ws://{fanout.HOST}:{ports[i % len(ports)]}/ws/meetings/"
                f"{scene.meeting_id}/?since={since}&lang=en&regions={scene.regions}",
                headers={"Cookie": scene.cookies[i], "Origin": base[i % len(base)]},
                since=since,
                page_url=f"{base[i % len(base)]}/meetings/{scene.meeting_id}/",
                http=http,
            )
            for i in range(args.clients)
        ]
        await fanout.connect_all(tablets, protocol=TabletSocket)
        # Warm each process (imports, templates, database connections) before measuring.
        await fire([("GET", f"{url}/accounts/login/", {}, None) for url in base * 4], within=0)
        for round_ in range(args.events * 2):
            busy = round_ % 2 == 1  # the idle baseline first, then alternating
            poll_id, _ = await asyncio.to_thread(open_vote, scene)
            ballots = []
            for i, cookie in enumerate(scene.cookies[: args.voters]):
                secret = secrets.token_hex(16)
                url = f"{base[i % len(base)]}/meetings/{scene.meeting_id}/polls/{poll_id}/"
                ballots.append(
                    (
                        "POST",
                        url + "vote/",
                        {
                            "Cookie": f"{cookie}; csrftoken={secret}",
                            "X-CSRFToken": secret,
                            "Origin": base[i % len(base)],
                            "HX-Request": "true",
                        },
                        {
                            "answer": "yes" if i % 3 else "no",
                            "request_key": secrets.token_hex(8),
                            "return_to": "session",
                        },
                    )
                )
            cpu_before = servers_cpu(pids)
            burst_task = asyncio.create_task(fire(ballots, within=within))
            if busy:
                # fire() opens its gate after 0.5 s; the last ballot leaves `within` later.
                await asyncio.sleep(0.5 + within)
            else:
                # Idle: every ballot answered and every screen current before the close.
                await burst_task
                last_ballot = await asyncio.to_thread(fanout.head, scene)
                await fanout.wait_until(
                    lambda seq=last_ballot: all(seq in t.current for t in tablets), 120
                )
            close_url = f"{base[0]}/meetings/{scene.meeting_id}/polls/{poll_id}/close/"
            pressed = time.perf_counter()
            response = await console.post(
                close_url, headers=chair_headers, data={"return_to": "console"}
            )
            answered = time.perf_counter()
            if response.status_code != 302:
                raise SystemExit(f"the close answered {response.status_code}")
            ballot_times, _statuses = await burst_task
            cpu = servers_cpu(pids) - cpu_before
            seq = await asyncio.to_thread(closing_event, scene, poll_id)
            if not await fanout.wait_until(
                lambda seq=seq: all(seq in t.current for t in tablets), 120
            ):
                missing = [t for t in tablets if seq not in t.current]
                raise SystemExit(
                    f"event {seq}: {len(missing)} screens not current after 120 s; "
                    f"{sum(seq in t.frames for t in missing)} of them had the frame, "
                    f"last seen {sorted({max(t.frames, default=0) for t in missing})}"
                )
            last = max(t.current[seq] for t in tablets)
            row = figures[busy]
            row["request"].append((answered - pressed) * 1000)
            row["screens"].append((last - pressed) * 1000)
            row["cpu"].append(cpu * 1000 / len(ballots))
            row["ballots"].extend(ballot_times)
            total = await asyncio.to_thread(counted, poll_id)
            row["counted"].append(total)
            row["late"].append(len(ballots) - total)
            print(
                f"  round {round_ + 1} ({'close during the burst' if busy else 'idle close'}):"
                f" result on every screen {row['screens'][-1]:.0f} ms after the close,"
                f" {total} counted",
                flush=True,
            )
        await fanout.disconnect_all(tablets)
    asked = Counter(kind for t in tablets for kind in t.asked.values())
    print(
        f"burst-close: {args.clients} tablets following, {args.voters} ballots within {within:g} s,"
        f" {args.events} rounds each, {len(workers)} server processes"
    )
    for busy, label in ((True, "close during the burst"), (False, "baseline: close when idle")):
        row = figures[busy]
        print(f"  {label}:")
        print("    " + report("close request answered", row["request"]))
        print("    " + report("result on every tablet's screen", row["screens"]))
        print("    " + report("ballots answered (all rounds)", row["ballots"]))
        print(
            f"    server CPU per ballot {statistics.median(row['cpu']):.1f} ms (median of rounds,"
            f" the close and the fan-out to the tablets included);"
            f" ballots counted per round {sorted(set(int(n) for n in row['counted']))},"
            f" refused after the close {sorted(set(int(n) for n in row['late']))}"
        )
    ratio = fanout.percentile(figures[True]["screens"], 0.99) / fanout.percentile(
        figures[False]["screens"], 0.99
    )
    print(f"  p99 busy / p99 idle, result on every screen: {ratio:.1f}x")
    failed = sum(t.failed_fetches for t in tablets)
    if failed:
        print(f"  page fetches that failed and were sent again: {failed}")
    print(
        f"  frames that asked a tablet to fetch its page: {sum(asked.values())}"
        + (f" ({', '.join(f'{kind} {n}' for kind, n in asked.most_common())})" if asked else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["burst", "close", "burst-close", "figures"])
    parser.add_argument("--voters", type=int, default=500)
    # Seconds the ballots are spread over; several, comma-separated, for one burst each
    # (burst-close takes the first).
    parser.add_argument("--within", default="5,1")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--events", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--following", action="store_true")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    logging.getLogger("httpx").setLevel(logging.WARNING)
    fanout.recreate_database()
    fanout.setup_django()
    people = {"burst": args.voters, "close": args.clients}.get(
        args.mode, max(args.clients, args.voters)
    )
    scene = fanout.build_scene(people)
    run = {"burst": burst, "close": close, "burst-close": burst_close, "figures": figures}[
        args.mode
    ]
    asyncio.run(run(args, scene))


if __name__ == "__main__":
    main()
