"""Fan-out benchmark: one service call, N real WebSocket clients, two server processes, Redis.

    python bench/fanout.py latency [--clients 100,1000,3000] [--events 20] [--workers 2]
                                   [--chair-connected] [--over-http]
    python bench/fanout.py sustained [--clients 1000] [--rate 10] [--seconds 120]
    python bench/fanout.py storm [--clients 500]
    python bench/fanout.py service --events 200 [--chair-connected] [--profile 40]
    python bench/fanout.py render [--clients 1000] [--events 400]

`latency` measures, per event, the time from the service call until the last client has the
event (p50 and p99 over the events), the memory each connection costs the server processes,
and in the same run the floor: a bare `websockets` server broadcasting the same frame to the
same number of clients. It also shows the time from the push, which follows the commit, to
the last client: the fan-out alone, without the transaction the floor does not have. With
`--over-http` the chair checks in as from their tablet: the page's form is posted to the first
server process, which makes the service call while it serves its share of the sockets, as a
deployment does (the push's time is then not seen, and "from the push" is not given).
`sustained` checks that every client receives every event once and in order. `storm` drops
clients at once and reconnects them with their last sequence number. `service` times the
service call of `latency` alone, with no client connected but the members' audience held in
Redis as `latency`'s clients hold it (so it renders what `latency`'s call renders): back to
back, then with the pause `latency` leaves between events; it counts its round trips, gives the
calling thread's CPU per call, and with `--profile` prints a cProfile of the calls. `render`
renders the regions of one check-in as its push does after the commit, in this process, for the
members' meeting page (the regions the page names) and for every region (a socket that names
none), alternating over the same event: their size and time, without the network.

It uses its own database (meetings_bench, recreated each run) and Redis database 5, and only
addresses on this machine. Figures go to standard output; docs/PERFORMANCE.md records them.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import gc
import json
import os
import re
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import websockets
from websockets.client import ClientProtocol
from websockets.exceptions import InvalidHandshake
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.uri import parse_uri

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/meetings_bench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
CONNECT_CONCURRENCY = 200
HOST = "127.0.0.1"


def recreate_database() -> None:
    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    os.environ.update(
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        DJANGO_SETTINGS_MODULE="config.settings",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        # Service calls made here run as in a server process: DEBUG on would record and log
        # every statement, which no deployment does.
        DEBUG="0",
        # The sessions made here must be readable by the server processes.
        SECRET_KEY=secrets.token_hex(32),
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


@dataclass
class Scene:
    meeting_id: int
    publisher_id: int
    cookies: list[str]
    # The chair's session, for checking in over HTTP.
    publisher_cookie: str = ""
    # What the members' meeting page names when it connects (`page_regions`).
    regions: str = ""


def build_scene(clients: int) -> Scene:
    """A body whose `clients` members each have a logged-in session, and a meeting today.

    Members are added in bulk (the membership service adds one at a time, which would make
    the set-up slower than the benchmark); the role group gives them the meeting's rights as
    the service would.
    """
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from meetings import permissions, services
    from meetings.models import Body, Membership

    officer = User.objects.create(username="bench-secretariat")
    officer.groups.add(permissions.secretariat_group())
    body = services.body_create(actor=officer, name="Bench body", kind=Body.Kind.COMMITTEE)
    secretary = User.objects.create(username="bench-secretary")
    services.membership_create(
        actor=officer, body=body, user=secretary, role=Membership.Role.SECRETARY
    )
    publisher = User.objects.create(username="bench-chair")
    services.membership_create(actor=officer, body=body, user=publisher, role=Membership.Role.CHAIR)
    tablets = User.objects.bulk_create(
        User(username=f"tablet{i}", password="!") for i in range(clients)
    )
    Membership.objects.bulk_create(
        Membership(body=body, user=user, role=Membership.Role.MEMBER, has_vote=True)
        for user in tablets
    )
    permissions.role_group(body, Membership.Role.MEMBER).user_set.add(*tablets)
    starts_at = timezone.now() + datetime.timedelta(minutes=30)
    meeting = services.meeting_create(
        actor=secretary,
        body=body,
        title="Bench meeting",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=8),
        place="Room 1",
    )
    services.meeting_schedule(actor=secretary, meeting=meeting)

    store = SessionStore()
    expire = timezone.now() + datetime.timedelta(days=1)
    sessions = []
    for user in [publisher, *tablets]:
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        sessions.append(
            Session(
                session_key=secrets.token_hex(16),
                session_data=store.encode(data),
                expire_date=expire,
            )
        )
    Session.objects.bulk_create(sessions)
    cookies = [f"sessionid={s.session_key}" for s in sessions]
    scene = Scene(
        meeting_id=meeting.pk,
        publisher_id=publisher.pk,
        cookies=cookies[1:],
        publisher_cookie=cookies[0],
    )
    scene.regions = page_regions(scene)
    return scene


def page_regions(scene: Scene) -> str:
    """The regions a member's meeting page names when its script connects (static/js/live.js):
    those with an element on the page, found in the page as the first tablet gets it."""
    from django.test import Client as PageClient

    try:
        from realtime.regions import shown_in
    except ImportError:
        return ""  # earlier code, run with this bench to compare: its pages name no regions
    page = PageClient(HTTP_HOST=HOST)
    page.cookies["sessionid"] = scene.cookies[0].removeprefix("sessionid=")
    html = page.get(f"/meetings/{scene.meeting_id}/").content.decode()
    return ",".join(sorted(shown_in(re.findall(r'\sid="([^"]+)"', html))))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def start_workers(count: int) -> list[tuple[subprocess.Popen[bytes], int]]:
    environment = {
        **os.environ,
        "DEBUG": "0",
        "SERVE_STATIC": "0",
        "SECURE_COOKIES": "0",
        "ALLOWED_HOSTS": HOST,
        "LOG_LEVEL": "WARNING",
    }
    workers = []
    for _ in range(count):
        port = free_port()
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "realtime.server", "--host", HOST, "--port", str(port)]
            + ["--no-access-log", "config.asgi:application"],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
        )
        workers.append((process, port))
    for process, port in workers:
        wait_for_port(port, process)
    return workers


def wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"a server on port {port} exited with {process.returncode}")
        try:
            socket.create_connection((HOST, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"no server on port {port} after 30 s")


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """The process's CPU time so far (user and system, its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


