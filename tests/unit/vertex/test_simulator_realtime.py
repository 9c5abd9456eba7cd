"""A served simulator finishes what it starts: ``RealTime`` applies 202 operations after their
delay and keeps the clock on the wall clock; a POST to the payment link pays without a browser."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from orderstate.adapters.vertex.models import OrderStatus
from orderstate.adapters.vertex.simulator import SimShop, SimulatedGateway
from orderstate.adapters.vertex.simulator.realtime import RealTime
from orderstate.adapters.vertex.simulator.state import NewOrder
from orderstate.engine.money import Money

from .test_simulator import call


def paid_order(sim: SimulatedGateway, number: str = "order-1") -> None:
    sim.create_order(NewOrder(115, number, Money.parse("20.00", "PHP")))
    sim.pay(number)


def wait_until(condition: Callable[[], bool], *, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.01)


def test_a_step_applies_only_operations_older_than_the_delay() -> None:
    sim = SimulatedGateway()
    paid_order(sim)
    sim.refund("order-1", Money.parse("5.00", "PHP"))

    young = RealTime(sim, operation_delay=3600).step()
    left = sim.order("order-1").status
    due = RealTime(sim, operation_delay=0).step()

    assert (young, left) == (0, OrderStatus.COMPLETED)
    assert due == 1
    assert sim.order("order-1").status is OrderStatus.PARTIALLY_REFUNDED


def test_advancing_timers_leaves_queued_operations_alone() -> None:
    sim = SimulatedGateway()
    paid_order(sim)
    sim.refund("order-1", Money.parse("5.00", "PHP"))

    sim.advance_timers(timedelta(hours=1))

    assert sim.order("order-1").status is OrderStatus.COMPLETED
    assert sim.run_pending() == 1


def test_the_clock_follows_the_wall_clock_so_clearing_ends_when_due() -> None:
    sim = SimulatedGateway(
        start=datetime.now(UTC) - timedelta(days=2), clearing_delay=timedelta(days=1)
    )
    paid_order(sim)

    RealTime(sim).step()

    assert sim.order("order-1").status is OrderStatus.COMPLETED
    assert sim.clock.now() >= datetime.now(UTC) - timedelta(seconds=5)


def test_the_thread_completes_a_refund_and_delivers_its_callback() -> None:
    received: list[bytes] = []

    def shop_site(request: httpx.Request) -> httpx.Response:
        received.append(request.content)
        return httpx.Response(204)

    sender = httpx.Client(transport=httpx.MockTransport(shop_site))
    shop = SimShop(115, ("sim-token-115",), "secret", callback_url="http://shop.test/cb")
    sim = SimulatedGateway(shops=(shop,), sender=sender)
    paid_order(sim)
    sim.deliver()
    before = len(received)

    with RealTime(sim, operation_delay=0.05, tick=0.01):
        sim.refund("order-1", Money.parse("5.00", "PHP"))
        wait_until(lambda: len(received) > before)

    assert sim.order("order-1").status is OrderStatus.PARTIALLY_REFUNDED
    assert b'"partially_refunded"' in received[-1]
    sender.close()


@pytest.mark.parametrize("delay", [-1.0])
def test_a_negative_delay_is_refused(delay: float) -> None:
    with pytest.raises(ValueError, match="operation_delay"):
        RealTime(SimulatedGateway(), operation_delay=delay)


@pytest.mark.parametrize(
    ("form", "status"),
    [({}, "completed"), ({"action": "pay"}, "completed"), ({"action": "decline"}, "failed")],
)
def test_a_post_to_the_payment_link_acts_like_the_page(form: dict[str, str], status: str) -> None:
    sim = SimulatedGateway()
    link = sim.create_order(NewOrder(115, "order-1", Money.parse("20.00", "PHP"))).payment_link
    path = (link or "").removeprefix(sim.public_base_url)

    response = call(sim, "POST", path, token=None, data=form)

    assert response.status_code == 200, response.text
    assert response.json()["data"]["orderStatus"] == status
    assert sim.order("order-1").status.value == status


def test_a_post_to_an_unknown_payment_link_is_a_404() -> None:
    response = call(SimulatedGateway(), "POST", "/payment?session-id=nope", token=None)

    assert response.status_code == 404
