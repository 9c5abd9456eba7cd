"""A follower killed mid-stream (kill -9) and restarted delivers every event at least once, in
log order, and skips no key; only the update in flight at the kill may come twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.service import Shop
from orderstate.engine import Money
from orderstate.testing.vertex_histories import HistorySpec, history
from tests.support.follower_worker import FOLLOWER
from tests.support.postgres import SECRET, callback

EUR_10 = Money.parse("10.00", "EUR")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[bytes]]]:
    """The workers a test starts; any still running when it ends (a failure) are killed."""
    workers: list[subprocess.Popen[bytes]] = []
    yield workers
    for worker in workers:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)


def start_worker(store: str, out: Path, started: list[subprocess.Popen[bytes]]) -> Any:
    with (out.parent / "worker.log").open("ab") as log:  # the child keeps its own copy
        worker = subprocess.Popen(
            [sys.executable, "-m", "tests.support.follower_worker", store, str(out), "0.01"],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    started.append(worker)
    return worker


def lines(out: Path) -> list[str]:
    return out.read_text(encoding="ascii").splitlines() if out.exists() else []


def wait_for(condition: object, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the worker made no progress"
        time.sleep(0.02)


def test_a_follower_killed_mid_stream_resumes_and_skips_nothing(
    shared_store: str, tmp_path: Path, started: list[subprocess.Popen[bytes]]
) -> None:
    # The worker's own service class names the PostgreSQL tables: the same class writes here.
    service = build_service(store=shared_store, shops={1: Shop((SECRET,))})
    for n in range(20):
        number = f"K-{n}"
        service.place(shop_id=1, order_number=number, amount=EUR_10)
        for snapshot in history("paid_and_cleared", HistorySpec(1, number, EUR_10)):
            item = callback(snapshot)
            service.handle_callback(item.shop_id, item.body, item.headers)
    expected = [
        f"{event.originator_id}:{event.originator_version}"
        for notification in service.recorder.select_notifications(1, 100_000)
        if (event := service.mapper.to_domain_event(notification)) is not None
        and type(event).__qualname__.startswith("Order.")
    ]
    out = tmp_path / "delivered.txt"

    worker = start_worker(shared_store, out, started)
    wait_for(lambda: len(lines(out)) >= len(expected) // 3)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)
    at_kill = len(lines(out))
    restarted = start_worker(shared_store, out, started)
    head = service.recorder.max_notification_id()
    wait_for(lambda: service.read_store.position(FOLLOWER) == head)
    restarted.terminate()
    restarted.wait(10)
    service.close()

    delivered = lines(out)
    first_seen = list(dict.fromkeys(delivered))
    assert worker.returncode == -signal.SIGKILL
    assert len(expected) // 3 <= at_kill < len(expected)
    assert first_seen == expected  # every key, in log order, none skipped
    assert len(delivered) - len(first_seen) <= 1  # at most the update in flight, again
