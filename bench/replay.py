"""Benchmark replay from SQLite: the whole-store read path against eventsourcing's default.

Run with ``.venv/bin/python bench/replay.py``. A benchmark, not a test: it prints figures, goals
with PASS/MISS and, when a goal misses, where the time goes (select, decode, fold per event).
Method as in ``bench/engine.py``: contenders interleaved, ``gc.collect()`` before each repeat,
BEST of the repeats, medians and every repeat in the raw figures.

The store is the one ``bench/ingest.py`` replays (8,000 orders driven through every provider
history, with their inbox items). Contenders, all in this process over the same file:

- ``OrderService.replay_verify`` (the goals are judged on it): ``histories.read_histories``
  (one query leaving the inbox's rows in the database, rows as tuples, orjson, one UUID per
  order) and the audit's fold and checks;
- the same audit reading as it did before this read path: eventsourcing's recorder in pages
  (a ``Notification`` and a ``UUID`` per row, inbox rows included) and its mapper per event;
- eventsourcing's default read, ``repository.get(id)`` per order with the stdlib
  ``JSONTranscoder`` and ``project_aggregate`` (the baseline of the ratio goal);
- the pieces of replay_verify: the query alone (rows as tuples), then the query and decoding.
"""

from __future__ import annotations

import gc
import os
import platform
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any

from eventsourcing.persistence import JSONTranscoder
from ingest import build_replay_store, check_projectors_agree, remove_sqlite  # bench/ingest.py
from timing import Timer, measure, rate, raw_lines, verdict  # bench/timing.py

from orderstate.adapters.service import OrderService, audit
from orderstate.adapters.service.audit import ORDER_TOPICS
from orderstate.adapters.service.histories import PAGE, _resolves, _sqlite_pages, read_histories
from orderstate.adapters.service.readmodel import INBOX_TOPICS
from orderstate.adapters.service.unreadable import decode
from orderstate.adapters.store import register_transcodings

REPEATS = 5
ORDERS = 8000
GOAL_PER_S = 200_000
GOAL_RATIO = 4.0

VERIFY = "replay_verify: read_histories + fold + checks (this change)"
BEFORE = "replay_verify as before: recorder pages + mapper, same fold and checks"
DEFAULT_GET = "repository.get(id): JSONTranscoder + project_aggregate (eventsourcing default)"
SELECT = "the query alone: rows as tuples, no decode (info)"
READ = "read_histories: the query + decoding to events (info)"


def stdlib_transcoder() -> JSONTranscoder:
    transcoder = JSONTranscoder()
    register_transcodings(transcoder)
    return transcoder


@contextmanager
def transcoder(service: OrderService, replacement: Any) -> Iterator[None]:
    """Read through ``replacement`` for the block (the mapper asks its transcoder every time)."""
    mapper: Any = service.mapper
    kept = mapper.transcoder
    mapper.transcoder = replacement
    try:
        yield
    finally:
        mapper.transcoder = kept


def timers(service: OrderService, ids: list[Any]) -> dict[str, Timer]:
    stdlib = stdlib_transcoder()
    recorder, mapper = service.recorder, service.mapper

    def verify() -> int:
        start = time.perf_counter_ns()
        report = service.replay_verify()
        elapsed = time.perf_counter_ns() - start
        if report.failures:
            raise RuntimeError(f"replay_verify failed: {report.failures[:3]}")
        return elapsed

    def before() -> int:
        start = time.perf_counter_ns()
        service.projection.catch_up()
        known = {row.id: row for row in service.read_store.order_states()}
        histories, unreadable = mapper_histories(recorder, mapper)
        failures = audit._verify(histories, known)  # the audit's own fold and checks
        elapsed = time.perf_counter_ns() - start
        if failures or unreadable:
            raise RuntimeError(f"the audit failed: {failures[:3]} {unreadable[:3]}")
        return elapsed

    def default_get() -> int:
        with transcoder(service, stdlib):
            get = service.repository.get
            start = time.perf_counter_ns()
            for oid in ids:
                get(oid)
            return time.perf_counter_ns() - start

    def select() -> int:
        start = time.perf_counter_ns()
        for _ in _sqlite_pages(recorder, INBOX_TOPICS):  # type: ignore[arg-type]
            pass
        return time.perf_counter_ns() - start

    def read() -> int:
        start = time.perf_counter_ns()
        read_histories(recorder, mapper, ORDER_TOPICS, skip=INBOX_TOPICS)
        return time.perf_counter_ns() - start

    return {VERIFY: verify, BEFORE: before, DEFAULT_GET: default_get, SELECT: select, READ: read}


def cpu_time(service: OrderService) -> int:
    """replay_verify's best CPU time (this process, ns): on a machine shared with other busy
    processes, wall time includes waiting for a core; CPU time says what a quiet one would
    take."""
    best = None
    for _ in range(REPEATS):
        gc.collect()
        start = time.process_time_ns()
        service.replay_verify()
        elapsed = time.process_time_ns() - start
        best = elapsed if best is None else min(best, elapsed)
    assert best is not None
    return best