EVENT_PREFIX = b'{"type": "event"'


@dataclass(eq=False)
class Client:
    url: str
    headers: dict[str, str]
    since: int = 0
    arrivals: list[tuple[float, bytes]] = field(default_factory=list)
    event_count: int = 0
    handshake_error: str = ""
    socket: ClientSocket | None = None

    def events(self) -> list[tuple[int, float]]:
        seen = []
        for arrived, raw in self.arrivals:
            frame = json.loads(raw)
            if frame.get("type") == "event":
                seen.append((frame["seq"], arrived))
        return seen

    def last_seq(self) -> int:
        # Events arrive in order from `since`, so counting them is enough while measuring;
        # parsing every frame here would slow the loop that timestamps arrivals.
        return self.since + self.event_count


class ClientSocket(asyncio.Protocol):
    """A WebSocket client on the `websockets` library's Sans-I/O protocol.

    The opening handshake (with the member's cookie and the Origin), frame parsing, answers to
    pings and the closing handshake are the library's; what is left out is its asyncio
    connection's per-message machinery (a future, a queue and an assembler per frame), which at
    thousands of clients in one process cost more than the servers. Each frame is timestamped as
    soon as the event loop hands over the bytes that complete it.
    """

    def __init__(self, client: Client) -> None:
        self.client = client
        uri = parse_uri(client.url)
        self.protocol = ClientProtocol(uri, max_size=None)
        self.request = self.protocol.connect()
        for name, value in client.headers.items():
            self.request.headers[name] = value
        self.transport: asyncio.Transport | None = None
        self.fragments: list[bytes] = []
        self.open = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.protocol.send_request(self.request)
        self.flush()

    def data_received(self, data: bytes) -> None:
        arrived = time.perf_counter()
        protocol = self.protocol
        protocol.receive_data(data)
        for event in protocol.events_received():
            if isinstance(event, Response):
                if not self.open.done():
                    if protocol.handshake_exc is None:
                        self.open.set_result(None)
                    else:
                        self.open.set_exception(protocol.handshake_exc)
            elif isinstance(event, Frame) and event.opcode in (Opcode.TEXT, Opcode.CONT):
                data = bytes(event.data)
                if not event.fin:
                    self.fragments.append(data)
                    continue
                raw = b"".join([*self.fragments, data]) if self.fragments else data
                self.fragments.clear()
                self.client.arrivals.append((arrived, raw))
                if raw.startswith(EVENT_PREFIX):
                    self.client.event_count += 1
        self.flush()

    def flush(self) -> None:
        """Write what the protocol has to send (pongs, the close frame); b"" means end of
        stream."""
        assert self.transport is not None
        for chunk in self.protocol.data_to_send():
            if chunk:
                self.transport.write(chunk)
            elif self.transport.can_write_eof():
                self.transport.write_eof()
        if self.protocol.close_expected():
            self.transport.close()

    def eof_received(self) -> bool | None:
        self.protocol.receive_eof()
        self.flush()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.open.done():
            self.open.set_exception(exc or ConnectionError("closed during the handshake"))
        if not self.closed.done():
            self.closed.set_result(None)

    async def close(self) -> None:
        if self.transport is not None and self.protocol.state is State.OPEN:
            self.protocol.send_close()
            self.flush()
        try:
            await asyncio.wait_for(asyncio.shield(self.closed), 10)
        except TimeoutError:
            if self.transport is not None:
                self.transport.abort()


