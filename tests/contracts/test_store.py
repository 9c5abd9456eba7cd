"""The store contract: the order service behaves the same on memory, SQLite and PostgreSQL.

Every test here runs once per backend (the ``store`` fixture), so the in-memory store the unit
tests use is proven to behave like the two real ones; the reopen tests run on the backends a
second service can share (``shared_store``).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from orderstate.adapters.service import CallbackResult, StateTotal
from orderstate.adapters.vertex.models import OrderSnapshot
from orderstate.engine import Money
from orderstate.testing.vertex_histories import HistorySpec, history
from tests.support.postgres import CountingService, Open, callback

EUR_10 = Money.parse("10.00", "EUR")


def send(service: CountingService, snapshot: OrderSnapshot, *, secret: str | None = None) -> str:
    """Deliver ``snapshot`` as a signed callback; returns the outcome."""
    return deliver(service, snapshot, secret=secret).outcome


def deliver(
    service: CountingService, snapshot: OrderSnapshot, *, secret: str | None = None
) -> CallbackResult:
    item = callback(snapshot) if secret is None else callback(snapshot, secret)
    return service.handle_callback(item.shop_id, item.body, item.headers)


def snapshots(outcome: str, number: str = "A-1", cost: Money = EUR_10) -> list[OrderSnapshot]:
    return history(outcome, HistorySpec(1, number, cost))


def names(service: CountingService, number: str = "A-1") -> list[str]:
    return [type(event).__name__ for event in service.history(1, number)]


def test_places_an_order_and_reads_it_back(store: str, open_service: Open) -> None:
    service = open_service(store)

    service.place(shop_id=1, order_number="A-1", amount=EUR_10)

    view = service.view(1, "A-1")
    assert (view.shop_id, view.order_number, view.state) == (1, "A-1", "created")
    assert (view.amount, view.captured, view.refunded) == (EUR_10, Money(0, "EUR"), Money(0, "EUR"))
    assert view.version == 1
    assert names(service) == ["OrderPlaced"]


def test_refuses_to_place_the_same_order_with_another_amount(
    store: str, open_service: Open
) -> None:
    service = open_service(store)
    service.place(shop_id=1, order_number="A-1", amount=EUR_10)

    with pytest.raises(ValueError, match="exists with amount"):
        service.place(shop_id=1, order_number="A-1", amount=Money.parse("10.01", "EUR"))

    assert names(service) == ["OrderPlaced"]


def test_applies_signed_callbacks_through_the_inbox(store: str, open_service: Open) -> None:
    service = open_service(store)
    service.place(shop_id=1, order_number="A-1", amount=EUR_10)

    outcomes = [send(service, snapshot) for snapshot in snapshots("paid_and_cleared")]

    assert outcomes == ["applied", "applied", "applied"]
    view = service.view(1, "A-1")
    assert (view.state, view.captured, view.refunded) == ("completed", EUR_10, Money(0, "EUR"))
    assert names(service) == [
        "OrderPlaced",
        "PaymentLinkIssued",
        "PaymentCaptured",
        "ConfirmationEmailDue",
        "ClearingStarted",
        "OrderSettled",
    ]


def test_a_duplicate_callback_changes_nothing(store: str, open_service: Open) -> None:
    service = open_service(store)
    service.place(shop_id=1, order_number="A-1", amount=EUR_10)
    paid = snapshots("paid_and_cleared")[-1]
    send(service, paid)
    before = service.view(1, "A-1")

    outcome = send(service, paid)

    assert outcome == "duplicate"
    assert service.view(1, "A-1") == before
    assert names(service).count("PaymentCaptured") == 1


def test_a_late_callback_is_stale_and_changes_nothing(store: str, open_service: Open) -> None:
    service = open_service(store)
    service.place(shop_id=1, order_number="A-1", amount=EUR_10)
    first, *_, last = snapshots("paid_and_cleared")
    send(service, last)
    before = service.view(1, "A-1")

    outcome = send(service, first)

    assert outcome == "stale"
    assert service.view(1, "A-1") == before


def test_a_callback_before_its_order_is_applied_when_the_order_is_placed(
    store: str, open_service: Open
) -> None:
    service = open_service(store)
    early = deliver(service, snapshots("paid_and_cleared")[-1])

    service.place(shop_id=1, order_number="A-1", amount=EUR_10)

    assert early.outcome == "deferred"
    assert service.view(1, "A-1").state == "completed"
    assert service.process_inbox() == []
    assert service.projection.inbox[early.inbox_id].status == "applied"


def test_keeps_and_lists_rejected_callbacks_with_their_reasons(
    store: str, open_service: Open
) -> None:
    service = open_service(store)
    service.place(shop_id=1, order_number="A-1", amount=EUR_10)
    first = snapshots("paid_and_cleared")[0]
    other_amount = replace(first, cost=Money.parse("99.00", "EUR"))

    forged = deliver(service, first, secret="not-the-shop-secret")
    contradiction = deliver(service, other_amount)

    assert (forged.outcome, contradiction.outcome) == ("unauthenticated", "rejected")
    rejected = {item.id: item for item in service.rejected_callbacks()}
    assert set(rejected) == {forged.inbox_id, contradiction.inbox_id}
    assert rejected[forged.inbox_id].kind == "unauthenticated"
    assert rejected[contradiction.inbox_id].kind == "conflict"
    assert "amount" in (rejected[contradiction.inbox_id].reason or "")
    assert names(service) == ["OrderPlaced"]


def test_totals_orders_by_state_per_currency_and_a_rebuild_agrees(
    store: str, open_service: Open
) -> None:
    service = open_service(store)
    yen = Money.parse("1500", "JPY")
    service.place(shop_id=1, order_number="E-1", amount=EUR_10)
    service.place(shop_id=1, order_number="E-2", amount=Money.parse("0.50", "EUR"))
    service.place(shop_id=1, order_number="J-1", amount=yen)
    service.place(shop_id=1, order_number="J-2", amount=yen)
    send(service, snapshots("paid_and_cleared", "E-1")[-1])
    send(service, snapshots("paid_and_cleared", "J-1", yen)[-1])

    totals = service.orders_by_state()
    rebuilt = service.orders_by_state(rebuild=True)

    assert totals == [
        StateTotal("completed", 2, (Money.parse("10.00", "EUR"), yen)),
        StateTotal("created", 2, (Money.parse("0.50", "EUR"), yen)),
    ]
    assert rebuilt == totals


def test_replay_verifies_every_order_and_counts_its_events(store: str, open_service: Open) -> None:
    service = open_service(store)
    for number, outcome in [("A-1", "fully_refunded"), ("A-2", "declined"), ("A-3", "expired")]:
        service.place(shop_id=1, order_number=number, amount=EUR_10)
        for snapshot in snapshots(outcome, number):
            send(service, snapshot)

    report = service.replay_verify()

    assert report.failures == ()
    assert report.orders == 3
    assert report.events == sum(len(names(service, n)) for n in ("A-1", "A-2", "A-3"))
    assert report.events == 8 + 3 + 3


def test_a_second_service_on_the_same_store_sees_the_same_orders(
    shared_store: str, open_service: Open
) -> None:
    first = open_service(shared_store)
    first.place(shop_id=1, order_number="A-1", amount=EUR_10)
    paid = snapshots("partially_refunded")
    for snapshot in paid[:3]:
        send(first, snapshot)

    second = open_service(shared_store)
    for snapshot in paid[3:]:
        send(second, snapshot)

    assert second.view(1, "A-1") == first.view(1, "A-1")
    assert first.view(1, "A-1").state == "partially_refunded"
    assert names(first) == names(second)
    assert first.orders_by_state() == second.orders_by_state()
    assert second.replay_verify().failures == ()


def test_a_reopened_store_still_has_everything(shared_store: str, open_service: Open) -> None:
    first = open_service(shared_store)
    first.place(shop_id=1, order_number="A-1", amount=EUR_10)
    results = [deliver(first, snapshot) for snapshot in snapshots("paid_and_cleared")]
    view, events = first.view(1, "A-1"), names(first)
    first.close()

    reopened = open_service(shared_store)

    assert reopened.view(1, "A-1") == view
    assert names(reopened) == events
    assert reopened.orders_by_state() == [StateTotal("completed", 1, (EUR_10,))]
    reopened.projection.catch_up()
    assert {item.id: item.status for item in reopened.projection.inbox.values()} == {
        result.inbox_id: "applied" for result in results
    }


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        ("0.00000001", "BTC"),
        ("20999999.99999999", "BTC"),
        ("0.000000000000000001", "ETH"),
        ("123456789.123456789012345678", "ETH"),
        ("1", "JPY"),
        ("9876543210", "JPY"),
    ],
)
def test_money_round_trips_exactly(
    store: str, open_service: Open, amount: str, currency: str
) -> None:
    service = open_service(store)
    cost = Money.parse(amount, currency)
    service.place(shop_id=1, order_number="M-1", amount=cost)

    for snapshot in snapshots("paid_and_cleared", "M-1", cost):
        send(service, snapshot)

    view = service.view(1, "M-1")
    assert (view.amount, view.authorized, view.captured) == (cost, cost, cost)
    assert view.amount.format_amount() == amount
    assert service.orders_by_state(rebuild=True) == [StateTotal("completed", 1, (cost,))]
