"""Stripe histories by outcome, and the convergence property, for your own tests.

A history is what Stripe sends for one order with a given outcome: its webhook events, in the
order they happened, and the final poll (settlement is only ever learnt by polling). Histories
are generated, not written by hand: each outcome of the adapter's table
(``orderstate.adapters.stripe.outcomes.OUTCOMES``) is played on the Stripe simulator through the
real adapter (the SDK on an in-process transport), and the events the simulator emitted are
kept. ``stripe_histories()`` draws them; ``stripe_deliveries(history)`` draws how they reach a
shop: any order, some twice. ``deliver(history, delivery)`` plays one on a freshly placed order
and returns it, so a test states the property in two lines::

    @given(data=st.data())
    def test_converges(data):
        history = data.draw(stripe_histories())
        order = deliver(history, data.draw(stripe_deliveries(history)))
        assert summary(order) == summary(deliver(history, in_order(history)))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import httpx
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from orderstate.adapters.port import Checkout, Fact, FactRejected, Operation
from orderstate.adapters.stripe import (
    EVENT_TYPES,
    StripeCalls,
    StripeConfig,
    StripeProvider,
    StripeView,
    idempotency_key,
    view_of,
)
from orderstate.adapters.stripe.outcomes import OUTCOMES, Story
from orderstate.adapters.stripe.simulator import DEFAULT_API_KEY, SimulatedStripe
from orderstate.engine import Money, Order

__all__ = [
    "STRIPE_OUTCOMES",
    "StripeHistory",
    "deliver",
    "in_order",
    "stripe_deliveries",
    "stripe_histories",
    "stripe_history",
    "summary",
]

STRIPE_OUTCOMES: Mapping[str, Story] = OUTCOMES
"""The adapter's outcome table, re-exported: every outcome has a history."""

SHOP_ID = 215
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class StripeHistory:
    """One order's Stripe events (``data.object`` snapshots, oldest first) and the final poll."""

    outcome: str
    shop_id: int
    order_number: str
    amount: Money
    two_stage: bool
    events: tuple[Mapping[str, Any], ...]
    final: StripeView

    def views(self) -> tuple[StripeView, ...]:
        """Each event read as the adapter reads it (the order is named by the kit)."""
        return tuple(
            view_of(
                event["data"]["object"],
                shop_id=self.shop_id,
                order_number=self.order_number,
                source=event["type"],
                event_id=event["id"],
            )
            for event in self.events
        )

    def place(self) -> Order:
        """The local order as the shop placed it, before Stripe said anything."""
        order = Order.place(
            shop_id=self.shop_id,
            order_number=self.order_number,
            amount=self.amount,
            auto_capture=not self.two_stage,
        )
        order.collect_events()
        return order


@cache
def stripe_history(outcome: str, *, minor: int = 2500, currency: str = "EUR") -> StripeHistory:
    """Play ``outcome`` on a fresh simulator through the adapter; its events and final poll."""
    story = OUTCOMES[outcome]
    sim = SimulatedStripe(
        start=START,
        processing_delay=timedelta(hours=1),
        settlement_delay=timedelta(days=2),
        dispute_delay=timedelta(hours=1),
        dispute_review_delay=timedelta(days=1),
    )
    config = StripeConfig(
        api_key=DEFAULT_API_KEY, base_url="http://stripe.sim", timeout=5.0, max_network_retries=0
    )
    calls = StripeCalls(config, http=httpx.Client(transport=sim.transport()))
    provider = StripeProvider(calls)
    number = f"kit-{outcome}"
    amount = Money(minor, currency)
    try:
        created = provider.create(
            Checkout(
                shop_id=SHOP_ID,
                order_number=number,
                amount=amount,
                auto_capture=not story.two_stage,
                time_limit=None,
                webhook_url=None,
            )
        )
        intent = (created.payment_link or "").split("_secret_")[0]
        for method in story.methods:
            sim.pay(intent, method)
        sim.advance(timedelta(hours=2))  # debits processed, disputes opened
        _merchant(sim, calls, provider, story, intent, number, amount)
        final = provider.poll(SHOP_ID, number).detail
    finally:
        provider.close()
    assert isinstance(final, StripeView)
    events = tuple(
        event.to_json()
        for event in sim.events.events
        if event.type in EVENT_TYPES and _belongs(event.object, intent)
    )
    return StripeHistory(outcome, SHOP_ID, number, amount, story.two_stage, events, final)