async def follow(
    client: Client, gate: asyncio.Semaphore | None, protocol: type[ClientSocket] = ClientSocket
) -> None:
    uri = parse_uri(client.url)
    loop = asyncio.get_running_loop()
    try:
        if gate is not None:
            await gate.acquire()
        try:
            _, socket_ = await asyncio.wait_for(
                loop.create_connection(lambda: protocol(client), uri.host, uri.port), 60
            )
            await asyncio.wait_for(socket_.open, 60)
        finally:
            if gate is not None:
                gate.release()
    except (OSError, InvalidHandshake, TimeoutError) as error:
        client.handshake_error = repr(error)
        return
    client.socket = socket_


async def connect_all(
    clients: list[Client], *, gated: bool = True, protocol: type[ClientSocket] = ClientSocket
) -> None:
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY) if gated else None
    await asyncio.gather(*(follow(client, gate, protocol) for client in clients))
    failures = Counter(c.handshake_error for c in clients if c.handshake_error)
    for error, count in failures.items():
        print(f"  {count} handshakes failed: {error}")


async def disconnect_all(clients: list[Client]) -> None:
    """Close every socket with a close frame, as a tablet going offline cleanly would."""
    await asyncio.gather(*(c.socket.close() for c in clients if c.socket), return_exceptions=True)


def our_clients(scene: Scene, ports: list[int], count: int, since: int = 0) -> list[Client]:
    return [
        Client(
            url=f"ws://{HOST}:{ports[i % len(ports)]}/ws/meetings/{scene.meeting_id}/"
            f"?since={since}&regions={scene.regions}",
            # The page's own origin, port included, as a browser sends it.
            headers={
                "Cookie": scene.cookies[i],
                "Origin": f"http://{HOST}:{ports[i % len(ports)]}",
            },
            since=since,
        )
        for i in range(count)
    ]


