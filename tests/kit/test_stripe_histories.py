"""Stripe histories from the adapter's outcome table, and the convergence property: any order
and duplication of an outcome's events, then the final poll, reaches the same state and amounts
as the events in order (and the state the table says)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderstate.testing.stripe_histories import (
    STRIPE_OUTCOMES,
    deliver,
    in_order,
    stripe_deliveries,
    stripe_histories,
    stripe_history,
    summary,
)

OUTCOMES = sorted(STRIPE_OUTCOMES)


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_every_outcome_in_order_ends_where_the_outcome_table_says(outcome: str) -> None:
    history = stripe_history(outcome)

    order = deliver(history, in_order(history))

    assert order.state == STRIPE_OUTCOMES[outcome].ends
    assert history.events, "Stripe says something about every order"


@pytest.mark.parametrize("outcome", OUTCOMES)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_order_and_duplication_of_the_events_converges(
    outcome: str, data: st.DataObject
) -> None:
    history = stripe_history(outcome)
    delivery = data.draw(stripe_deliveries(history), label="delivery")

    order = deliver(history, delivery)

    assert summary(order) == summary(deliver(history, in_order(history)))


@settings(max_examples=40, deadline=None)
@given(history=stripe_histories(), data=st.data())
def test_the_events_alone_never_pass_the_final_poll(history: object, data: st.DataObject) -> None:
    from orderstate.testing.stripe_histories import StripeHistory

    assert isinstance(history, StripeHistory)
    delivery = data.draw(stripe_deliveries(history), label="delivery")

    events_only = deliver(history, delivery, poll=False)
    polled = deliver(history, delivery)

    assert events_only.version <= polled.version
    assert polled.state == STRIPE_OUTCOMES[history.outcome].ends


def test_the_histories_cover_the_event_types_stripe_sends_for_orders() -> None:
    seen = {event["type"] for outcome in OUTCOMES for event in stripe_history(outcome).events}

    assert {
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
        "payment_intent.canceled",
        "charge.refunded",
        "charge.expired",
        "charge.dispute.created",
        "charge.dispute.closed",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.funds_reinstated",
    } <= seen


def test_an_unknown_outcome_is_refused() -> None:
    with pytest.raises(ValueError, match="no Stripe outcome"):
        stripe_histories(["not-an-outcome"])
