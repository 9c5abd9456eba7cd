"""Two workers racing on one order: the loser reloads, re-applies, and nothing is lost or doubled.

Two services share one SQLite file or PostgreSQL schema. The deterministic tests let service B
write the order between A's load and A's save (``before_order_save``), so A's save must fail
with ``IntegrityError`` and go round the retry in ``_apply`` (callbacks) or ``_change``
(merchant commands). The stress test then races threads on both services for real.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest
from eventsourcing.persistence import InternalError

from orderstate.adapters.service import CallbackResult, Operation
from orderstate.adapters.store import with_ddl_retry
from orderstate.adapters.vertex.models import OrderSnapshot
from orderstate.engine import Money
from orderstate.testing.vertex_histories import HistorySpec, history
from tests.support.postgres import Callback, CountingService, Open, callback

EUR_10 = Money.parse("10.00", "EUR")

ONCE = frozenset(
    {
        "OrderPlaced",
        "PaymentLinkIssued",
        "PaymentCaptured",
        "ConfirmationEmailDue",
        "ClearingStarted",
        "OrderSettled",
    }
)
"""Events an order of the partially_refunded history has at most once, whatever the order."""


def refunds(number: str = "R-1") -> list[OrderSnapshot]:
    """in_progress, clearing, completed, refunded 4.99, refunded 9.99 (of 10.00)."""
    return history("partially_refunded", HistorySpec(1, number, EUR_10))


def handle(service: CountingService, item: Callback) -> CallbackResult:
    return service.handle_callback(item.shop_id, item.body, item.headers)


def names(service: CountingService, number: str = "R-1") -> list[str]:
    return [type(event).__name__ for event in service.history(1, number)]


def final(service: CountingService, number: str = "R-1") -> tuple[object, ...]:
    view = service.view(1, number)
    return (view.state, view.authorized, view.captured, view.refunded, view.pending)


def sequential(
    open_service: Open, snapshots: Sequence[OrderSnapshot], number: str
) -> CountingService:
    """The same callbacks handled one by one, in the provider's order, on a memory store."""
    service = open_service("memory")
    service.place(shop_id=1, order_number=number, amount=EUR_10)
    for snapshot in snapshots:
        handle(service, callback(snapshot))
    return service


def assert_no_duplicate_events(service: CountingService, number: str = "R-1") -> None:
    events = service.history(1, number)
    assert [event.originator_version for event in events] == list(range(1, len(events) + 1))
    repeated = Counter(type(event).__name__ for event in events)
    assert {name: count for name, count in repeated.items() if name in ONCE and count > 1} == {}


def test_a_callback_that_loses_the_race_is_applied_again_on_the_fresh_order(
    shared_store: str, open_service: Open
) -> None:
    a, b = open_service(shared_store), open_service(shared_store)
    a.place(shop_id=1, order_number="R-1", amount=EUR_10)
    *paid, first_refund, second_refund = refunds()
    for snapshot in paid:
        handle(a, callback(snapshot))
    raced = callback(first_refund)
    a.before_order_save = lambda: handle(b, raced)

    result = handle(a, callback(second_refund))

    assert a.conflicts == 1
    assert result.outcome == "applied"
    assert result.events == ("RefundSucceeded",)
    reference = sequential(open_service, refunds(), "R-1")
    assert final(a) == final(b) == final(reference)
    assert names(a) == names(reference)
    assert_no_duplicate_events(a)
    a.projection.catch_up()
    assert {item.status for item in a.projection.inbox.values()} == {"applied"}


def test_a_callback_that_loses_the_race_to_its_own_copy_is_a_duplicate(
    shared_store: str, open_service: Open
) -> None:
    a, b = open_service(shared_store), open_service(shared_store)
    a.place(shop_id=1, order_number="R-1", amount=EUR_10)
    settled = refunds()[2]
    a.before_order_save = lambda: handle(b, callback(settled))

    result = handle(a, callback(settled))

    assert a.conflicts == 1
    assert result.outcome == "duplicate"
    assert final(a)[:4] == ("completed", EUR_10, EUR_10, Money(0, "EUR"))
    assert_no_duplicate_events(a)
    assert names(a).count("OrderSettled") == 1