@dataclass
class Publisher:
    """The chair and the meeting, read once: a view would have them from the request before
    calling the service, so they are not part of the time measured."""

    chair: Any
    meeting: Any

    @classmethod
    def load(cls, scene: Scene) -> Publisher:
        from django.contrib.auth.models import User

        from meetings.models import Meeting

        return cls(
            chair=User.objects.get(pk=scene.publisher_id),
            meeting=Meeting.objects.get(pk=scene.meeting_id),
        )

    def publish(self, present: bool) -> float:
        """One service call: the chair checks in or out. Returns when it began (perf_counter);
        it returns after the commit and the push to Redis."""
        from meetings import services

        began = time.perf_counter()
        if present:
            services.attendance_check_in(actor=self.chair, meeting=self.meeting)
        else:
            services.attendance_check_out(actor=self.chair, meeting=self.meeting)
        return began


class TabletPublisher:
    """The chair checks in or out from their tablet: the meeting page's form, posted to one
    server process, which makes the service call on one of its threads while its event loop
    serves its sockets. Returns when the POST began, once the answer (a redirect) is in."""

    def __init__(self, scene: Scene, port: int) -> None:
        token = secrets.token_hex(16)  # a form token of Django's unmasked length
        self.meeting_id = scene.meeting_id
        self.connection = HTTPConnection(HOST, port, timeout=30)
        self.headers = {
            "Cookie": f"{scene.publisher_cookie}; csrftoken={token}",
            "X-CSRFToken": token,
            "Content-Type": "application/x-www-form-urlencoded",
        }

    def publish(self, present: bool) -> float:
        action = "check-in" if present else "check-out"
        began = time.perf_counter()
        self.connection.request(
            "POST", f"/meetings/{self.meeting_id}/{action}/", body=b"", headers=self.headers
        )
        response = self.connection.getresponse()
        response.read()
        if response.status != 302:
            raise SystemExit(f"{action} over HTTP answered {response.status}")
        return began


def publish_one(scene: Scene, present: bool) -> int:
    """One check-in or check-out, reading the chair and the meeting first. Returns the event's
    number."""
    Publisher.load(scene).publish(present)
    return head(scene)


def head(scene: Scene) -> int:
    from realtime.selectors import stream_heads

    return stream_heads([scene.meeting_id]).get(scene.meeting_id, 0)


async def wait_until(predicate: object, timeout: float) -> bool:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        await asyncio.sleep(0.02)
    return bool(predicate())  # type: ignore[operator]


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Keep the client process's cyclic garbage collector from pausing it while it takes
    frames: with thousands of connections and their arrivals, a full collection takes tens of
    milliseconds, which would be counted as fan-out time. Reference counting still frees
    memory. Used identically for our servers and for the floor."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@contextmanager
def noting_pushes(pushed: dict[int, float]) -> Iterator[None]:
    """Note when each event's push begins, right after its transaction commits: `publish`
    calls `realtime.events.push` from its commit hook, which this wraps while it is open."""
    from realtime import events

    push = events.push

    def noted(message: dict[str, Any]) -> None:
        # The event's frames; its people's own regions may follow in a message of their own.
        pushed.setdefault(message["seq"], time.perf_counter())
        push(message)

    events.push = noted
    try:
        yield
    finally:
        events.push = push


@dataclass
class Timings:
    """Milliseconds per event: from the start of the service call to the last client, and to
    the first; the service call itself; from the push (after the commit) to the last client."""

    last: list[float] = field(default_factory=list)
    first: list[float] = field(default_factory=list)
    service: list[float] = field(default_factory=list)
    from_push: list[float] = field(default_factory=list)


