"""Benchmark replay from SQLite: the store's transcoder against eventsourcing's default.

Run with ``.venv/bin/python bench/replay.py``. A benchmark, not a test: it prints figures, goals
with PASS/MISS and, when a goal misses, where the time goes (select, decode, fold per event).
Method as in ``bench/engine.py``: contenders interleaved, ``gc.collect()`` before each repeat,
BEST of the repeats, medians and every repeat in the raw figures.

The store is the one ``bench/ingest.py`` replays (8,000 orders driven through every provider
history, with their inbox items). Contenders, all in this process over the same file:

- ``OrderService.replay_verify`` with the store's ``OrjsonTranscoder`` (the goals are judged on
  this) and, for the before/after, with eventsourcing's stdlib ``JSONTranscoder`` in its place;
- eventsourcing's default read, ``repository.get(id)`` per order with ``JSONTranscoder`` and
  ``project_aggregate`` (the baseline of the ratio goal), and for information the same with the
  store's transcoder;
- the pieces of replay_verify's bulk read: the select alone, then select + decode.
"""

from __future__ import annotations

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

from orderstate.adapters.service import OrderService
from orderstate.adapters.service.audit import ORDER_TOPICS
from orderstate.adapters.service.histories import PAGE
from orderstate.adapters.store import register_transcodings

REPEATS = 5
ORDERS = 8000
GOAL_PER_S = 200_000
GOAL_RATIO = 4.0

VERIFY = "replay_verify, OrjsonTranscoder (the store's)"
VERIFY_STDLIB = "replay_verify, stdlib JSONTranscoder (before)"
DEFAULT_GET = "repository.get(id): JSONTranscoder + project_aggregate (eventsourcing default)"
GET_FAST = "repository.get(id): OrjsonTranscoder + project_aggregate (info)"
SELECT = "bulk select of the Order topics, no decode (info)"
DECODE = "bulk select + mapper.to_domain_event, OrjsonTranscoder (info)"
DECODE_STDLIB = "bulk select + mapper.to_domain_event, JSONTranscoder (info)"


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

    def verify_stdlib() -> int:
        with transcoder(service, stdlib):
            return verify()

    def get_all() -> int:
        get = service.repository.get
        start = time.perf_counter_ns()
        for oid in ids:
            get(oid)
        return time.perf_counter_ns() - start

    def default_get() -> int:
        with transcoder(service, stdlib):
            return get_all()

    def select(decode: bool) -> int:
        return bulk_read(recorder, mapper if decode else None)

    def decode_stdlib() -> int:
        with transcoder(service, stdlib):
            return select(decode=True)

    return {
        VERIFY: verify,
        VERIFY_STDLIB: verify_stdlib,
        DEFAULT_GET: default_get,
        GET_FAST: get_all,
        SELECT: lambda: select(decode=False),
        DECODE: lambda: select(decode=True),
        DECODE_STDLIB: decode_stdlib,
    }


def bulk_read(recorder: Any, mapper: Any) -> int:
    """replay_verify's read (the notification log, Order topics, by pages); decode if asked."""
    start = time.perf_counter_ns()
    position = 0
    while page := recorder.select_notifications(position + 1, PAGE, topics=ORDER_TOPICS):
        if mapper is not None:
            for record in page:
                mapper.to_domain_event(record)
        position = page[-1].id
    return time.perf_counter_ns() - start


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
    before = per_s[VERIFY] / per_s[VERIFY_STDLIB]
    rows = [("contender", "events/s")]
    rows += [(name, f"{value:,.0f}") for name, value in per_s.items()]
    rows += [
        ("ratio replay_verify (OrjsonTranscoder) / eventsourcing default get", f"{ratio:.3f}x"),
        ("ratio replay_verify OrjsonTranscoder / JSONTranscoder (after/before)", f"{before:.3f}x"),
        ("", ""),
        ("where replay_verify's time goes (OrjsonTranscoder)", "us/event"),
        ("select: bulk read of the Order topics (rows -> Notification)", f"{us[SELECT]:.2f}"),
        (
            "decode: mapper.to_domain_event (transcoder, topic, event object)",
            f"{us[DECODE] - us[SELECT]:.2f}",
        ),
        ("  the same with the stdlib JSONTranscoder", f"{us[DECODE_STDLIB] - us[SELECT]:.2f}"),
        ("fold: project_order per order + invariant checks", f"{us[VERIFY] - us[DECODE]:.2f}"),
        ("total replay_verify", f"{us[VERIFY]:.2f}"),
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
            f"  where the time goes: select {us[SELECT]:.2f} + decode "
            f"{us[DECODE] - us[SELECT]:.2f} + fold {us[VERIFY] - us[DECODE]:.2f} us/event; the "
            f"goal is {1e6 / GOAL_PER_S:.2f} us/event in all"
        )
    print("\nraw figures")
    for line in raw_lines("replay", samples, dict.fromkeys(samples, events)):
        print(line)
    print(f"\nwall time {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
