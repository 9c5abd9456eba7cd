"""Benchmark the order service on real stores against baselines measured in the same process.

Run with ``.venv/bin/python bench/ingest.py``. This is a benchmark, not a test: it asserts nothing
about timings, it prints figures, goals with PASS/MISS and, for a goal that misses, a cProfile of
where the time goes. Method as in ``bench/engine.py``: contenders' repeats are interleaved
(A B A B ...), ``gc.collect()`` before each, each figure is the BEST (minimum) of its repeats,
timed with ``time.perf_counter_ns`` around a whole batch; medians are in the raw figures.

Three comparisons (see docs/benchmarks.md, "Stores: ingest, replay, scale-out"):

1. Ingest: signed callbacks/s through ``OrderService.handle_callback`` on a SQLite file (orders
   placed first, not timed; callbacks are the provider histories of ``histories.history`` for
   every outcome, serialised with ``order_to_json`` and signed with ``sign``) vs a raw
   ``sqlite3`` loop committing one row per callback (``BEGIN; INSERT body; COMMIT``) in the same
   directory with the same journal mode and ``synchronous`` as eventsourcing's connection.
   And through group commit (``OrderService.group_commit``, default batching) with 16 and 64
   callbacks in flight: one thread submits, and waits for the oldest answer whenever that many
   are unanswered (as that many provider connections would).
2. Replay: events/s of ``OrderService.replay_verify()`` from a SQLite file vs
   ``repository.get(id)`` with eventsourcing's default projector over the same orders.
3. PostgreSQL scale-out: the same callbacks applied by 1 process vs 4 (``spawn``), each with its
   own ``OrderService`` on one fresh database; split by order (no two processes touch one
   order) and, for information, round-robin (they contend for orders); and 4 processes split
   by order, each through group commit with 16 callbacks in flight (the goal: against 1
   process without it).
"""

from __future__ import annotations

import cProfile
import gc
import json
import multiprocessing as mp
import os
import platform
import pstats
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from queue import Empty
from typing import Any
from urllib.parse import urlparse

import psycopg
from eventsourcing.persistence import IntegrityError
from psycopg import sql
from timing import Timer, measure, rate, raw_lines, verdict  # bench/timing.py

from orderstate.adapters.bootstrap import build_service, providers_for
from orderstate.adapters.service import CallbackResult, GroupCommit, OrderService, Shop
from orderstate.adapters.service.batchload import BatchLoader
from orderstate.adapters.service.callbacks import Decision, ReadCallback
from orderstate.adapters.service.groupcommit import aggregates_of
from orderstate.adapters.service.inbox import InboxItem
from orderstate.adapters.vertex.callbacks import read_callback
from orderstate.adapters.vertex.errors import SnapshotRejected
from orderstate.adapters.vertex.models import OrderSnapshot
from orderstate.adapters.vertex.payloads import order_to_json
from orderstate.adapters.vertex.signatures import SIGNATURE_HEADER, sign
from orderstate.adapters.vertex.translate import apply_snapshot
from orderstate.engine import Money, Order, project_order
from orderstate.testing.vertex_histories import OUTCOMES, HistorySpec, history

REPEATS = 5
INGEST_ORDERS = 300  # ~950 callbacks per repeat
REPLAY_ORDERS = 8000  # ~40,000 events
REPLAY_BATCH = 500  # aggregates per transaction while building the replay store (not timed)
PG_ORDERS = 240  # ~760 callbacks per run
PG_REPEATS = 2
PG_PROCESSES = 4
PG_SERVER = os.environ.get(
    "ORDERSTATE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
PG_TIMEOUT = 5  # seconds: connecting to the server
WORKER_TIMEOUT = 300  # seconds: a worker getting ready, or finishing its share
PROFILE_CALLBACKS = 400  # callbacks profiled when a goal misses
SECTIONS = os.environ.get("INGEST_BENCH_SECTIONS", "1,2,3").split(",")  # e.g. "1,3"

GOAL_INGEST_RATIO = 0.60
GOAL_GROUP_RATIO = 1.5  # group commit vs the raw one-commit-per-row rate
IN_FLIGHT = (16, 64)  # callbacks in flight through group commit
PG_IN_FLIGHT = 16  # per process, group commit on PostgreSQL
GOAL_REPLAY_PER_S = 200_000
GOAL_SCALE_RATIO = 2.0

SHOP = 115
SECRET = "bench-callback-secret"
CURRENCY = "EUR"
ROOT = Path(__file__).resolve().parent.parent
OURS = (str(ROOT / "engine"), str(ROOT / "adapters"))

Delivery = tuple[int, int, bytes, tuple[tuple[str, str], ...]]  # order index, shop, body, headers

SYNCHRONOUS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}

INGEST = "OrderService.handle_callback (SQLite)"
GROUP = "group commit, {} in flight (SQLite)"
RAW_COMMIT = "raw sqlite3 BEGIN; INSERT body; COMMIT"
VERIFY = "OrderService.replay_verify (project_order + checks)"
DEFAULT_GET = "repository.get(id), default project_aggregate"
OWN_GET = "repository.get(id, projector_func=project_order) (info)"
DECODE = "events.get(id): select + decode, no fold (info)"
SELECT = "recorder.select_events(id): select only (info)"
READ = "read_callback: size check, HMAC-SHA512 verify, JSON + parse_order"
TRANSLATE = "apply_snapshot: plan (BFS over shallow copies) + events"
NOW = datetime(2025, 1, 1, tzinfo=UTC)