async def measure_ours(
    scene: Scene,
    ports: list[int],
    pids: list[int],
    count: int,
    events: int,
    per_event: bool,
    over_http: bool,
) -> tuple[Timings, float, str]:
    baseline = sum(rss_kib(pid) for pid in pids)
    clients = our_clients(scene, ports, count, since=await asyncio.to_thread(head, scene))
    await connect_all(clients)
    await asyncio.sleep(2)
    per_connection = (sum(rss_kib(pid) for pid in pids) - baseline) / count
    # Two untimed events (in and out again): the first call imports the services and opens
    # connections, which would otherwise be the p99 of the smallest N.
    publisher: Publisher | TabletPublisher = (
        TabletPublisher(scene, ports[0])
        if over_http
        else await asyncio.to_thread(Publisher.load, scene)
    )
    for present in (True, False):
        await asyncio.to_thread(publisher.publish, present)
        seq = await asyncio.to_thread(head, scene)
        await wait_until(lambda seq=seq: all(c.last_seq() >= seq for c in clients), 30)
    timings, frame, pushed = Timings(), "", {}
    with no_cyclic_gc(), noting_pushes(pushed):
        for i in range(events):
            sent = await asyncio.to_thread(publisher.publish, i % 2 == 0)
            timings.service.append((time.perf_counter() - sent) * 1000)
            seq = await asyncio.to_thread(head, scene)
            await wait_until(lambda seq=seq: all(c.last_seq() >= seq for c in clients), 30)
            # Client n follows server process n % len(ports).
            arrivals = [
                (n % len(ports), t)
                for n, c in enumerate(clients)
                for s, t in c.events()
                if s == seq
            ]
            if len(arrivals) != count:
                print(f"  event {seq}: {count - len(arrivals)} clients did not receive it in 30 s")
            if not arrivals:
                raise SystemExit("no client received the event")
            last = max(t for _, t in arrivals)
            timings.last.append((last - sent) * 1000)
            timings.first.append((min(t for _, t in arrivals) - sent) * 1000)
            if seq in pushed:
                timings.from_push.append((last - pushed[seq]) * 1000)
            if per_event:
                spans = "; ".join(
                    f"server {p}: {(min(t for q, t in arrivals if q == p) - sent) * 1000:.0f}"
                    f"-{(max(t for q, t in arrivals if q == p) - sent) * 1000:.0f} ms"
                    for p in sorted({q for q, _ in arrivals})
                )
                print(
                    f"    {count} clients, event {seq}: service call {timings.service[-1]:.0f} ms;"
                    f" push {(pushed[seq] - sent) * 1000 if seq in pushed else float('nan'):.0f}"
                    f" ms; first-last arrival {spans}"
                )
            frame = clients[0].arrivals[-1][1].decode()
            await asyncio.sleep(0.2)
    await disconnect_all(clients)
    return timings, per_connection, frame


FLOOR_SERVER = """
import asyncio, sys, websockets
clients = set()
async def handler(connection):
    if connection.request.path == "/trigger":
        async for frame in connection:
            websockets.broadcast(clients, frame)
        return
    clients.add(connection)
    try:
        await connection.wait_closed()
    finally:
        clients.discard(connection)
async def main():
    async with websockets.serve(handler, "127.0.0.1", int(sys.argv[1]), compression=None,
                                ping_interval=None, backlog=4096):
        await asyncio.Future()
asyncio.run(main())
"""


async def measure_floor(count: int, events: int, frame: str) -> list[float]:
    port = free_port()
    server = subprocess.Popen(  # noqa: S603  (the port probe makes it log a failed handshake)
        [sys.executable, "-c", FLOOR_SERVER, str(port)], stderr=subprocess.DEVNULL
    )
    try:
        wait_for_port(port, server)
        clients = [Client(url=f"ws://{HOST}:{port}/", headers={}) for _ in range(count)]
        await connect_all(clients)
        trigger = await websockets.connect(f"ws://{HOST}:{port}/trigger", compression=None)
        await asyncio.sleep(1)
        latencies = []
        with no_cyclic_gc():
            for i in range(events):
                payload = json.dumps({**json.loads(frame), "seq": i + 1})
                sent = time.perf_counter()
                await trigger.send(payload)
                await wait_until(lambda i=i: all(c.event_count > i for c in clients), 30)
                latencies.append((max(c.arrivals[i][0] for c in clients) - sent) * 1000)
                await asyncio.sleep(0.2)
        await trigger.close()
        await disconnect_all(clients)
        return latencies
    finally:
        stop([server])


