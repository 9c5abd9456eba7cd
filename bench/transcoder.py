"""Benchmark the store's transcoder alone: encode and decode per stored event, vs the stdlib one.

Run with ``.venv/bin/python bench/transcoder.py`` (a few seconds). A benchmark, not a test. The
events are every stored event of ``tests/project/fixtures/store-json-1.sqlite`` (a store written
with eventsourcing's ``JSONTranscoder``), order events and inbox items' events apart. Both
transcoders must decode every one to equal values and write the same bytes (checked first).
Interleaved repeats, ``gc.collect()`` before each, BEST of the repeats.

eventsourcing-orjsontranscoder is timed too when it can be imported (it is not a dependency: an
sdist that needs Cython and pins orjson<3.7; build it yourself to compare).
"""

from __future__ import annotations

import gc
import importlib
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eventsourcing.persistence import JSONTranscoder

from orderstate.adapters.store import OrjsonTranscoder, register_transcodings
from orderstate.engine import Money

REPEATS = 7
PER_REPEAT = 40_000  # events decoded (and encoded) per repeat and contender
STORE = Path(__file__).resolve().parent.parent / "tests/project/fixtures/store-json-1.sqlite"
GROUPS = {"order events": "%engine.order%", "inbox items' events": "%inbox%"}


def contenders() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, cls in (
        ("JSONTranscoder (stdlib json)", JSONTranscoder),
        ("OrjsonTranscoder", OrjsonTranscoder),
    ):
        transcoder = cls()
        register_transcodings(transcoder)
        found[name] = transcoder
    try:
        package: Any = importlib.import_module("_eventsourcing_orjsontranscoder")
    except ImportError:
        return found

    class CMoneyAsDict(package.CTranscoding):  # type: ignore[misc]
        def type(self) -> type:
            return Money

        def name(self) -> str:
            return "money"

        def encode(self, obj: Money) -> dict[str, Any]:
            return {"minor": obj.minor, "currency": obj.currency}

        def decode(self, data: dict[str, Any]) -> Money:
            return Money(data["minor"], data["currency"])

    transcoder = package.OrjsonTranscoder()
    for transcoding in (package.CDatetimeAsISO(), package.CUUIDAsHex(), CMoneyAsDict()):
        transcoder.register(transcoding)
    found["eventsourcing-orjsontranscoder (decode only: it cannot encode bool)"] = transcoder
    return found


def best_us(call: Callable[[Any], Any], items: list[Any]) -> float:
    loops = max(1, PER_REPEAT // len(items))
    times = []
    for _ in range(REPEATS):
        gc.collect()
        start = time.perf_counter_ns()
        for _ in range(loops):
            for item in items:
                call(item)
        times.append(time.perf_counter_ns() - start)
    return min(times) / loops / len(items) / 1e3


def main() -> None:
    # A copy: even a read-only connection leaves -shm/-wal files beside a WAL database.
    directory = Path(tempfile.mkdtemp(prefix="orderstate-transcoder-"))
    try:
        copy = directory / STORE.name
        shutil.copy(STORE, copy)
        connection = sqlite3.connect(copy)
        report(connection)
        connection.close()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def report(connection: sqlite3.Connection) -> None:
    found = contenders()
    stdlib, fast = found["JSONTranscoder (stdlib json)"], found["OrjsonTranscoder"]
    print(f"per stored event, best of {REPEATS}; events of {STORE.name}")
    for group, pattern in GROUPS.items():
        query = "SELECT state FROM stored_events WHERE topic LIKE ?"
        states = [row[0] for row in connection.execute(query, (pattern,))]
        values = [stdlib.decode(state) for state in states]
        for state, value in zip(states, values, strict=True):
            if fast.decode(state) != value or fast.encode(value) != stdlib.encode(value):
                raise RuntimeError(f"the transcoders disagree on {state[:80]!r}")
        print(f"\n  {group} ({len(states)})")
        print(f"  {'contender':<70}  {'decode us':>9}  {'encode us':>9}")
        figures = {}
        for name, transcoder in found.items():
            decode = best_us(transcoder.decode, states)
            encode = best_us(transcoder.encode, values) if "decode only" not in name else None
            figures[name] = (decode, encode)
            shown = f"{encode:9.2f}" if encode is not None else f"{'-':>9}"
            print(f"  {name:<70}  {decode:9.2f}  {shown}")
        (d0, e0), (d1, e1) = figures["JSONTranscoder (stdlib json)"], figures["OrjsonTranscoder"]
        print(f"  {'ratio stdlib / OrjsonTranscoder':<70}  {d0 / d1:8.2f}x  {e0 / (e1 or 1):8.2f}x")


if __name__ == "__main__":
    main()