def mapper_histories(recorder: Any, mapper: Any) -> tuple[dict[Any, list[Any]], list[Any]]:
    """The audit's read before read_histories: the log by pages, each event by the mapper."""
    histories: dict[Any, list[Any]] = {}
    unreadable = []
    position = 0
    while page := recorder.select_notifications(position + 1, PAGE):
        for record in page:
            if record.topic not in ORDER_TOPICS and _resolves(record.topic):
                continue
            event, bad = decode(mapper, record)
            if bad is not None:
                unreadable.append(bad)
            else:
                histories.setdefault(event.originator_id, []).append(event)
        position = page[-1].id
    return histories, unreadable


def check_transcoders_agree(service: OrderService) -> None:
    """Both transcoders must decode every stored event of the file to equal events."""
    stdlib = stdlib_transcoder()
    for record in service.recorder.select_notifications(1, 1_000_000):
        fast = service.mapper.to_domain_event(record)
        with transcoder(service, stdlib):
            slow = service.mapper.to_domain_event(record)
        if vars(fast) != vars(slow):
            raise RuntimeError(f"the transcoders disagree on notification {record.id}")


def table(rows: list[tuple[str, str]]) -> None:
    width = max(len(a) for a, _ in rows)
    for a, b in rows:
        print(f"  {a:<{width}}  {b:>12}")


def main() -> None:
    t0 = time.perf_counter()
    print("orderstate replay benchmark (figures: BEST of repeats; medians in the raw figures)")
    print("load average at start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(
        f"python {platform.python_version()} on {platform.machine()}, os.cpu_count()="
        f"{os.cpu_count()}, sqlite {sqlite3.sqlite_version}, eventsourcing "
        f"{version('eventsourcing')}, orjson {version('orjson')}, repeats={REPEATS}"
    )
    directory = Path(tempfile.mkdtemp(prefix="orderstate-replay-"))
    path = directory / "replay.db"
    service, ids, events = build_replay_store(path, ORDERS)
    try:
        check_projectors_agree(service, ids)
        check_transcoders_agree(service)
        samples = measure(timers(service, ids), REPEATS)
        cpu_ns = cpu_time(service)
        logged = service.recorder.max_notification_id()
    finally:
        service.close()
        remove_sqlite(path)
        shutil.rmtree(directory, ignore_errors=True)

    per_s = {name: rate(events, min(ns)) for name, ns in samples.items()}
    us = {name: min(ns) / events / 1e3 for name, ns in samples.items()}
    print(f"\n{len(ids)} orders, {events} order events in one SQLite file")
    print(f"({logged} events stored in all; {logged - events} of them are inbox items' events)")
    print("both transcoders decode every stored event to equal events (checked first)\n")
    ratio = per_s[VERIFY] / per_s[DEFAULT_GET]
    cpu_us = cpu_ns / events / 1e3
    gained = per_s[VERIFY] / per_s[BEFORE]
    rows = [("contender", "events/s")]
    rows += [(name, f"{value:,.0f}") for name, value in per_s.items()]
    rows += [
        ("ratio replay_verify / eventsourcing default get", f"{ratio:.3f}x"),
        ("ratio replay_verify / the same audit reading as before", f"{gained:.3f}x"),
        ("", ""),
        ("where replay_verify's time goes", "us/event"),
        (
            "select: the query, rows as tuples (inbox rows left in the database)",
            f"{us[SELECT]:.2f}",
        ),
        ("decode: orjson, tagged values, one event object per row", f"{us[READ] - us[SELECT]:.2f}"),
        (
            "fold: project_order per order, invariants, read-model rows",
            f"{us[VERIFY] - us[READ]:.2f}",
        ),
        ("total replay_verify", f"{us[VERIFY]:.2f}"),
        ("  of which on this process's CPU (best of 5, process_time)", f"{cpu_us:.2f}"),
        ("the audit reading as before (recorder pages + mapper)", f"{us[BEFORE]:.2f}"),
    ]
    table(rows)

    goals = [
        (
            f"replay >= {GOAL_PER_S:,} events/s from SQLite",
            f"{per_s[VERIFY]:,.0f}/s",
            per_s[VERIFY] >= GOAL_PER_S,
        ),
        (
            f"replay >= {GOAL_RATIO}x eventsourcing's default repository.get",
            f"{ratio:.3f}x",
            ratio >= GOAL_RATIO,
        ),
    ]
    print("\ngoals")
    gw = max(len(g[0]) for g in goals)
    mw = max(len(g[1]) for g in goals)
    for goal, measured, ok in goals:
        print(f"  {goal:<{gw}}  {measured:>{mw}}  {verdict(ok)}")
    if not all(ok for _, _, ok in goals):
        print(
            f"  where the time goes: select {us[SELECT]:.2f} + decode {us[READ] - us[SELECT]:.2f}"
            f" + fold {us[VERIFY] - us[READ]:.2f} us/event; the goal is "
            f"{1e6 / GOAL_PER_S:.2f} us/event in all; load average at the end "
            + " ".join(f"{x:.2f}" for x in os.getloadavg())
        )
        waited = us[VERIFY] - cpu_us
        note = f"; {waited:.2f} us/event of the wall time waiting for a core" if waited > 0 else ""
        print(
            f"  on the CPU replay_verify took {cpu_us:.2f} us/event ({1e6 / cpu_us:,.0f} events/s"
            f" in separate runs){note}"
        )
    print("\nraw figures")
    for line in raw_lines("replay", samples, dict.fromkeys(samples, events)):
        print(line)
    print(f"\nwall time {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