async def latency(args: argparse.Namespace, scene: Scene) -> None:
    sizes = [int(n) for n in args.clients.split(",")]
    workers = start_workers(args.workers)
    ports, pids = [p for _, p in workers], [w.pid for w, _ in workers]
    # Whether the chair's own regions are drawn: also forgets a chair's key that an earlier run
    # left in Redis for the same meeting number.
    await asyncio.to_thread(hold_members_audience, scene, with_chair=args.chair_connected)
    try:
        print(f"{args.workers} server processes, Redis channel layer, {args.events} events each")
        print(
            "clients | ours p50 | ours p99 | floor p50 | floor p99 | p99 ratio | KiB/conn"
            " | service call p50 | first client p50 | from the push p50 / p99 | its p99 ratio"
        )
        for count in sizes:
            ours, per_connection, frame = await measure_ours(
                scene, ports, pids, count, args.events, args.per_event, args.over_http
            )
            floor = await measure_floor(count, args.events, frame)
            floor_p99 = percentile(floor, 0.99)
            from_push = (
                f"{statistics.median(ours.from_push):8.0f} / {percentile(ours.from_push, 0.99):.0f}"
                f" ms | {percentile(ours.from_push, 0.99) / floor_p99:12.1f}x"
                if ours.from_push
                else "       - |            -"
            )
            print(
                f"{count:7d} | {statistics.median(ours.last):6.0f} ms"
                f" | {percentile(ours.last, 0.99):6.0f} ms"
                f" | {statistics.median(floor):7.0f} ms | {floor_p99:7.0f} ms"
                f" | {percentile(ours.last, 0.99) / floor_p99:8.1f}x"
                f" | {per_connection:8.1f}"
                f" | {statistics.median(ours.service):13.0f} ms"
                f" | {statistics.median(ours.first):13.0f} ms"
                f" | {from_push}",
                flush=True,
            )
    finally:
        stop([w for w, _ in workers])


async def sustained(args: argparse.Namespace, scene: Scene) -> None:
    workers = start_workers(args.workers)
    ports = [p for _, p in workers]
    try:
        start_seq = await asyncio.to_thread(head, scene)
        clients = our_clients(scene, ports, args.clients, since=start_seq)
        await connect_all(clients)
        total = int(args.rate * args.seconds)
        began = time.perf_counter()
        for i in range(total):
            await asyncio.to_thread(publish_one, scene, i % 2 == 0)
            behind = began + (i + 1) / args.rate - time.perf_counter()
            if behind > 0:
                await asyncio.sleep(behind)
        elapsed = time.perf_counter() - began
        last = await asyncio.to_thread(head, scene)
        await wait_until(lambda: all(c.last_seq() >= last for c in clients), 60)
        expected = list(range(start_seq + 1, last + 1))
        lost = duplicated = disordered = 0
        for client in clients:
            seqs = [s for s, _ in client.events()]
            lost += len(set(expected) - set(seqs))
            duplicated += len(seqs) - len(set(seqs))
            disordered += seqs != sorted(seqs)
        await disconnect_all(clients)
        print(
            f"sustained: {args.clients} clients, {total} events in {elapsed:.0f} s "
            f"({total / elapsed:.1f}/s); lost {lost}, duplicated {duplicated}, "
            f"out of order {disordered} clients"
        )
    finally:
        stop([w for w, _ in workers])


def hold_members_audience(scene: Scene, *, with_chair: bool = False) -> None:
    """Write in Redis, as the server processes do for their sockets (realtime.audiences), that
    the members' audience in English follows the meeting on their meeting page: what
    `latency`'s clients hold. With no
    socket, no region would be rendered and the call would not be the one `latency` times.
    `with_chair`: the chair, who checks in and out, has a socket too (in English), so their own
    regions are rendered as well."""
    from django.conf import settings

    from meetings import permissions
    from realtime import events

    try:
        from realtime import audiences, regions
    except ImportError:
        return  # earlier code, run with this bench to compare: it has no registry to fill

    config = settings.CHANNEL_LAYERS["default"].get("CONFIG", {})
    members = frozenset({permissions.VIEW_MEETING})
    key = (
        regions.audience_key("en", members, scene.regions.split(","))
        if scene.regions
        else regions.audience_key("en", members)
    )
    client = events._publisher(events.get_channel_layer()).client  # type: ignore[union-attr]
    name = audiences.audiences_key(config.get("prefix", "asgi"), scene.meeting_id)
    client.hset(name, key, time.time() + 3600)
    people = audiences.people_key(config.get("prefix", "asgi"), scene.meeting_id)
    if with_chair:
        client.hset(people, regions.personal_key(scene.publisher_id, "en"), time.time() + 3600)
    else:
        client.delete(people)


