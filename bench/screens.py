"""Screens benchmark: how long until the last tablet's screen shows a change, not its frame.

    python bench/screens.py [--tablets 100,1000,3000] [--events 20] [--old-up-to 100]
                            [--old-events 5]

The chair checks in and out (one service call per event) while N member tablets follow the
meeting over two server processes and Redis. Each tablet opens the two sockets every page opens:
the meeting's (static/js/live.js) and the person's own, `/ws/me/` (static/js/notices.js), whose
frames it counts by type. On the meeting's socket, which names the regions the meeting page
shows, it does what static/js/live.js does: it reads each event frame and, when the frame is
complete, applies its regions (its screen is current then); when the frame says `fetch`, it
fetches its meeting page over HTTP, once for a burst of such frames as the page does, and is
current when the page has arrived. Per N it
prints, from the start of the service call: the frame's arrival on the last tablet and the last
tablet's screen being current (p50 and p99 over the events), their p99 ratio, the page fetches
per tablet per event, the frames the personal socket delivered per tablet per event, and the
server CPU per event: both server processes, plus the publishing thread (the service call and
the regions it renders).

In the same run, as the baseline, the previous page script: on every event frame wait 250 ms,
then fetch the whole page. It costs a page render per tablet per event, so it runs only up to
`--old-up-to` tablets, for `--old-events` events. The body has as many members as the largest
N, so each size of body is best measured in its own run.

It uses the database and Redis of bench/fanout.py (recreated each run) and only addresses on this
machine. Figures go to standard output; docs/PERFORMANCE.md records them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import resource
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fanout import (  # noqa: E402  (after the path is set)
    HOST,
    Client,
    ClientSocket,
    Publisher,
    Scene,
    build_scene,
    connect_all,
    cpu_seconds,
    disconnect_all,
    head,
    no_cyclic_gc,
    percentile,
    recreate_database,
    setup_django,
    start_workers,
    stop,
    wait_until,
)

OLD_DELAY = 0.25  # the previous page script waited this long after a frame before fetching
# static/js/live.js fetches the page this long after the last frame that asked for it: one
# fetch for a burst of such frames.
FETCH_DELAY = 0.25


@dataclass(eq=False)
class Tablet(Client):
    """A tablet: `frames` and `current` map each event's number to when its frame arrived and
    when the screen showed it."""

    page_url: str = ""
    old_script: bool = False
    http: httpx.AsyncClient | None = None
    frames: dict[int, float] = field(default_factory=dict)
    current: dict[int, float] = field(default_factory=dict)
    fetches: int = 0
    # The events whose frame asked for the page (not complete), by number: their type.
    asked: dict[int, str] = field(default_factory=dict)
    # Events read while a fetch is scheduled: the screen shows them once that page arrives.
    waiting: list[int] = field(default_factory=list)
    failed_fetches: int = 0
    fetch_timer: asyncio.TimerHandle | None = None


class TabletSocket(ClientSocket):
    """Reads each frame as the page script does, right when it arrives."""

    def data_received(self, data: bytes) -> None:
        tablet = self.client
        assert isinstance(tablet, Tablet)
        known = len(tablet.arrivals)
        super().data_received(data)
        for arrived, raw in tablet.arrivals[known:]:
            frame = json.loads(raw)
            if frame.get("type") != "event":
                continue
            seq = frame["seq"]
            tablet.frames[seq] = arrived
            if tablet.old_script:
                asyncio.ensure_future(fetch_page(tablet, [seq]))
                continue
            if frame["fetch"]:
                tablet.asked[seq] = frame["event"] or "restricted"
                # As live.js does: (re)start the timer, so a burst of such frames costs one
                # fetch, sent once they stop.
                if tablet.fetch_timer is not None:
                    tablet.fetch_timer.cancel()
                tablet.fetch_timer = asyncio.get_running_loop().call_later(
                    FETCH_DELAY, start_fetch, tablet
                )
            if tablet.fetch_timer is not None:
                tablet.waiting.append(seq)
            else:
                # The regions are HTML the page morphs in; the bench has no DOM, so the screen
                # counts as current once the frame is read.
                tablet.current[seq] = time.perf_counter()


def start_fetch(tablet: Tablet) -> None:
    seqs, tablet.waiting, tablet.fetch_timer = tablet.waiting, [], None
    asyncio.ensure_future(fetch_page(tablet, seqs))


async def fetch_page(tablet: Tablet, seqs: list[int]) -> None:
    if tablet.old_script:
        await asyncio.sleep(OLD_DELAY)
    assert tablet.http is not None
    tablet.fetches += 1
    while True:
        try:
            response = await tablet.http.get(
                tablet.page_url, headers={"Cookie": tablet.headers["Cookie"], "HX-Request": "true"}
            )
            response.raise_for_status()
            break
        except httpx.HTTPError:
            # An overloaded server may drop the connection; the screen stays stale until a
            # fetch succeeds, which is what is measured. Counted, so the figures say so.
            tablet.failed_fetches += 1
            await asyncio.sleep(1)
    shown = time.perf_counter()
    for seq in seqs:
        tablet.current[seq] = shown


@dataclass
class Figures:
    frame: list[float] = field(default_factory=list)
    screen: list[float] = field(default_factory=list)
    fetches_per_tablet: float = 0.0
    cpu_per_event: float = 0.0
    # Frames the personal sockets (/ws/me/) delivered per tablet per event, and their types.
    personal_per_tablet: float = 0.0
    personal_types: Counter[str] = field(default_factory=Counter)


async def measure(
    scene: Scene, ports: list[int], pids: list[int], count: int, events: int, *, old: bool
) -> Figures:
    since = await asyncio.to_thread(head, scene)
    limits = httpx.Limits(max_connections=50)
    async with httpx.AsyncClient(timeout=600, limits=limits) as http:
        tablets = [
            Tablet(
                url=f"ws://{HOST}:{ports[i % len(ports)]}/ws/meetings/{scene.meeting_id}/"
                f"?since={since}&lang=en&regions={scene.regions}",
                headers={
                    "Cookie": scene.cookies[i],
                    "Origin": f"http://{HOST}:{ports[i % len(ports)]}",
                },
                since=since,
                page_url=f"http://{HOST}:{ports[i % len(ports)]}/meetings/{scene.meeting_id}/",
                old_script=old,
                http=http,
            )
            for i in range(count)
        ]
        # Every page opens the person's own socket too, in the page's language.
        personal = [
            Client(
                url=f"ws://{HOST}:{ports[i % len(ports)]}/ws/me/?lang=en",
                headers=tablet.headers,
            )
            for i, tablet in enumerate(tablets)
        ]
        await connect_all(tablets, protocol=TabletSocket)
        await connect_all(personal)
        opened = sum(c.socket is not None for c in personal)
        if opened != count:
            print(f"  {count - opened} personal sockets did not open")
        await asyncio.sleep(2)
        marks = [len(c.arrivals) for c in personal]
        publisher = await asyncio.to_thread(Publisher.load, scene)

        def publish(present: bool) -> tuple[float, float]:
            """The service call, with the CPU time of the thread that makes it."""
            cpu = time.thread_time()
            began = publisher.publish(present)
            return began, time.thread_time() - cpu

        figures = Figures()
        cpu_before = sum(cpu_seconds(pid) for pid in pids)
        publishing_cpu = 0.0
        with no_cyclic_gc():
            for i in range(events):
                sent, cpu = await asyncio.to_thread(publish, i % 2 == 0)
                publishing_cpu += cpu
                seq = await asyncio.to_thread(head, scene)
                done = await wait_until(lambda seq=seq: all(seq in t.current for t in tablets), 600)
                if not done:
                    late = sum(seq not in t.current for t in tablets)
                    print(f"  event {seq}: {late} screens not current after 600 s")
                figures.frame.append(
                    (max(t.frames[seq] for t in tablets if seq in t.frames) - sent) * 1000
                )
                figures.screen.append(
                    (max(t.current[seq] for t in tablets if seq in t.current) - sent) * 1000
                )
                await asyncio.sleep(0.2)
        server_cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
        figures.cpu_per_event = (server_cpu + publishing_cpu) / events
        figures.fetches_per_tablet = sum(t.fetches for t in tablets) / (count * events)
        delivered = [c.arrivals[mark:] for c, mark in zip(personal, marks, strict=True)]
        figures.personal_per_tablet = sum(len(d) for d in delivered) / (count * events)
        figures.personal_types = Counter(
            json.loads(raw).get("type", "?") for d in delivered for _, raw in d
        )
        await disconnect_all(tablets)
        await disconnect_all(personal)
    return figures


def row(label: str, count: int, figures: Figures) -> str:
    frame_p99, screen_p99 = percentile(figures.frame, 0.99), percentile(figures.screen, 0.99)
    return (
        f"{label:>10} | {count:7d} | {statistics.median(figures.frame):6.0f} / {frame_p99:6.0f} ms"
        f" | {statistics.median(figures.screen):7.0f} / {screen_p99:7.0f} ms"
        f" | {screen_p99 / frame_p99:6.1f}x | {figures.fetches_per_tablet:7.2f}"
        f" | {figures.personal_per_tablet:7.2f}"
        f" ({', '.join(f'{k} {v}' for k, v in sorted(figures.personal_types.items())) or 'none'})"
        f" | {figures.cpu_per_event * 1000:8.0f} ms"
    )


async def screens(args: argparse.Namespace, scene: Scene) -> None:
    sizes = [int(n) for n in args.tablets.split(",")]
    workers = start_workers(args.workers)
    ports, pids = [p for _, p in workers], [w.pid for w, _ in workers]
    try:
        print(f"{args.workers} server processes, Redis channel layer, {args.events} events each")
        print(
            "    script | tablets | frame p50 / p99 | screen current p50 / p99 | ratio"
            " | fetches per tablet per event | /ws/me/ frames per tablet per event (by type)"
            " | server CPU per event"
        )
        for count in sizes:
            print(
                row(
                    "regions",
                    count,
                    await measure(scene, ports, pids, count, args.events, old=False),
                ),
                flush=True,
            )
            if count <= args.old_up_to:
                old = await measure(scene, ports, pids, count, args.old_events, old=True)
                print(row("fetch page", count, old), flush=True)
    finally:
        stop([w for w, _ in workers])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tablets", default="100,1000,3000")
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--old-up-to", type=int, default=100)
    parser.add_argument("--old-events", type=int, default=5)
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per page fetched
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    recreate_database()
    setup_django()
    scene = build_scene(max(int(n) for n in args.tablets.split(",")))
    asyncio.run(screens(args, scene))


if __name__ == "__main__":
    main()
