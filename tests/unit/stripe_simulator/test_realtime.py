"""A served simulator on the wall clock: ``RealTime`` fires what fell due and delivers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from orderstate.adapters.stripe.simulator import RealTime, SimulatedStripe


def test_a_tick_catches_the_clock_up_and_delivers() -> None:
    received: list[httpx.Request] = []
    sender = httpx.Client(
        transport=httpx.MockTransport(lambda r: received.append(r) or httpx.Response(200))
    )
    sim = SimulatedStripe(
        start=datetime.now(UTC) - timedelta(hours=1),
        authorization_window=timedelta(minutes=30),
        sender=sender,
        auto_deliver=False,
    )
    sim.add_webhook_endpoint("http://shop.test/hook")
    intent = sim.create_intent(
        amount=500, currency="usd", capture_method="manual", payment_method="pm_card_visa"
    )
    sim.confirm_intent(intent["id"])

    delivered = RealTime(sim).step()

    assert sim.intent(intent["id"])["status"] == "canceled"
    assert delivered == len(received) == len(sim.events.events) == 5
    assert sim.clock.now() >= datetime.now(UTC) - timedelta(seconds=5)


def test_it_runs_in_a_thread_until_stopped() -> None:
    sim = SimulatedStripe(start=datetime.now(UTC) - timedelta(seconds=30))

    with RealTime(sim, tick=0.01) as clock:
        assert clock._thread is not None
        clock._stop.wait(0.05)

    assert sim.clock.now() >= datetime.now(UTC) - timedelta(seconds=5)
    assert clock._thread is not None
    assert not clock._thread.is_alive()


def test_refuses_a_tick_that_is_not_positive() -> None:
    with pytest.raises(ValueError, match="tick"):
        RealTime(SimulatedStripe(), tick=0)
