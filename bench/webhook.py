"""Benchmark the webhook app under uvicorn on loopback: signed callbacks at fixed request rates.

Run with ``.venv/bin/python bench/webhook.py`` (about a minute). A benchmark, not a test: it
prints throughput and latency per offered rate, goals with PASS/MISS and, when a goal misses,
where the time goes.

- Server: ``create_app(service)`` on a SQLite file, served by uvicorn (``serve_app``, a loopback
  socket from ``loopback.bind``) in a **separate process**, so the load generator does not share
  the server's interpreter. Orders are placed in the store before the server starts (not timed).
  The app saves the callbacks in flight together (group commit, default batching);
  ``WEBHOOK_BENCH_BATCHING=off`` runs it one callback per transaction instead (information).
- Load: an open-loop generator (plain asyncio streams, at most ``MAX_CONNECTIONS`` kept-alive
  connections, requests encoded before the clock: httpx cost the generator more CPU per
  request than the server spent, and on a shared 2-core machine the generator itself fell
  behind): request ``i`` of a run is due at ``start + i / rate`` whatever happened to the
  earlier ones (it waits for a free connection if all are busy), and its latency
  is measured **from that scheduled time** to the end of its answer, so a server that falls
  behind shows it in the latency instead of slowing the generator down. Each run lasts
  ``SECONDS`` at 200, 500 and 1,000 requests/s, on its own orders.
- Callbacks: the provider histories of ``histories.history`` for every outcome, signed, in
  interleaved rounds (as ``bench/ingest.py``): many orders in flight, each order's callbacks in
  the provider's order.
- Afterwards: every callback answered 2xx must be in the store (its inbox item, by the id in
  the answer, with its outcome recorded); the script counts them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from queue import Empty
from typing import Any
from uuid import UUID

import httpx
from ingest import SHOP, Workload, build_workload, open_service  # bench/ingest.py
from timing import verdict  # bench/timing.py

from orderstate.adapters.loopback import bind, serve_app
from orderstate.adapters.service import Batching, GroupCommit, OrderService
from orderstate.adapters.service.inbox import InboxItem
from orderstate.adapters.web import create_app
from orderstate.engine import Order

RATES = (200, 500, 1000)
SECONDS = float(os.environ.get("WEBHOOK_BENCH_SECONDS", "10"))  # per rate; 3 rates
GRACE = 5.0  # seconds after a run's last scheduled send; what is unanswered then is cut off
DRAIN = 5.0  # seconds at most between runs for the server to finish what was cut off
CALLBACKS_PER_ORDER = 952 / 300  # what build_workload's histories average
TIMEOUT = 10.0  # seconds, one request
# Requests in flight at most, one per kept-alive connection (the rest wait their turn in the
# generator, still timed from their scheduled send): a provider opens a bounded number too.
MAX_CONNECTIONS = 128
PLACE_BATCH = 500
GOAL_P99_RATE = 500
GOAL_P99_MS = 20.0
GOAL_SUSTAINED = 1000
# Information: WEBHOOK_BENCH_BATCHING=off serves callbacks one per transaction (no group
# commit); with it, WEBHOOK_BENCH_SERIALISED=1 runs handle_callback one at a time in the server
# (a process lock), to tell SQLite's writer contention from the commit rate.
BATCHING = os.environ.get("WEBHOOK_BENCH_BATCHING", "on") != "off"
SERIALISED = os.environ.get("WEBHOOK_BENCH_SERIALISED") == "1"
SUSTAINED_SHARE = 0.97  # of the offered rate, answered 2xx, with no queue building up


@dataclass
class Run:
    """One offered rate: what came back, when."""

    rate: int
    sent: int
    seconds: float  # first scheduled send -> last answer
    latencies_ms: list[float]
    statuses: Counter[str]
    inbox_ids: list[str] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    lags_ms: list[float] = field(default_factory=list)

    @property
    def ok(self) -> int:
        return sum(n for s, n in self.statuses.items() if s.startswith("2"))

    @property
    def throughput(self) -> float:
        return self.ok / self.seconds

    def percentile(self, q: float, of: list[float] | None = None) -> float:
        ordered = sorted(self.latencies_ms if of is None else of)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


# -- the server (a child process) ---------------------------------------------------------------


def serve(store: str, ports: Any, stop: Any, stats: Any) -> None:
    """Serve the webhook app on ``store`` until ``stop``; report where the server's time went."""
    service = open_service(store)
    spent = Counter[str]()  # callbacks, and wall / own-thread CPU ns per step
    timed_steps(service, spent)
    front_doors: list[GroupCommit] = []
    opened = service.group_commit

    def group_commit(batching: Batching | None = None) -> GroupCommit:
        front_doors.append(opened(batching))
        return front_doors[-1]

    service.group_commit = group_commit  # type: ignore[method-assign]
    sock = bind()
    app = create_app(service) if BATCHING else create_app(service, batching=None)
    with serve_app(app, sock=sock, lifespan="on", name="webhook-bench"):
        ports.put(sock.getsockname()[1])
        cpu0 = os.times()
        stop.wait()
        cpu1 = os.times()
    service.close()
    cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    grouped = front_doors[0].stats if front_doors else None
    stats.put(
        {
            **spent,
            "cpu_s": cpu,
            "batches": grouped.batches if grouped else spent["callbacks"],
            "largest": grouped.largest if grouped else 1,
        }
    )


