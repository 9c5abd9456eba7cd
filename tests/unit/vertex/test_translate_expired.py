"""The translator and an order ``expired`` here (issue 10): the provider's end closes it, its
open view is stale, and money it held or took after all stops at ``need_action``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from orderstate.adapters.vertex.models import OrderSnapshot, OrderStatus, Payment, PaymentStatus
from orderstate.adapters.vertex.translate import Outcome, apply_snapshot
from orderstate.engine import Money, Order

COST = Money.parse("56.99", "PHP")
DEADLINE = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def expired(*, auto_capture: bool = True) -> Order:
    order = Order.place(
        shop_id=115,
        order_number="test04",
        amount=COST,
        auto_capture=auto_capture,
        time_limit=DEADLINE,
    )
    order.record_payment_link("https://payment-page.example/payment?session-id=1")
    order.lapse(DEADLINE + timedelta(minutes=1))
    order.collect_events()
    return order


def snap(status: OrderStatus, *payments: Payment) -> OrderSnapshot:
    return OrderSnapshot(115, "test04", status, COST, payments)


@pytest.mark.parametrize(
    ("snapshot", "auto_capture"),
    [
        (snap(OrderStatus.IN_PROGRESS, Payment(PaymentStatus.COMPLETED, COST)), True),
        (snap(OrderStatus.COMPLETED, Payment(PaymentStatus.COMPLETED, COST)), True),
        (snap(OrderStatus.REFUNDED), True),
        (snap(OrderStatus.IN_PROGRESS, Payment(PaymentStatus.AUTHORIZED, COST)), False),
    ],
    ids=["paid", "completed", "refunded", "held"],
)
def test_money_after_expiry_stops_at_need_action(
    snapshot: OrderSnapshot, auto_capture: bool
) -> None:
    order = expired(auto_capture=auto_capture)

    translation = apply_snapshot(order, snapshot)

    assert (translation.outcome, translation.events) == (
        Outcome.APPLIED,
        ("AmountMismatchDetected",),
    )
    assert order.state == "need_action"


@pytest.mark.parametrize(
    ("status", "state"),
    [
        (OrderStatus.CANCELLED, "cancelled"),
        (OrderStatus.FAILED, "failed"),
        (OrderStatus.REJECTED, "rejected"),
    ],
)
def test_the_providers_end_closes_an_expired_order(status: OrderStatus, state: str) -> None:
    order = expired()

    translation = apply_snapshot(order, snap(status))

    assert translation.outcome is Outcome.APPLIED
    assert order.state == state


@pytest.mark.parametrize("status", [OrderStatus.IN_PROGRESS, OrderStatus.REVIEW])
def test_an_open_view_of_an_expired_order_is_stale(status: OrderStatus) -> None:
    order = expired()

    translation = apply_snapshot(order, snap(status))

    assert translation.outcome is Outcome.STALE
    assert order.state == "expired"