def test_a_merchant_command_that_loses_the_race_is_run_again_on_the_fresh_order(
    shared_store: str, open_service: Open
) -> None:
    a, b = open_service(shared_store), open_service(shared_store)
    a.place(shop_id=1, order_number="R-1", amount=EUR_10)
    *paid, first_refund, _ = refunds()
    for snapshot in paid:
        handle(a, callback(snapshot))
    a.before_order_save = lambda: handle(b, callback(first_refund))

    view = a.request(Operation.REFUND, 1, "R-1", Money.parse("2.00", "EUR"))

    assert a.conflicts == 1
    assert (view.state, view.refunded, view.pending) == (
        "partially_refunded",
        Money.parse("4.99", "EUR"),
        "refund",
    )
    assert names(a)[-2:] == ["RefundSucceeded", "RefundRequested"]
    assert_no_duplicate_events(a)
    assert b.view(1, "R-1") == view


def test_threads_on_two_services_racing_on_one_order_end_as_a_sequential_run(
    shared_store: str, open_service: Open
) -> None:
    services = [open_service(shared_store), open_service(shared_store)]
    rounds, copies, threads = 4, 3, 4
    numbers = [f"S-{n}" for n in range(rounds)]
    for number in numbers:
        services[0].place(shop_id=1, order_number=number, amount=EUR_10)
    outcomes: Counter[str] = Counter()

    for seed, number in enumerate(numbers):
        deliveries = [callback(s) for s in refunds(number) for _ in range(copies)]
        random.Random(seed).shuffle(deliveries)
        outcomes.update(race(services, deliveries, threads))

    assert sum(outcomes.values()) == rounds * copies * len(refunds())
    assert set(outcomes) <= {"applied", "duplicate", "stale"}
    for number in numbers:
        reference = sequential(open_service, refunds(number), number)
        assert final(services[0], number) == final(services[1], number) == final(reference, number)
        assert_no_duplicate_events(services[0], number)
    services[1].projection.catch_up()
    assert len(services[1].projection.inbox) == sum(outcomes.values())
    assert not list(services[1].projection.unfinished_inbox())
    assert services[1].replay_verify().failures == ()


def race(
    services: Sequence[CountingService], deliveries: Sequence[Callback], threads: int
) -> Counter[str]:
    """Split ``deliveries`` round-robin over ``threads``, alternating services; start together."""
    start = threading.Barrier(threads)

    def worker(k: int) -> list[str]:
        service = services[k % len(services)]
        start.wait(timeout=10)
        return [handle(service, item).outcome for item in deliveries[k::threads]]

    with ThreadPoolExecutor(threads) as pool:
        futures = [pool.submit(worker, k) for k in range(threads)]
        results = [future.result(timeout=60) for future in futures]
    return Counter(outcome for outcomes in results for outcome in outcomes)


def test_a_worker_that_loses_the_start_up_ddl_race_retries() -> None:
    attempts: list[int] = []

    def construct() -> str:
        attempts.append(len(attempts) + 1)
        if len(attempts) <= 2:
            raise InternalError("tuple concurrently updated")
        return "recorder"

    built = with_ddl_retry(construct, sleep=lambda seconds: None)

    assert (built, attempts) == ("recorder", [1, 2, 3])


def test_another_start_up_error_is_not_retried() -> None:
    attempts: list[int] = []

    def construct() -> str:
        attempts.append(1)
        raise InternalError("disk full")

    with pytest.raises(InternalError, match="disk full"):
        with_ddl_retry(construct, sleep=lambda seconds: None)
    assert attempts == [1]