def timed_steps(service: OrderService, spent: Counter[str]) -> None:
    """Time the server's steps in place: deciding a callback (group commit), saving, and
    ``handle_callback`` (one per transaction), wall and own-thread CPU ns."""
    one_at_a_time = threading.Lock() if SERIALISED else contextlib.nullcontext()

    def timing(step: str, call: Any, lock: Any = None) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            with lock or contextlib.nullcontext():
                start, cpu = time.perf_counter_ns(), time.thread_time_ns()
                try:
                    return call(*args, **kwargs)
                finally:
                    spent[step] += 1
                    spent[f"{step}_ns"] += time.perf_counter_ns() - start
                    spent[f"{step}_cpu_ns"] += time.thread_time_ns() - cpu

        return timed

    service.callbacks.decide = timing("decide", service.callbacks.decide)  # type: ignore[method-assign]
    service.orders.save = timing("save", service.orders.save)  # type: ignore[method-assign]
    service.handle_callback = timing(  # type: ignore[method-assign]
        "handle", service.handle_callback, one_at_a_time
    )


# -- the load generator -------------------------------------------------------------------------


def request_bytes(host: str, shop: int, body: bytes, headers: Any) -> bytes:
    """One callback as an HTTP/1.1 request, encoded before the clock starts."""
    lines = [f"POST /callbacks/vertex/{shop} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body and whether the server closes the connection (uvicorn sends a length)."""
    head = await reader.readuntil(b"\r\n\r\n")
    length, closing = 0, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection":
            closing = value.strip().lower() == b"close"
    return int(head[9:12]), await reader.readexactly(length), closing


@dataclass
class Tally:
    """What one run's connections saw."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    inbox_ids: list[str] = field(default_factory=list)
    last_answer: float = 0.0
    done: int = 0


async def connection(
    host: str, port: int, queue: asyncio.Queue[tuple[float, bytes] | None], tally: Tally
) -> None:
    """One kept-alive connection: send the next due request, read its answer, again."""
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    while (item := await queue.get()) is not None:
        due, payload = item
        try:
            if writer is None or reader is None:
                reader, writer = await asyncio.open_connection(host, port)
            writer.write(payload)
            status, body, closing = await asyncio.wait_for(read_response(reader), TIMEOUT)
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as error:
            tally.errors[type(error).__name__] += 1
            tally.statuses["error"] += 1
            tally.done += 1
            if writer is not None:
                writer.close()
            reader = writer = None
            continue
        now = time.perf_counter()
        tally.last_answer = max(tally.last_answer, now)
        tally.latencies.append((now - due) * 1e3)
        tally.statuses[str(status)] += 1
        tally.done += 1
        if 200 <= status < 300:
            tally.inbox_ids.append(json.loads(body)["inbox_id"])
        if closing:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def offer(base_url: str, workload: Workload, rate: int) -> Run:
    """Send every delivery of ``workload`` at ``rate`` per second, open loop, on at most
    ``MAX_CONNECTIONS`` kept-alive connections (plain asyncio streams: the generator must cost
    far less than the server it measures)."""
    host, port = base_url.removeprefix("http://").rsplit(":", 1)
    address = f"{host}:{port}"
    payloads = [request_bytes(address, shop, b, h) for _, shop, b, h in workload.deliveries]
    queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
    tally, lags = Tally(), []  # lags: how late the generator itself queued each request (ms)
    workers = [
        asyncio.create_task(connection(host, int(port), queue, tally))
        for _ in range(MAX_CONNECTIONS)
    ]
    start = time.perf_counter() + 0.05
    cutoff = start + len(payloads) / rate + GRACE
    sent = 0
    for i, payload in enumerate(payloads):
        due = start + i / rate
        if (ahead := due - time.perf_counter()) > 0.001:
            await asyncio.sleep(ahead)
        now = time.perf_counter()
        if now > cutoff:  # the generator itself fell behind: stop sending
            break
        lags.append((now - due) * 1e3)
        queue.put_nowait((due, payload))
        sent += 1
    while tally.done < sent and time.perf_counter() < cutoff:
        await asyncio.sleep(0.01)
    for worker in workers:  # bounded: whatever is unanswered now is never counted
        worker.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    statuses = tally.statuses
    if sent < len(payloads):
        statuses["not sent (generator behind)"] += len(payloads) - sent
    if tally.done < sent:
        statuses["unanswered (cut off)"] += sent - tally.done
    seconds = max(tally.last_answer - start, 1e-9)
    async with httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT) as client:
        await drain(client)
    return Run(
        rate,
        len(payloads),
        seconds,
        tally.latencies,
        statuses,
        tally.inbox_ids,
        tally.errors,
        lags,
    )


async def drain(client: httpx.AsyncClient) -> None:
    """Wait (at most DRAIN seconds) until the server answers promptly again: what a cut-off
    run left in its thread pool must not be measured in the next run."""
    deadline = time.perf_counter() + DRAIN
    while time.perf_counter() < deadline:
        asked = time.perf_counter()
        with suppress(httpx.HTTPError):
            await client.get("/healthz", timeout=DRAIN)
        if time.perf_counter() - asked < 0.1:
            return


# -- setup and checks ---------------------------------------------------------------------------


def place_orders(store: str, workloads: list[Workload]) -> None:
    """Every order of every run, saved in batches before the server starts (not timed)."""
    service = open_service(store)
    try:
        batch: list[Order] = []
        for workload in workloads:
            for number, amount in workload.orders:
                batch.append(Order.place(shop_id=SHOP, order_number=number, amount=amount))
                if len(batch) >= PLACE_BATCH:
                    service.save(*batch)
                    batch = []
        if batch:
            service.save(*batch)
    finally:
        service.close()


def count_stored(service: OrderService, inbox_ids: list[str]) -> tuple[int, int]:
    """(stored, stored with their outcome recorded) among the 2xx'd callbacks' inbox items."""
    stored = finished = 0
    for raw in inbox_ids:
        item_id = UUID(raw)
        if not service.recorder.select_events(item_id, limit=1):
            continue
        stored += 1
        item = service.repository.get(item_id)
        if isinstance(item, InboxItem) and item.finished:
            finished += 1
    return stored, finished


@dataclass
class ServerStats:
    """Where the server's time went (``timed_steps``), and its batches."""

    counts: dict[str, int]
    cpu_s: float
    batches: int
    largest: int

    def per_call_us(self, step: str, part: str = "ns") -> float:
        return self.counts.get(f"{step}_{part}", 0) / max(self.counts.get(step, 0), 1) / 1e3


def run_all(directory: Path) -> tuple[list[Run], ServerStats, tuple[int, int], Counter[str]]:
    store = str(directory / "webhook.db")
    workloads = [
        build_workload(round(rate * SECONDS / CALLBACKS_PER_ORDER) + 1, f"w{rate}")
        for rate in RATES
    ]
    workloads = [trim(w, round(rate * SECONDS)) for w, rate in zip(workloads, RATES, strict=True)]
    progress(f"placing {sum(len(w.orders) for w in workloads)} orders")
    place_orders(store, workloads)
    progress("starting the server")
    context = mp.get_context("spawn")
    ports, stats, stop = context.Queue(), context.Queue(), context.Event()
    server = context.Process(target=serve, args=(store, ports, stop, stats))
    server.start()
    try:
        port = wait_for(ports, server)
        base_url = f"http://127.0.0.1:{port}"
        runs = []
        for workload, rate in zip(workloads, RATES, strict=True):
            progress(f"offering {len(workload.deliveries)} callbacks at {rate}/s")
            runs.append(asyncio.run(offer(base_url, workload, rate)))
    finally:
        stop.set()
        raw = wait_for(stats, server)
        server.join(timeout=30)
    progress("counting the 2xx'd callbacks in the store")
    service = open_service(store)
    try:
        ids = [i for run in runs for i in run.inbox_ids]
        counted = count_stored(service, ids)
        states = Counter(str(t.state) for t in service.orders_by_state() for _ in range(t.count))
    finally:
        service.close()
    cpu_s, batches, largest = raw.pop("cpu_s"), raw.pop("batches"), raw.pop("largest")
    return runs, ServerStats(raw, cpu_s, batches, largest), counted, states


def progress(what: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {what}", file=sys.stderr, flush=True)


def wait_for(queue: Any, server: Any) -> Any:
    """The server's next message; stop at once if it died instead (its traceback is above)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with suppress(Empty):
            return queue.get(timeout=0.5)
        if not server.is_alive():
            raise RuntimeError("the server process died")
    raise RuntimeError("the server process is silent")


def trim(workload: Workload, count: int) -> Workload:
    return Workload(workload.orders, workload.deliveries[:count], workload.outcomes)


# -- reporting ----------------------------------------------------------------------------------


def print_runs(runs: list[Run]) -> None:
    print(
        f"  {'offered/s':>9}  {'sent':>6}  {'2xx':>6}  {'other':>18}  {'answered/s':>10}  "
        f"{'p50 ms':>8}  {'p99 ms':>8}  {'max ms':>8}"
    )
    for run in runs:
        other = {s: n for s, n in run.statuses.items() if not s.startswith("2")}
        print(
            f"  {run.rate:>9}  {run.sent:>6}  {run.ok:>6}  {other or '-'!s:>18}  "
            f"{run.throughput:>10,.0f}  {run.percentile(0.5):>8.1f}  {run.percentile(0.99):>8.1f}"
            f"  {max(run.latencies_ms, default=0):>8.1f}"
        )
        print(
            f"     the generator itself sent late by p50 {run.percentile(0.5, run.lags_ms):.1f} ms,"
            f" p99 {run.percentile(0.99, run.lags_ms):.1f} ms (its own CPU share)"
        )
        if run.errors:
            print(f"     client errors: {dict(run.errors)}")


def sustained(run: Run) -> bool:
    return (
        run.ok == run.sent
        and run.throughput >= SUSTAINED_SHARE * run.rate
        and run.percentile(0.99) < 1000.0
    )


def where_the_time_goes(runs: list[Run], server: ServerStats) -> list[str]:
    sent = sum(run.sent for run in runs)
    cpu_us = server.cpu_s / max(sent, 1) * 1e6
    lines = [
        f"  server process CPU (user+sys, all threads): {cpu_us:,.0f} us per request -> at most "
        f"{1e6 / cpu_us:,.0f} requests/s on one core (the GIL keeps the app on about one)",
    ]
    decided = server.counts.get("decide", 0)
    if decided:
        saves = max(server.counts.get("save", 0), 1)
        lines += [
            f"  group commit: {decided} callbacks in {server.batches} transactions (mean batch "
            f"{decided / max(server.batches, 1):.1f}, largest {server.largest}); the writer "
            "thread decides and saves them one batch at a time",
            f"  deciding one callback (verify, read, load its order, translate, inbox item): "
            f"{server.per_call_us('decide'):,.0f} us wall, "
            f"{server.per_call_us('decide', 'cpu_ns'):,.0f} us CPU in the writer thread",
            f"  saving one batch (encode, insert, commit): {server.per_call_us('save'):,.0f} us "
            f"wall ({server.counts.get('save_ns', 0) / saves / 1e3 / max(decided / saves, 1):,.0f}"
            " us per callback)",
            "  the writer's wall time above its CPU time is the GIL (the event loop's HTTP work "
            "runs in the same interpreter) and, when saving, the commit's fsync",
        ]
    handled = server.counts.get("handle", 0)
    if handled:
        handle_us = server.per_call_us("handle")
        thread_us = server.per_call_us("handle", "cpu_ns")
        lines += [
            f"  one per transaction: handle_callback took {handle_us:,.0f} us each on average "
            f"(wall time in its worker thread), of which {thread_us:,.0f} us on the CPU in that "
            f"thread and {handle_us - thread_us:,.0f} us waiting: for SQLite's write lock "
            "(concurrent writers back off in SQLite's busy handler), the commit's fsync, and the"
            " GIL",
            f"  handle_callback one at a time at that cost: at most {1e6 / handle_us:,.0f}/s"
            + (" (callbacks serialised by a lock in this run)" if SERIALISED else ""),
        ]
    return lines


def main() -> None:
    t0 = time.perf_counter()
    print("orderstate webhook benchmark: the webhook app under uvicorn on loopback, SQLite")
    print(
        f"python {platform.python_version()} on {platform.machine()}, os.cpu_count()="
        f"{os.cpu_count()}, sqlite {sqlite3.sqlite_version}, uvicorn {version('uvicorn')}, "
        f"starlette {version('starlette')}, httpx {version('httpx')}; {SECONDS:.0f} s per rate, "
        "open loop, latency from each request's scheduled send time"
        + ("; group commit" if BATCHING else "; one callback per transaction (no group commit)")
        + ("; handle_callback SERIALISED by a lock (information run)" if SERIALISED else "")
    )
    directory = Path(tempfile.mkdtemp(prefix="orderstate-webhook-"))
    try:
        runs, server, (stored, finished), states = run_all(directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    print()
    print_runs(runs)
    ok = sum(run.ok for run in runs)
    print(
        f"\n  2xx'd callbacks in the store afterwards: {stored} of {ok} (outcome recorded: "
        f"{finished})"
    )
    print(f"  final order states: {dict(sorted(states.items()))}")

    by_rate = {run.rate: run for run in runs}
    p99 = by_rate[GOAL_P99_RATE].percentile(0.99)
    top = by_rate[GOAL_SUSTAINED]
    goals = [
        (
            f"p99 < {GOAL_P99_MS:.0f} ms at {GOAL_P99_RATE} requests/s",
            f"{p99:.1f} ms",
            p99 < GOAL_P99_MS,
        ),
        (
            f"sustained >= {GOAL_SUSTAINED:,} callbacks/s",
            f"{top.throughput:,.0f}/s",
            sustained(top),
        ),
        ("every 2xx'd callback in the store", f"{stored}/{ok}", stored == ok == finished),
    ]
    print("\ngoals")
    gw = max(len(g[0]) for g in goals)
    mw = max(len(g[1]) for g in goals)
    for goal, measured, passed in goals:
        print(f"  {goal:<{gw}}  {measured:>{mw}}  {verdict(passed)}")
    print(
        f"  (sustained: every request 2xx, answered/s >= {SUSTAINED_SHARE:.0%} of the offered "
        "rate, p99 under 1 s, i.e. no queue building up)"
    )
    if not all(passed for _, _, passed in goals):
        print("\nwhere the time goes")
        for line in where_the_time_goes(runs, server):
            print(line)
    print(f"\nwall time {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
