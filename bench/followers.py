"""Followers of the log, measured: a process start on a big store, and polling's cost and delay.

    python bench/followers.py [--orders 3000] [--python /work/main/.venv/bin/python]

1. Builds a SQLite store of ``--orders`` paid and settled orders (once; kept in bench/.data).
2. A fresh process asks for the orders by state, three ways, each in its own interpreter so
   its peak memory (VmHWM) is its own; the time counts from building the service (imports
   excluded): the persisted read model's first catch-up (every
   notification, rows written), a start once it has caught up (reads nothing), and, with
   ``--python`` pointing at an older checkout's interpreter, that version's in-memory rebuild.
3. Polling: the cost of one idle round (every follower caught up) and the delay from a
   callback's commit to its delivery with the runner polling every 50 ms in a thread.

SQLite has no ``subscribe()`` (eventsourcing's ``ProjectionRunner`` needs one), so the runner
polls; these figures say what polling costs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"

CHILD = """
import json, sys, time
from orderstate.adapters.bootstrap import build_service
def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
before = peak_mb()
started = time.perf_counter()
service = build_service(store=sys.argv[1])
rebuild = sys.argv[2] == "rebuild"
rows = service.orders_by_state(rebuild=rebuild) if rebuild else service.orders_by_state()
seconds = time.perf_counter() - started
reader = getattr(getattr(service.projection, "reader", None), "read", None)
print(json.dumps({
    "seconds": seconds,
    "peak_mb": round(peak_mb(), 1),
    "peak_mb_after_imports": round(before, 1),
    "orders": sum(r.count for r in rows),
    "notifications_read": reader,
}))
"""


def build_store(path: Path, orders: int) -> None:
    from orderstate.adapters.bootstrap import build_service
    from orderstate.adapters.service import Shop
    from orderstate.engine import Money
    from orderstate.testing.vertex_histories import HistorySpec, history
    from tests.support.postgres import SECRET, callback

    service = build_service(store=str(path), shops={1: Shop((SECRET,))})
    amount = Money.parse("10.00", "EUR")
    for n in range(orders):
        number = f"B-{n}"
        service.place(shop_id=1, order_number=number, amount=amount)
        for snapshot in history("paid_and_cleared", HistorySpec(1, number, amount)):
            item = callback(snapshot)
            service.handle_callback(item.shop_id, item.body, item.headers)
    service.close()


def start(python: str, store: Path, mode: str) -> dict[str, float]:
    out = subprocess.run(
        [python, "-c", CHILD, str(store), mode], check=True, capture_output=True, text=True
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def polling(store: Path) -> tuple[float, list[float]]:
    from orderstate.adapters.bootstrap import build_service
    from orderstate.adapters.service import Shop
    from orderstate.engine import Money
    from orderstate.testing.vertex_histories import HistorySpec, history
    from tests.support.postgres import SECRET, callback

    service = build_service(store=str(store), shops={1: Shop((SECRET,))})
    service.work()
    idle = []
    for _ in range(50):
        began = time.perf_counter()
        service.work()
        idle.append(time.perf_counter() - began)
    heard: dict[str, float] = {}
    service.subscribe(
        lambda u: (
            heard.setdefault(u.view.order_number, time.perf_counter())
            if "PaymentCaptured" in u.events
            else None
        ),
        name=f"bench-{time.time_ns()}",
    )
    head = service.recorder.max_notification_id() or 0
    service.followers.rewind(service.followers.names[-1], head)  # only what comes next
    stop = threading.Event()
    runner = threading.Thread(target=service.followers.run, args=(stop,), kwargs={"interval": 0.05})
    runner.start()
    delays = []
    amount = Money.parse("10.00", "EUR")
    for n in range(30):
        number = f"P-{time.time_ns()}-{n}"
        service.place(shop_id=1, order_number=number, amount=amount)
        snapshots = history("paid_and_cleared", HistorySpec(1, number, amount))
        item = callback(snapshots[-1])
        committed = time.perf_counter()
        service.handle_callback(item.shop_id, item.body, item.headers)
        deadline = time.monotonic() + 5
        while number not in heard and time.monotonic() < deadline:
            time.sleep(0.001)
        delays.append(heard[number] - committed)
    stop.set()
    runner.join()
    service.close()
    return statistics.median(idle), delays


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=3000)
    parser.add_argument("--python", help="an older checkout's interpreter, for its figures")
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    store = DATA / f"followers-{args.orders}.db"
    if not store.exists():
        began = time.perf_counter()
        build_store(store, args.orders)
        print(f"built {store.name}: {args.orders} orders in {time.perf_counter() - began:.1f} s")
    work = DATA / "followers-work.db"
    work.write_bytes(store.read_bytes())
    for wal in ("-wal", "-shm"):
        Path(str(work) + wal).unlink(missing_ok=True)
    if args.python:
        print("older version, in-memory rebuild:", start(args.python, work, "start"))
    print("persisted, first catch-up:       ", start(sys.executable, work, "rebuild"))
    print("persisted, a start after it:     ", start(sys.executable, work, "start"))
    idle, delays = polling(work)
    print(f"one idle polling round (all caught up): {idle * 1000:.2f} ms (median of 50)")
    print(
        f"callback commit -> follower delivery, polling every 50 ms: median "
        f"{statistics.median(delays) * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms (30 runs)"
    )


if __name__ == "__main__":
    main()
