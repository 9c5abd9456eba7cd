"""``reconcile`` polls only the orders that can still change without the merchant (issue 12).

Before: it polled every non-final order, ``completed`` and ``partially_refunded`` included, so
a store of settled orders cost one provider call per order per run, forever (1,920 polls, 86 s
on a 3,000-order store). Now: a pending request, a payment in flight, or clearing past its
expected time; at most ``limit`` per run, the oldest change first. Polls are counted at the
provider (``httpx.MockTransport``); each answers 503, so no poll changes what is polled next.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
import pytest

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.service import OrderService, Shop
from orderstate.adapters.service.polling import CLEARING_DUE
from orderstate.adapters.vertex import VertexClient, VertexConfig
from orderstate.adapters.vertex.retry import RetryPolicy
from orderstate.engine import Money, Order, order_id
from tests.unit.vertex.helpers import SECRET

COST = Money.parse("100.00", "PHP")
LINK = "https://payment-page.stage.vertexgateway.com/payment?session-id=1&page-id=854"


class Provider:
    """Creates orders; counts polls (by order number) and answers each with a 503."""

    def __init__(self) -> None:
        self.polled: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(200, json={"data": {"orderNumber": "x", "paymentLink": LINK}})
        self.polled.append(request.url.path.rsplit("/", 1)[-1])
        return httpx.Response(503, json={"code": "503", "title": "Unavailable"})


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def _paid(order: Order) -> None:
    order.record_capture()


def _completed(order: Order) -> None:
    order.record_capture()
    order.record_clearing_started()
    order.record_settlement()


def _partially_refunded(order: Order) -> None:
    _completed(order)
    order.record_refund(Money.parse("10.00", "PHP"))


def _refund_pending(order: Order) -> None:
    _completed(order)
    order.request_refund(Money.parse("10.00", "PHP"))


def _clearing(order: Order) -> None:
    order.record_capture()
    order.record_clearing_started()


def _in_progress(order: Order) -> None:
    """Placed and issued its payment link: the customer may pay at any time."""


SHAPES: dict[str, Callable[[Order], None]] = {
    "S-completed": _completed,
    "S-part-refunded": _partially_refunded,
    "P-refund-pending": _refund_pending,
    "P-in-progress": _in_progress,
    "P-paid": _paid,
    "C-clearing": _clearing,
}
"""Order number -> how it got there, in the order of their last change (oldest first)."""


@pytest.fixture
def shop() -> tuple[OrderService, Provider, Clock]:
    provider, clock = Provider(), Clock()
    config = VertexConfig(token="test-token", retry=RetryPolicy(max_attempts=1))
    client = VertexClient(config, transport=httpx.MockTransport(provider))
    service = build_service(shops={115: Shop((SECRET,))}, vertex_client=client, clock=clock)
    for number, shape in SHAPES.items():  # a second apart, whichever clock stamps events
        service.place(shop_id=115, order_number=number, amount=COST)
        service.orders.change(_oid(number), shape)
        clock.now += timedelta(seconds=1)
        time.sleep(0.001)
    assert provider.polled == []
    return service, provider, clock


def test_settled_orders_are_not_polled_clearing_only_once_overdue(
    shop: tuple[OrderService, Provider, Clock],
) -> None:
    service, provider, clock = shop
    clock.now += timedelta(hours=1)

    counts = service.reconcile(older_than=timedelta(minutes=5))

    assert provider.polled == ["P-refund-pending", "P-in-progress", "P-paid"]
    assert counts == {"unreachable": 3}
    provider.polled.clear()
    clock.now += CLEARING_DUE

    service.reconcile(older_than=timedelta(minutes=5))

    assert provider.polled == ["P-refund-pending", "P-in-progress", "P-paid", "C-clearing"]


def test_at_most_limit_orders_oldest_change_first(
    shop: tuple[OrderService, Provider, Clock],
) -> None:
    service, provider, clock = shop
    clock.now += CLEARING_DUE + timedelta(hours=1)
    service.orders.change(_oid("P-refund-pending"), lambda o: o.record_refund(o.pending_amount))

    service.reconcile(limit=2)

    assert provider.polled == ["P-in-progress", "P-paid"]  # the refund settled it: not due
    provider.polled.clear()

    assert service.reconcile(limit=0) == {}
    assert provider.polled == []


def test_quiet_orders_only(shop: tuple[OrderService, Provider, Clock]) -> None:
    service, provider, _ = shop

    service.reconcile(older_than=timedelta(minutes=5))

    assert provider.polled == []  # every change is seconds old


def _oid(number: str) -> UUID:
    return order_id(115, number)