# -- workload ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    """Orders to place first, then every callback the provider would send for them."""

    orders: list[tuple[str, Money]]
    deliveries: list[Delivery]
    outcomes: Counter[str]


def build_workload(count: int, prefix: str) -> Workload:
    """Histories of every outcome, cycled over the orders, delivered in interleaved rounds.

    Round r carries the r-th snapshot of every order that has one, so many orders are in flight
    at once (as at a real shop) while each order's own callbacks arrive in the provider's order.
    """
    names = sorted(OUTCOMES)
    orders: list[tuple[str, Money]] = []
    bodies: list[list[bytes]] = []
    for n in range(count):
        number, amount = f"{prefix}-{n}", Money(1_000 + (n * 7919) % 90_000, CURRENCY)
        orders.append((number, amount))
        snaps = history(names[n % len(names)], HistorySpec(SHOP, number, amount))
        bodies.append([json.dumps(order_to_json(s)).encode() for s in snaps])
    deliveries: list[Delivery] = []
    for r in range(max(len(b) for b in bodies)):
        for n, order_bodies in enumerate(bodies):
            if r < len(order_bodies):
                body = order_bodies[r]
                headers = (
                    ("content-type", "application/json"),
                    (SIGNATURE_HEADER, sign(body, SECRET)),
                )
                deliveries.append((n, SHOP, body, headers))
    outcomes = Counter(names[n % len(names)] for n in range(count))
    return Workload(orders, deliveries, outcomes)


def open_service(store: str) -> OrderService:
    return build_service(store=store, shops={SHOP: Shop((SECRET,))})


def place_all(service: OrderService, workload: Workload) -> None:
    for number, amount in workload.orders:
        service.place(shop_id=SHOP, order_number=number, amount=amount)


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


# -- measuring ---------------------------------------------------------------------------------


# -- 1. ingest ---------------------------------------------------------------------------------


@dataclass
class TxCount:
    """Transactions the recorder opened: write (BEGIN..COMMIT) and read-only (BEGIN..ROLLBACK)."""

    writes: int = 0
    reads: int = 0


@contextmanager
def counting_transactions(service: OrderService) -> Iterator[TxCount]:
    """Count the recorder's transactions while the block runs (untimed runs only)."""
    recorder: Any = service.recorder  # its datastore is not on the recorder protocol
    datastore = recorder.datastore
    original = datastore.transaction
    counts = TxCount()

    def transaction(*, commit: bool) -> Any:
        if commit:
            counts.writes += 1
        else:
            counts.reads += 1
        return original(commit=commit)

    datastore.transaction = transaction
    try:
        yield counts
    finally:
        del datastore.transaction


def sqlite_pragmas(service: OrderService) -> tuple[str, int]:
    """journal_mode and synchronous as eventsourcing's own connection has them."""
    recorder: Any = service.recorder
    datastore = recorder.datastore
    with datastore.transaction(commit=False) as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal = str(cursor.fetchone()[0])
        cursor.execute("PRAGMA synchronous")
        return journal, int(cursor.fetchone()[0])


@dataclass
class IngestFacts:
    """What one untimed pass found: transactions per callback, outcomes, the recorder's pragmas."""

    tx: TxCount = field(default_factory=TxCount)
    outcomes: Counter[str] = field(default_factory=Counter)
    journal: str = ""
    synchronous: int = -1
    raw_journal: str = ""
    raw_synchronous: int = -1


def ingest_facts(directory: Path, workload: Workload) -> IngestFacts:
    path = directory / "facts.db"
    service = open_service(str(path))
    facts = IngestFacts()
    try:
        place_all(service, workload)
        facts.journal, facts.synchronous = sqlite_pragmas(service)
        with counting_transactions(service) as tx:
            for _, shop, body, headers in workload.deliveries:
                facts.outcomes[str(service.handle_callback(shop, body, headers).outcome)] += 1
        facts.tx = tx
    finally:
        service.close()
        remove_sqlite(path)
    return facts


def ingest_timer(directory: Path, workload: Workload) -> Timer:
    run = [0]

    def timer() -> int:
        run[0] += 1
        path = directory / f"ingest-{run[0]}.db"
        service = open_service(str(path))
        try:
            place_all(service, workload)  # not timed
            handle = service.handle_callback
            gc.collect()
            start = time.perf_counter_ns()
            for _, shop, body, headers in workload.deliveries:
                handle(shop, body, headers)
            return time.perf_counter_ns() - start
        finally:
            service.close()
            remove_sqlite(path)

    return timer


def drive(front_door: GroupCommit, deliveries: list[Delivery], in_flight: int) -> list[Any]:
    """Submit every delivery, waiting for the oldest answer whenever ``in_flight`` are
    unanswered; the results in delivery order."""
    waiting: deque[Future[CallbackResult]] = deque()
    results: list[Any] = []
    for _, shop, body, headers in deliveries:
        waiting.append(front_door.submit(shop, body, headers))
        if len(waiting) >= in_flight:
            results.append(waiting.popleft().result())
    results.extend(future.result() for future in waiting)
    return results


