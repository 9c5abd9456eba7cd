"""Scale-out proof: four processes sharing one PostgreSQL store agree with a single process.

1,000 orders, one per outcome in turn, are placed first (one process, no provider). Every
snapshot of every order's provider history is then delivered twice, the whole list shuffled
with a fixed seed and dealt round-robin to four ``spawn``-ed worker processes that handle their
share at the same time. The same list handled in order by one process on a memory store is the
reference. Shuffled delivery may take a different event path than in-order delivery (a late
snapshot is stale rather than applied), so the comparison is of where each order ends (state
and amounts), plus what no path may do: skip a version, repeat a once-only event, lose a
callback.
"""

from __future__ import annotations

import random
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

from orderstate.engine import Money
from orderstate.testing.vertex_histories import OUTCOMES, TWO_STAGE, HistorySpec, history
from tests.support.postgres import (
    Callback,
    CountingService,
    Open,
    WorkerReport,
    apply_callbacks,
    callback,
)

ORDERS = 1_000
WORKERS = 4
COPIES = 2
SEED = 20_240_611
CURRENCIES = ("EUR", "JPY", "BTC")
REPEATABLE = frozenset({"RefundSucceeded"})
"""The only event an order may record more than once (one per refund)."""


@dataclass(frozen=True)
class Planned:
    number: str
    cost: Money
    outcome: str

    @property
    def auto_capture(self) -> bool:
        return self.outcome not in TWO_STAGE


def plan() -> list[Planned]:
    outcomes = list(OUTCOMES)
    return [
        Planned(f"S-{n:04d}", Money(1_000 + n, CURRENCIES[n % 3]), outcomes[n % len(outcomes)])
        for n in range(ORDERS)
    ]


def deliveries(orders: list[Planned]) -> list[Callback]:
    """Every snapshot of every order, ``COPIES`` times, shuffled with a fixed seed."""
    items = [
        callback(snapshot)
        for order in orders
        for snapshot in history(order.outcome, HistorySpec(1, order.number, order.cost))
        for _ in range(COPIES)
    ]
    random.Random(SEED).shuffle(items)
    return items


def place_all(service: CountingService, orders: list[Planned]) -> None:
    for order in orders:
        service.place(
            shop_id=1, order_number=order.number, amount=order.cost, auto_capture=order.auto_capture
        )


def in_four_processes(store: str, items: list[Callback]) -> list[WorkerReport]:
    shares = [items[k::WORKERS] for k in range(WORKERS)]
    with ProcessPoolExecutor(WORKERS, mp_context=get_context("spawn")) as pool:
        return list(pool.map(apply_callbacks, [store] * WORKERS, shares, timeout=300))


def ends(service: CountingService, number: str) -> tuple[object, ...]:
    """Where an order ended, whatever the path.

    Not ``authorized``: it is path-dependent by design. A two-stage order that sees its
    authorized snapshot before the voided one records PaymentAuthorized then PaymentVoided
    (authorized stays the amount); one that sees the voided snapshot first is cancelled
    straight away and the late authorized snapshot is stale (authorized stays zero).
    """
    view = service.view(1, number)
    return (view.state, view.captured, view.refunded, view.pending)


def test_four_processes_handling_shuffled_duplicated_callbacks_agree_with_one_process(
    postgres_store: str, open_service: Open
) -> None:
    orders = plan()
    items = deliveries(orders)
    shared = open_service(postgres_store)
    place_all(shared, orders)

    reports = in_four_processes(postgres_store, items)

    outcomes = sum((report.outcomes for report in reports), Counter[str]())
    assert sum(outcomes.values()) == len(items)
    assert set(outcomes) <= {"applied", "duplicate", "stale"}
    reference = open_service("memory")
    place_all(reference, orders)
    for item in items:
        reference.handle_callback(item.shop_id, item.body, item.headers)
    assert {o.number: ends(shared, o.number) for o in orders} == {
        o.number: ends(reference, o.number) for o in orders
    }
    assert shared.orders_by_state() == reference.orders_by_state()
    for order in orders:
        events = shared.history(1, order.number)
        assert [e.originator_version for e in events] == list(range(1, len(events) + 1))
        counts = Counter(type(e).__name__ for e in events)
        assert [name for name, n in counts.items() if n > 1 and name not in REPEATABLE] == []
    assert len(shared.projection.inbox) == len(items)
    assert list(shared.projection.unfinished_inbox()) == []
    report = shared.replay_verify()
    assert (report.orders, report.failures) == (ORDERS, ())