def profile_calls(publisher: Publisher, events: int, top: int) -> None:
    """cProfile over `events` service calls back to back, by cumulative time."""
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    for i in range(events):
        publisher.publish(i % 2 == 0)
    profile.disable()
    pstats.Stats(profile).sort_stats("cumulative").print_stats(top)


async def service(args: argparse.Namespace, scene: Scene) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    await asyncio.to_thread(hold_members_audience, scene, with_chair=args.chair_connected)
    publisher = await asyncio.to_thread(Publisher.load, scene)

    async def timed(pause: float) -> list[float]:
        times = []
        for i in range(args.events):
            began = await asyncio.to_thread(publisher.publish, i % 2 == 0)
            times.append((time.perf_counter() - began) * 1000)
            await asyncio.sleep(pause)
        return times

    def statements() -> int:
        with CaptureQueriesContext(connection) as queries:
            publisher.publish(True)
            publisher.publish(False)
        return len(queries) // 2

    def split_calls() -> tuple[list[float], list[float], list[float]]:
        """Per call, back to back: the call; the time spent in it executing its statements
        (psycopg sends BEGIN with the first); and the time after the last of them: encoding
        the event's frames, the COMMIT and the push. What is left is the Python around the
        statements: the service's rules and Django composing the statements and their rows."""
        calls: list[float] = []
        spent: list[float] = []
        tail: list[float] = []
        statement_ended = 0.0

        def timer(
            execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
        ) -> Any:
            nonlocal statement_ended
            began = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                statement_ended = time.perf_counter()
                spent[-1] += (statement_ended - began) * 1000

        with connection.execute_wrapper(timer):
            for i in range(args.events):
                spent.append(0.0)
                began = publisher.publish(i % 2 == 0)
                ended = time.perf_counter()
                calls.append((ended - began) * 1000)
                tail.append((ended - statement_ended) * 1000)
        return calls, spent, tail

    await timed(0)  # imports and connections
    for label, pause in (("back to back", 0), ("0.2 s apart", 0.2)):
        times = await timed(pause)
        print(
            f"service call, {args.events} calls {label}: p50 {statistics.median(times):.1f} ms,"
            f" p99 {percentile(times, 0.99):.1f} ms"
        )
    count = await asyncio.to_thread(statements)
    print(f"  {count} statements to PostgreSQL (BEGIN and COMMIT included), then one PUBLISH")
    calls, spent, tail = await asyncio.to_thread(split_calls)
    print(
        f"  back to back, p50 of a {statistics.median(calls):.1f} ms call:"
        f" {statistics.median(spent):.1f} ms executing the statements before the COMMIT,"
        f" {statistics.median(tail):.1f} ms after them (frames, COMMIT, push)"
    )

    def cpu() -> list[float]:
        times = []
        for i in range(args.events):
            began = time.thread_time()
            publisher.publish(i % 2 == 0)
            times.append((time.thread_time() - began) * 1000)
        return times

    times = await asyncio.to_thread(cpu)
    print(f"  CPU of the calling thread per call: p50 {statistics.median(times):.2f} ms")
    if args.profile:
        await asyncio.to_thread(profile_calls, publisher, args.events, args.profile)