@dataclass
class GroupFacts:
    """What group commit did in one untimed pass."""

    tx: TxCount = field(default_factory=TxCount)
    outcomes: Counter[str] = field(default_factory=Counter)
    mean_batch: float = 0.0
    largest: int = 0
    reused: int = 0


def group_facts(directory: Path, workload: Workload, in_flight: int) -> GroupFacts:
    path = directory / f"group-facts-{in_flight}.db"
    service = open_service(str(path))
    facts = GroupFacts()
    try:
        place_all(service, workload)
        with counting_transactions(service) as tx, service.group_commit() as front_door:
            for result in drive(front_door, workload.deliveries, in_flight):
                facts.outcomes[str(result.outcome)] += 1
        facts.tx = tx
        stats = front_door.stats
        facts.mean_batch, facts.largest, facts.reused = (
            stats.mean_batch,
            stats.largest,
            stats.reused,
        )
    finally:
        service.close()
        remove_sqlite(path)
    return facts


def group_timer(directory: Path, workload: Workload, in_flight: int) -> Timer:
    run = [0]

    def timer() -> int:
        run[0] += 1
        path = directory / f"group-{in_flight}-{run[0]}.db"
        service = open_service(str(path))
        try:
            place_all(service, workload)  # not timed
            front_door = service.group_commit()
            gc.collect()
            start = time.perf_counter_ns()
            drive(front_door, workload.deliveries, in_flight)
            elapsed = time.perf_counter_ns() - start
            front_door.close()
            return elapsed
        finally:
            service.close()
            remove_sqlite(path)

    return timer


def group_phases(directory: Path, workload: Workload, batch: int) -> dict[str, float]:
    """Where a batch's time goes, per callback (us), unprofiled: the batches of ``batch``
    callbacks decided and saved in this thread, as the writer thread does."""
    path = directory / "group-phases.db"
    service = open_service(str(path))
    spent = Counter[str]()
    try:
        place_all(service, workload)
        arrivals = [service.callbacks.arrive(s, b, h) for _, s, b, h in workload.deliveries]
        gc.collect()
        loader = BatchLoader(service.orders)
        for i in range(0, len(arrivals), batch):
            started = time.perf_counter_ns()
            reads = [service.callbacks.read(a) for a in arrivals[i : i + batch]]
            wanted = list(dict.fromkeys(r.order_id for r in reads if isinstance(r, ReadCallback)))
            loading = time.perf_counter_ns()
            with loader.read() as read:  # as GroupCommit._decide: the head and the orders
                read.load(wanted)
            loaded = read.loaded
            spent["load"] += time.perf_counter_ns() - loading
            decisions = [
                r
                if isinstance(r, Decision)
                else service.callbacks.apply_read(r, loaded[r.order_id])
                for r in reads
            ]
            decided = time.perf_counter_ns()
            service.orders.save(*aggregates_of(decisions))
            spent["decide"] += decided - started
            spent["save"] += time.perf_counter_ns() - decided
    finally:
        service.close()
        remove_sqlite(path)
    return {name: ns / len(arrivals) / 1e3 for name, ns in spent.items()}


def open_raw(path: Path, synchronous: int) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, timeout=10)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={int(synchronous)}")
    connection.execute(
        "CREATE TABLE inbox (id INTEGER PRIMARY KEY, shop_id INTEGER, body BLOB, signature TEXT)"
    )
    return connection


def raw_pragmas(directory: Path, synchronous: int) -> tuple[str, int]:
    path = directory / "raw-pragmas.db"
    connection = open_raw(path, synchronous)
    journal = str(connection.execute("PRAGMA journal_mode").fetchone()[0])
    value = int(connection.execute("PRAGMA synchronous").fetchone()[0])
    connection.close()
    remove_sqlite(path)
    return journal, value


def raw_timer(directory: Path, workload: Workload, synchronous: int) -> Timer:
    run = [0]
    insert = "INSERT INTO inbox (shop_id, body, signature) VALUES (?, ?, ?)"

    def timer() -> int:
        run[0] += 1
        path = directory / f"raw-{run[0]}.db"
        connection = open_raw(path, synchronous)
        execute = connection.execute
        try:
            gc.collect()
            start = time.perf_counter_ns()
            for _, shop, body, headers in workload.deliveries:
                execute("BEGIN")
                execute(insert, (shop, body, headers[1][1]))
                execute("COMMIT")
            return time.perf_counter_ns() - start
        finally:
            connection.close()
            remove_sqlite(path)

    return timer


def breakdown_timers(workload: Workload) -> dict[str, Timer]:
    """Two pieces of ``handle_callback`` timed alone, in memory, over the same callbacks."""
    deliveries = workload.deliveries
    secrets = (SECRET,)

    def read() -> int:
        start = time.perf_counter_ns()
        for _, shop, body, headers in deliveries:
            read_callback(body, dict(headers), secrets=secrets, shop_id=shop, received_at=NOW)
        return time.perf_counter_ns() - start

    snapshots = [
        read_callback(body, dict(headers), secrets=secrets, shop_id=shop, received_at=NOW).snapshot
        for _, shop, body, headers in deliveries
    ]

    def translate() -> int:
        orders = [Order.place(shop_id=SHOP, order_number=o, amount=a) for o, a in workload.orders]
        for order in orders:
            order.collect_events()
        start = time.perf_counter_ns()
        for delivery, snapshot in zip(deliveries, snapshots, strict=True):
            order = orders[delivery[0]]
            with suppress(SnapshotRejected):
                apply_snapshot(order, snapshot)
            order.collect_events()
        return time.perf_counter_ns() - start

    return {READ: read, TRANSLATE: translate}