def _merchant(
    sim: SimulatedStripe,
    calls: StripeCalls,
    provider: StripeProvider,
    story: Story,
    intent: str,
    number: str,
    amount: Money,
) -> None:
    stub = Order.place(shop_id=SHOP_ID, order_number=number, amount=amount)
    for step in story.merchant:
        if step == "capture":
            provider.request(Operation.CAPTURE, stub, None)
        elif step == "cancel":
            provider.request(Operation.CANCEL, stub, None)
        elif step.startswith("refund"):
            sim.advance(timedelta(days=3))  # refunds after settlement, as the life cycle has it
            half = amount.minor // 2
            part = half if step == "refund_half" else amount.minor - half
            key = idempotency_key(SHOP_ID, number, step)
            calls.refund(intent, part, {}, key=key)
        else:
            for dispute in calls.disputes_of(intent):
                if step == "win_dispute":
                    sim.submit_evidence(dispute["id"], {"uncategorized_text": "winning_evidence"})
                else:
                    sim.close_dispute(dispute["id"])
    sim.advance(timedelta(days=8))  # funds available, holds expired, disputes decided


def _belongs(obj: Mapping[str, Any], intent: str) -> bool:
    return obj.get("id") == intent or obj.get("payment_intent") == intent


def stripe_histories(outcomes: Sequence[str] | None = None) -> SearchStrategy[StripeHistory]:
    """Histories of ``outcomes`` (every outcome of the table if None)."""
    names = sorted(OUTCOMES) if outcomes is None else list(outcomes)
    unknown = set(names) - set(OUTCOMES)
    if unknown:
        raise ValueError(f"no Stripe outcome {sorted(unknown)}; one of {sorted(OUTCOMES)}")
    return st.sampled_from(names).map(stripe_history)


Delivery = tuple[int, ...]
"""Indexes into a history's events, in delivery order (a repeated index: a duplicate)."""


def in_order(history: StripeHistory) -> Delivery:
    """Every event once, as it happened."""
    return tuple(range(len(history.events)))


def stripe_deliveries(history: StripeHistory) -> SearchStrategy[Delivery]:
    """Every event in any order, some twice (shrinks toward in order, no duplicates)."""
    count = len(history.events)
    every = st.permutations(range(count))
    again = st.lists(st.integers(0, max(0, count - 1)), max_size=3) if count else st.just([])
    return st.tuples(every, again).map(lambda pair: (*pair[0], *pair[1]))


def deliver(history: StripeHistory, delivery: Delivery, *, poll: bool = True) -> Order:
    """A freshly placed order after ``delivery`` of the history's events (a contradiction is
    kept, not applied, as the service does) and, with ``poll``, the final poll."""
    provider, order = StripeProvider(), history.place()
    views = history.views()
    facts = [views[index] for index in delivery]
    if poll:
        facts.append(history.final)
    for view in facts:
        fact = Fact(provider.name, history.shop_id, history.order_number, view)
        try:
            provider.bring_up_to_date(order, fact)
        except FactRejected:
            continue
    return order


def summary(order: Order) -> tuple[object, ...]:
    """What convergence compares: the state and every amount."""
    return (
        order.state,
        order.authorized,
        order.captured,
        order.refunded,
        order.disputed,
        order.withdrawn,
        order.reinstated,
        order.pending,
    )