async def storm(args: argparse.Namespace, scene: Scene) -> None:
    workers = start_workers(args.workers)
    ports = [p for _, p in workers]
    try:
        clients = our_clients(
            scene, ports, args.clients, since=await asyncio.to_thread(head, scene)
        )
        await connect_all(clients)
        for i in range(10):
            await asyncio.to_thread(publish_one, scene, i % 2 == 0)
        first = await asyncio.to_thread(head, scene)
        await wait_until(lambda: all(c.last_seq() >= first for c in clients), 30)
        seen = [c.last_seq() for c in clients]
        await disconnect_all(clients)
        for i in range(20):  # published while every tablet is offline
            await asyncio.to_thread(publish_one, scene, i % 2 == 0)
        last = await asyncio.to_thread(head, scene)
        again = [
            Client(url=c.url.split("?")[0] + f"?since={seq}", headers=c.headers, since=seq)
            for c, seq in zip(clients, seen, strict=True)
        ]
        started = time.perf_counter()
        await connect_all(again, gated=False)
        synced = await wait_until(lambda: all(c.last_seq() >= last for c in again), 60)
        elapsed = time.perf_counter() - started
        failed = sum(bool(c.handshake_error) for c in again)
        complete = sum(
            [s for s, _ in c.events()] == list(range(seq + 1, last + 1))
            for c, seq in zip(again, seen, strict=True)
        )
        await disconnect_all(again)
        print(
            f"storm: {args.clients} clients reconnected at once; "
            f"{'all' if synced else 'not all'} resynced in {elapsed:.2f} s; "
            f"{failed} failed handshakes; {complete} clients got exactly the missed events"
        )
    finally:
        stop([w for w, _ in workers])


async def render(args: argparse.Namespace, scene: Scene) -> None:
    await asyncio.to_thread(render_figures, scene, args.events)


def render_figures(scene: Scene, events: int) -> None:
    from meetings import permissions
    from realtime import events as realtime_events
    from realtime import regions
    from realtime.audiences import Held
    from realtime.models import MeetingEvent

    Publisher.load(scene).publish(True)
    event = MeetingEvent.objects.filter(meeting_id=scene.meeting_id).latest("seq")
    members = frozenset({permissions.VIEW_MEETING})
    audiences = {
        "meeting page": regions.audience_key("en", members, scene.regions.split(",")),
        "every region": regions.audience_key("en", members),
    }
    times: dict[str, list[float]] = {name: [] for name in audiences}
    frames: dict[str, str] = {}
    for _ in range(events):
        for name, key in audiences.items():
            began = time.perf_counter()
            message = next(realtime_events.rendered_messages(event, [], Held(frozenset({key}))))
            times[name].append((time.perf_counter() - began) * 1000)
            frames[name] = message["frames"][key]
    print(f"the regions of a check-in, {events} times each, a body of {len(scene.cookies)}:")
    for name, values in times.items():
        frame = json.loads(frames[name])
        print(
            f"  {name}: p50 {statistics.median(values):.2f} ms, frame"
            f" {len(frames[name].encode())} bytes, {', '.join(sorted(frame['regions']))}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["latency", "sustained", "storm", "service", "render"])
    parser.add_argument("--clients", default=None)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--per-event",
        action="store_true",
        help="latency: print each event's service call and first and last arrival per process",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="LINES",
        help="service: then profile the calls (cProfile) and print this many lines of it",
    )
    parser.add_argument(
        "--chair-connected",
        action="store_true",
        help="service, latency: the chair who checks in has a socket, so their own regions are"
        " rendered too",
    )
    parser.add_argument(
        "--over-http",
        action="store_true",
        help="latency: the chair checks in by posting the page's form to the first server process",
    )
    parser.add_argument("--rate", type=float, default=10)
    parser.add_argument("--seconds", type=float, default=120)
    args = parser.parse_args()
    defaults = {
        "latency": "100,1000,3000",
        "sustained": "1000",
        "storm": "500",
        "service": "100",
        "render": "1000",
    }
    args.clients = args.clients or defaults[args.mode]
    if args.mode != "latency":
        args.clients = int(args.clients)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    recreate_database()
    setup_django()
    scene = build_scene(max(int(n) for n in str(args.clients).split(",")))
    modes = {
        "latency": latency,
        "sustained": sustained,
        "storm": storm,
        "service": service,
        "render": render,
    }
    asyncio.run(modes[args.mode](args, scene))


if __name__ == "__main__":
    main()