# -- 2. replay ---------------------------------------------------------------------------------


def build_replay_store(path: Path, count: int) -> tuple[OrderService, list[Any], int]:
    """A SQLite store holding ``count`` orders, each driven through its provider history.

    The order events are the ones ``handle_callback`` would record (``apply_snapshot`` on the
    order); they are saved ``REPLAY_BATCH`` orders per transaction to build the store quickly.
    """
    service = open_service(str(path))
    names = sorted(OUTCOMES)
    batch: list[Order | InboxItem] = []
    for n in range(count):
        number, amount = f"replay-{n}", Money(1_000 + (n * 7919) % 90_000, CURRENCY)
        order = Order.place(shop_id=SHOP, order_number=number, amount=amount)
        for snapshot in history(names[n % len(names)], HistorySpec(SHOP, number, amount)):
            batch.append(inbox_item(order, snapshot))
        batch.append(order)
        if len(batch) >= REPLAY_BATCH:
            service.save(*batch)
            batch = []
    if batch:
        service.save(*batch)
    report = service.replay_verify()
    service.projection.catch_up()  # the order ids, for the per-order contenders
    return service, list(service.projection.orders), report.events


def inbox_item(order: Order, snapshot: OrderSnapshot) -> InboxItem:
    """Apply ``snapshot`` to ``order``; the inbox item ``handle_callback`` would record for it."""
    body = json.dumps(order_to_json(snapshot)).encode()
    headers = [("content-type", "application/json"), (SIGNATURE_HEADER, sign(body, SECRET))]
    item = InboxItem.receive(shop_id=SHOP, body=body, headers=headers, received_at=NOW)
    try:
        translation = apply_snapshot(order, snapshot)
    except SnapshotRejected as error:
        item.rejected("conflict", error.reason)
        return item
    item.applied(translation.outcome.value, order.id, list(translation.events))
    return item


def check_projectors_agree(service: OrderService, ids: list[Any]) -> None:
    for oid in ids:
        a = service.repository.get(oid)
        b = service.repository.get(oid, projector_func=project_order)
        if (a.state, a.version) != (b.state, b.version):
            raise RuntimeError(f"the projectors disagree on {oid}")


def replay_timers(service: OrderService, ids: list[Any]) -> dict[str, Timer]:
    def verify() -> int:
        start = time.perf_counter_ns()
        report = service.replay_verify()
        elapsed = time.perf_counter_ns() - start
        if report.failures:
            raise RuntimeError(f"replay_verify failed: {report.failures[:3]}")
        return elapsed

    def loop(body: Callable[[Any], object]) -> Timer:
        def timer() -> int:
            start = time.perf_counter_ns()
            for oid in ids:
                body(oid)
            return time.perf_counter_ns() - start

        return timer

    get, events, recorder = service.repository.get, service.events, service.recorder
    return {
        VERIFY: verify,
        DEFAULT_GET: loop(get),
        OWN_GET: loop(lambda oid: get(oid, projector_func=project_order)),
        DECODE: loop(lambda oid: list(events.get(oid))),
        SELECT: loop(recorder.select_events),
    }


# -- 3. PostgreSQL, 1 vs 4 processes ------------------------------------------------------------


def pg_connect(url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(url, autocommit=True, connect_timeout=PG_TIMEOUT)


def pg_unavailable() -> str | None:
    try:
        with pg_connect(PG_SERVER) as connection:
            connection.execute("SELECT 1")
    except psycopg.OperationalError as error:
        return f"PostgreSQL at {urlparse(PG_SERVER).netloc} unreachable: {error}".strip()
    return None


def pg_settings() -> str:
    names = ("server_version", "fsync", "synchronous_commit", "wal_sync_method")
    with pg_connect(PG_SERVER) as connection:
        values = [
            connection.execute(sql.SQL("SHOW {}").format(sql.Identifier(n))).fetchone()
            for n in names
        ]
    return ", ".join(f"{n}={v[0] if v else '?'}" for n, v in zip(names, values, strict=True))


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new empty database on the server for one run, dropped (WITH FORCE) afterwards."""
    name = f"orderstate_bench_{uuid.uuid4().hex[:12]}"
    with pg_connect(PG_SERVER) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlparse(PG_SERVER)._replace(path=f"/{name}", query="").geturl()
    finally:
        with pg_connect(PG_SERVER) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


class CountingService(OrderService):
    """The order service, counting the saves it lost to another process (``IntegrityError``)."""

    name = OrderService.name  # eventsourcing names tables after the class unless told

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("providers", providers_for())  # what build_service registers
        super().__init__(**kwargs)
        self.conflicts = 0

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        try:
            return super().save(*objs, **kwargs)
        except IntegrityError:
            self.conflicts += 1
            raise


def pg_worker(
    store: str, deliveries: list[Delivery], in_flight: int, ready: Any, go: Any, results: Any
) -> None:
    """One scale-out process: connect, say ready, wait for the start, handle its callbacks
    (one at a time, or through group commit with ``in_flight`` unanswered at most)."""
    service = CountingService(store=store, shops={SHOP: Shop((SECRET,))})
    service.recorder.max_notification_id()  # open the pool's connection before the clock
    ready.put(os.getpid())
    if not go.wait(timeout=WORKER_TIMEOUT):
        raise RuntimeError("no start signal")
    outcomes: Counter[str] = Counter()
    if in_flight:
        with service.group_commit() as front_door:
            outcomes.update(str(r.outcome) for r in drive(front_door, deliveries, in_flight))
    else:
        for _, shop, body, headers in deliveries:
            outcomes[str(service.handle_callback(shop, body, headers).outcome)] += 1
    results.put((time.perf_counter(), dict(outcomes), service.conflicts))
    service.close()


def split(deliveries: list[Delivery], processes: int, how: str) -> list[list[Delivery]]:
    """By order (each order's callbacks in one process) or round-robin (orders contended)."""
    shares: list[list[Delivery]] = [[] for _ in range(processes)]
    for i, delivery in enumerate(deliveries):
        shares[(delivery[0] if how == "order" else i) % processes].append(delivery)
    return shares


@dataclass(frozen=True)
class PgRun:
    seconds: float
    outcomes: Counter[str]
    conflicts: int
    states: dict[str, int]


def run_processes(
    store: str, shares: list[list[Delivery]], in_flight: int
) -> tuple[float, list[Any]]:
    context = mp.get_context("spawn")
    ready, results, go = context.Queue(), context.Queue(), context.Event()
    workers = [
        context.Process(target=pg_worker, args=(store, share, in_flight, ready, go, results))
        for share in shares
    ]
    for worker in workers:
        worker.start()
    try:
        collect(ready, workers)
        start = time.perf_counter()
        go.set()
        reports = collect(results, workers)
    finally:
        for worker in workers:
            worker.join(timeout=WORKER_TIMEOUT)
    return max(end for end, _, _ in reports) - start, reports


def collect(queue: Any, workers: list[Any]) -> list[Any]:
    """One message per worker; stop at once if a worker died instead of waiting for it."""
    received: list[Any] = []
    deadline = time.monotonic() + WORKER_TIMEOUT
    while len(received) < len(workers):
        try:
            received.append(queue.get(timeout=0.5))
        except Empty:
            if any(w.exitcode not in (None, 0) for w in workers):
                raise RuntimeError("a worker process failed (its traceback is above)") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"workers silent for {WORKER_TIMEOUT} s") from None
    return received


def pg_run(workload: Workload, processes: int, how: str, in_flight: int) -> PgRun:
    with fresh_database() as store:
        service = open_service(store)
        try:
            place_all(service, workload)  # not timed
        finally:
            service.close()
        seconds, reports = run_processes(
            store, split(workload.deliveries, processes, how), in_flight
        )
        service = open_service(store)
        try:
            states = {str(t.state): t.count for t in service.orders_by_state()}
        finally:
            service.close()
    outcomes: Counter[str] = Counter()
    for _, counts, _ in reports:
        outcomes.update(counts)
    return PgRun(seconds, outcomes, sum(r[2] for r in reports), states)


def reference_states(workload: Workload) -> dict[str, int]:
    """Final orders by state when one in-memory service applies every callback in order."""
    service = open_service("memory")
    place_all(service, workload)
    for _, shop, body, headers in workload.deliveries:
        service.handle_callback(shop, body, headers)
    return {str(t.state): t.count for t in service.orders_by_state()}


def check_runs(runs: dict[str, list[PgRun]], reference: dict[str, int]) -> None:
    """Split-by-order runs must end exactly as one in-order service does, or nothing counts."""
    for label, _, how, _ in PG_CONFIGS:
        for run in runs[label]:
            if how == "order" and run.states != reference:
                raise RuntimeError(f"{label}: final states {run.states}, expected {reference}")


PG_CONFIGS = (
    ("1 process", 1, "order", 0),
    (f"{PG_PROCESSES} processes, split by order (info)", PG_PROCESSES, "order", 0),
    (f"{PG_PROCESSES} processes, round-robin (info)", PG_PROCESSES, "round-robin", 0),
    (
        f"{PG_PROCESSES} processes, split by order, group commit ({PG_IN_FLIGHT} in flight each)",
        PG_PROCESSES,
        "order",
        PG_IN_FLIGHT,
    ),
)


def pg_measure(workload: Workload) -> dict[str, list[PgRun]]:
    runs: dict[str, list[PgRun]] = {label: [] for label, _, _, _ in PG_CONFIGS}
    for _ in range(PG_REPEATS):
        for label, processes, how, in_flight in PG_CONFIGS:
            runs[label].append(pg_run(workload, processes, how, in_flight))
    return runs


# -- profiling ---------------------------------------------------------------------------------


def profile_lines(title: str, call: Callable[[], object], top: int = 14) -> list[str]:
    """cProfile one call: our functions by cumulative time, then everything by own time."""
    profiler = cProfile.Profile()
    profiler.runcall(call)
    stats: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(tt for _, _, tt, _, _ in stats.values())
    rows = [(key, nc, tt, ct) for key, (_, nc, tt, ct, _) in stats.items()]
    lines = [f"  {title}: {total:.2f} s profiled (cProfile inflates Python-heavy code)"]
    lines.append("    our code (engine/, adapters/) by cumulative time:")
    ours = [r for r in rows if r[0][0].startswith(OURS)]
    for key, nc, _, ct in sorted(ours, key=lambda r: -r[3])[:top]:
        lines.append(f"      {ct / total:6.1%} {ct:7.3f} s {nc:>7} calls  {_where(key)}")
    lines.append("    everything by own (tot) time:")
    for key, nc, tt, _ in sorted(rows, key=lambda r: -r[2])[:top]:
        lines.append(f"      {tt / total:6.1%} {tt:7.3f} s {nc:>7} calls  {_where(key)}")
    return lines


def _where(key: tuple[str, int, str]) -> str:
    filename, line, function = key
    if filename.startswith(str(ROOT)):
        filename = os.path.relpath(filename, ROOT)
    elif "site-packages" in filename:
        filename = filename.split("site-packages/", 1)[1]
    return f"{function} ({filename}:{line})"


def profile_store(store: str, workload: Workload, title: str) -> list[str]:
    """cProfile of the first callbacks of the workload through a service on ``store``."""
    service = open_service(store)
    try:
        place_all(service, workload)
        deliveries = workload.deliveries[:PROFILE_CALLBACKS]

        def run() -> None:
            for _, shop, body, headers in deliveries:
                service.handle_callback(shop, body, headers)

        return profile_lines(f"{title}, {len(deliveries)} callbacks", run)
    finally:
        service.close()


def profile_ingest(directory: Path, workload: Workload) -> list[str]:
    path = directory / "profile.db"
    try:
        return profile_store(str(path), workload, "ingest on SQLite")
    finally:
        remove_sqlite(path)


def profile_pg(workload: Workload) -> list[str]:
    with fresh_database() as store:
        return profile_store(store, workload, "PostgreSQL, 1 process")


# -- reporting ---------------------------------------------------------------------------------


def table(rows: list[tuple[str, str, str]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for a, b, c in rows:
        print(f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:>{widths[2]}}")


def describe_sync(value: int) -> str:
    return f"{value} ({SYNCHRONOUS.get(value, '?')})"


@dataclass
class Results:
    """Goals as measured, profiles of the ones that missed, raw figures."""

    goals: list[tuple[str, str, bool]] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)


def print_ingest_facts(directory: Path, facts: IngestFacts, n: int) -> None:
    writes, reads = facts.tx.writes / n, facts.tx.reads / n
    print(f"   files in {directory} (one file system for both sides)")
    print(
        f"   eventsourcing's SQLite connection: journal_mode={facts.journal}, synchronous="
        f"{describe_sync(facts.synchronous)} (eventsourcing sets WAL; synchronous is left at "
        "SQLite's default)"
    )
    print(
        f"   raw baseline connection:           journal_mode={facts.raw_journal}, synchronous="
        f"{describe_sync(facts.raw_synchronous)}"
    )
    print(
        f"   per callback the service opens {writes:.2f} write transactions (the received "
        f"callback, its outcome and the order's events in one commit) and {reads:.2f} read-only "
        "ones (loading the order); the raw loop 1 write"
    )
    print(f"   callback outcomes: {dict(sorted(facts.outcomes.items()))}")


def breakdown_rows(
    workload: Workload, samples: dict[str, list[int]], commits: float
) -> list[tuple[str, str, str]]:
    """Where one callback's time goes, two pieces timed alone, the rest by subtraction."""
    n = len(workload.deliveries)
    parts = measure(breakdown_timers(workload), repeats=3)
    us = {name: min(ns) / n / 1e3 for name, ns in (samples | parts).items()}
    committing = commits * us[RAW_COMMIT]
    rest = us[INGEST] - committing - us[READ] - us[TRANSLATE]
    return [
        ("", "", ""),
        ("", "where one callback's time goes (timed alone, no profiler)", "us/callback"),
        ("", "OrderService.handle_callback, total", f"{us[INGEST]:.0f}"),
        ("", f"{commits:.2f} commits at the raw loop's cost per commit", f"{committing:.0f}"),
        ("", READ, f"{us[READ]:.0f}"),
        ("", TRANSLATE, f"{us[TRANSLATE]:.0f}"),
        (
            "",
            "the rest: load order (read txn, decode, fold), inbox item, encode, save",
            f"{rest:.0f}",
        ),
    ]


def section_ingest(directory: Path, results: Results) -> None:
    workload = build_workload(INGEST_ORDERS, "ingest")
    n = len(workload.deliveries)
    facts = ingest_facts(directory, workload)
    facts.raw_journal, facts.raw_synchronous = raw_pragmas(directory, facts.synchronous)
    groups = {k: group_facts(directory, workload, k) for k in IN_FLIGHT}
    timers = {
        INGEST: ingest_timer(directory, workload),
        RAW_COMMIT: raw_timer(directory, workload, facts.synchronous),
        **{GROUP.format(k): group_timer(directory, workload, k) for k in IN_FLIGHT},
    }
    samples = measure(timers, REPEATS)
    per_s = {name: rate(n, min(ns)) for name, ns in samples.items()}
    ratio = per_s[INGEST] / per_s[RAW_COMMIT]
    commits = facts.tx.writes / n
    print(f"\n1. ingest: {len(workload.orders)} orders placed first (not timed), {n} callbacks")
    print_ingest_facts(directory, facts, n)
    for k, group in groups.items():
        print(
            f"   group commit, {k} in flight: {group.tx.writes / n:.3f} write transactions per "
            f"callback (mean batch {group.mean_batch:.1f}, largest {group.largest}), "
            f"{group.tx.reads / n:.2f} read-only (orders kept between batches: "
            f"{group.reused / n:.2f} per callback); outcomes the same as one at a time: "
            f"{group.outcomes == facts.outcomes}"
        )
    rows = [("", "contender", "callbacks/s")]
    rows += [("", name, f"{value:,.0f}") for name, value in per_s.items()]
    rows += [
        ("", "ratio service / raw", f"{ratio:.3f}x"),
        (
            "",
            f"ratio of commit rates (info: service does {commits:.2f} per callback)",
            f"{ratio * commits:.3f}x",
        ),
    ]
    rows += [
        (
            "",
            f"ratio group commit, {k} in flight / raw",
            f"{per_s[GROUP.format(k)] / per_s[RAW_COMMIT]:.3f}x",
        )
        for k in IN_FLIGHT
    ]
    rows += breakdown_rows(workload, samples, facts.tx.writes / n)
    table(rows)
    ok = ratio >= GOAL_INGEST_RATIO
    goal = f"ingest >= {GOAL_INGEST_RATIO:.0%} of the raw commit rate"
    results.goals.append((goal, f"{ratio:.1%}", ok))
    if not ok:
        results.profiles += profile_ingest(directory, workload)
    missed = False
    for k in IN_FLIGHT:
        group_ratio = per_s[GROUP.format(k)] / per_s[RAW_COMMIT]
        goal = f"group commit, {k} in flight >= {GOAL_GROUP_RATIO}x the raw commit rate"
        results.goals.append((goal, f"{group_ratio:.3f}x", group_ratio >= GOAL_GROUP_RATIO))
        missed = missed or group_ratio < GOAL_GROUP_RATIO
    if missed:
        results.profiles += group_breakdown(directory, workload, samples, n)
    results.raw += raw_lines("1", samples, dict.fromkeys(samples, n))


def group_breakdown(
    directory: Path, workload: Workload, samples: dict[str, list[int]], n: int
) -> list[str]:
    """Where a group-committed callback's time goes, against the raw loop's whole budget."""
    raw_us = min(samples[RAW_COMMIT]) / n / 1e3
    target = raw_us / GOAL_GROUP_RATIO
    lines = [
        f"  group commit: the goal leaves {target:.0f} us per callback ({GOAL_GROUP_RATIO}x the "
        f"raw loop's {raw_us:.0f} us per committed row); where a batch of "
        f"{max(IN_FLIGHT)} spends it, per callback (decided and saved in one thread, no "
        "profiler):"
    ]
    runs = [group_phases(directory, workload, max(IN_FLIGHT)) for _ in range(3)]
    phases = {name: min(run[name] for run in runs) for name in runs[0]}  # best of 3 each
    parts = measure(breakdown_timers(workload), repeats=3)
    read_us, translate_us = (min(parts[name]) / n / 1e3 for name in (READ, TRANSLATE))
    rest = phases["decide"] - phases["load"] - read_us - translate_us
    lines += [
        f"    {phases['decide'] + phases['save']:7.0f} us in all",
        f"    {phases['load']:7.0f} us loading the orders (one read per batch: the head, one "
        "SELECT, decode, fold; this breakdown loads every order, as a first batch must)",
        f"    {read_us:7.0f} us {READ}",
        f"    {translate_us:7.0f} us {TRANSLATE}",
        f"    {rest:7.0f} us the rest of deciding: the inbox item (base64 body, headers), its "
        "outcome event, the order's events",
        f"    {phases['save']:7.0f} us saving: encoding every event, the inserts, one commit "
        f"shared by {max(IN_FLIGHT)}",
    ]
    for k in IN_FLIGHT:
        us = min(samples[GROUP.format(k)]) / n / 1e3
        lines.append(
            f"    group commit, {k} in flight, took {us:.0f} us per callback end to end (the "
            "writer thread and the submitting thread share one interpreter: the GIL)"
        )
    return lines


def replay_breakdown_rows(samples: dict[str, list[int]], events: int) -> list[tuple[str, str, str]]:
    """What the per-order contenders cost per event, beside replay_verify's bulk read."""
    us = {name: min(ns) / events / 1e3 for name, ns in samples.items()}
    return [
        ("", "", ""),
        ("", "cost per event (replay_verify reads in bulk; the rest per order)", "us/event"),
        ("", "replay_verify: bulk read, decode, fold, invariant checks", f"{us[VERIFY]:.2f}"),
        ("", "recorder.select_events, one query per order", f"{us[SELECT]:.2f}"),
        ("", "events.get: per-order select + mapper decode", f"{us[DECODE]:.2f}"),
    ]


def section_replay(directory: Path, results: Results) -> None:
    path = directory / "replay.db"
    service, ids, events = build_replay_store(path, REPLAY_ORDERS)
    try:
        check_projectors_agree(service, ids)
        samples = measure(replay_timers(service, ids), REPEATS)
        per_s = {name: rate(events, min(ns)) for name, ns in samples.items()}
        logged = service.recorder.max_notification_id()
        print(f"\n2. replay: {len(ids)} orders, {events} order events, from one SQLite file")
        print(
            f"   ({logged} events stored in all; {logged - events} of them are inbox items' events)"
        )
        rows = [("", "contender", "events/s")]
        rows += [("", name, f"{value:,.0f}") for name, value in per_s.items()]
        ratio = per_s[VERIFY] / per_s[DEFAULT_GET]
        rows += [("", "ratio replay_verify / default repository.get", f"{ratio:.3f}x")]
        rows += replay_breakdown_rows(samples, events)
        table(rows)
        ok = per_s[VERIFY] >= GOAL_REPLAY_PER_S
        goal = f"replay >= {GOAL_REPLAY_PER_S:,} events/s from SQLite"
        results.goals.append((goal, f"{per_s[VERIFY]:,.0f}/s", ok))
        if not ok:
            title = f"replay_verify, {events} events"
            results.profiles += profile_lines(title, service.replay_verify)
        results.raw += raw_lines("2", samples, dict.fromkeys(samples, events))
    finally:
        service.close()
        remove_sqlite(path)


def section_pg(results: Results) -> None:
    reason = pg_unavailable()
    goal = (
        f"PostgreSQL {PG_PROCESSES} processes with group commit >= {GOAL_SCALE_RATIO}x one without"
    )
    if reason is not None:
        print(f"\n3. PostgreSQL: SKIPPED ({reason})")
        results.goals.append((goal, "SKIPPED", False))
        return
    workload = build_workload(PG_ORDERS, "pg")
    n = len(workload.deliveries)
    print(f"\n3. PostgreSQL: {len(workload.orders)} orders placed first (not timed), {n} callbacks")
    print(f"   {pg_settings()}; a fresh database per run; best of {PG_REPEATS} runs")
    reference = reference_states(workload)
    runs = pg_measure(workload)
    check_runs(runs, reference)
    best = {label: min(r, key=lambda run: run.seconds) for label, r in runs.items()}
    rows = [("", "contender (wall time, spawn and connect not timed)", "callbacks/s")]
    rows += [("", label, f"{n / run.seconds:,.0f}") for label, run in best.items()]
    one, split_, rr, grouped = (best[label] for label, _, _, _ in PG_CONFIGS)
    ratio = one.seconds / grouped.seconds
    rows += [
        ("", f"ratio {PG_CONFIGS[1][0]} / 1 process", f"{one.seconds / split_.seconds:.3f}x"),
        ("", f"ratio {PG_CONFIGS[2][0]} / 1 process", f"{one.seconds / rr.seconds:.3f}x"),
        ("", f"ratio {PG_CONFIGS[3][0]} / 1 process", f"{ratio:.3f}x"),
    ]
    table(rows)
    print(f"   final states of an in-order, in-memory reference: {dict(sorted(reference.items()))}")
    for label, run in best.items():
        print(
            f"   {label}: outcomes {dict(sorted(run.outcomes.items()))}, lost races "
            f"{run.conflicts}, final states {dict(sorted(run.states.items()))}"
        )
    print(
        "   note: eventsourcing's PostgreSQL recorder runs LOCK TABLE ... IN EXCLUSIVE MODE in each"
        " write transaction (notification ids in commit order), so every process's commits queue"
        " behind one lock held through the commit's WAL flush; group commit takes it once per"
        " batch"
    )
    results.goals.append((goal, f"{ratio:.3f}x", ratio >= GOAL_SCALE_RATIO))
    if ratio < GOAL_SCALE_RATIO:
        results.profiles += profile_pg(workload)
    for label, r in runs.items():
        results.raw.append(f"  [3] {label}: s=" + ",".join(f"{x.seconds:.3f}" for x in r))


def main() -> None:
    t0 = time.perf_counter()
    print("orderstate store benchmark (figures: BEST of repeats; medians in the raw figures)")
    print(
        f"python {platform.python_version()} on {platform.machine()}, os.cpu_count()="
        f"{os.cpu_count()}, sqlite {sqlite3.sqlite_version}, eventsourcing "
        f"{version('eventsourcing')}, psycopg {version('psycopg')}, repeats={REPEATS}"
    )
    results = Results()
    directory = Path(tempfile.mkdtemp(prefix="orderstate-bench-"))
    try:
        if "1" in SECTIONS:
            section_ingest(directory, results)
        if "2" in SECTIONS:
            section_replay(directory, results)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    if "3" in SECTIONS:
        section_pg(results)

    print("\ngoals")
    gw = max(len(g[0]) for g in results.goals)
    mw = max(len(g[1]) for g in results.goals)
    for goal, measured, ok in results.goals:
        status = "SKIPPED" if measured == "SKIPPED" else verdict(ok)
        print(f"  {goal:<{gw}}  {measured:>{mw}}  {status}")
    if results.profiles:
        print("\nwhere the time goes (cProfile, for the goals that missed)")
        for line in results.profiles:
            print(line)
    print("\nraw figures")
    for line in results.raw:
        print(line)
    print(f"\nwall time {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
