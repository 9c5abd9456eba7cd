"""Every (state, event) pair: the order accepts exactly the moves the spec declares."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

import pytest

from orderstate.engine import LIFECYCLE, CommandRefused, Money, Order, TransitionNotAllowed

from .builders import placed


def valid_data(order: Order, event: str) -> dict[str, Any]:
    """Data that satisfies the event's guard, where the order's history allows it at all."""
    one = Money(1, order.currency)
    amounts = {
        "PaymentAuthorized": {"amount": order.amount},
        "PaymentCaptured": {"amount": order.amount if order.auto_capture else order.authorized},
        "AmountMismatchDetected": {"paid": order.amount + one},
        "InconsistencyReported": {"paid": order.captured, "reason": "test"},
        "RefundSucceeded": {"amount": order.captured - order.refunded},
        "RefundRequested": {"amount": order.captured - order.refunded},
        "MismatchResolved": {"resolution": "completed", "captured": order.amount},
        "PaymentLinkIssued": {"payment_link": "https://pay.example/1"},
        "RequestDeclined": {"operation": "refund", "reason": "412"},
        "ReviewDecisionRequested": {"accept": True},
        "DisputeOpened": {"amount": order.captured - order.refunded, "reason": "fraudulent"},
        "DisputeFundsWithdrawn": {"amount": order.disputed - order.withdrawn},
        "DisputeWon": {"reinstated": order.withdrawn},
        "DisputeLost": {"withdrawn": order.disputed},
    }
    if event in {"ReviewDeclined", "OrderFailed", "OrderCancelled", "OrderRejected"}:
        return {"reason": "test"}
    return amounts.get(event, {})


def fire(order: Order, event: str) -> None:
    order.record(getattr(Order, event), **valid_data(order, event))


def partial_refund(order: Order) -> None:
    order.record_refund(Money(1, order.currency))


MOVES = [*(lambda o, e=event: fire(o, e) for event in LIFECYCLE.events), partial_refund]


def orders_in_every_state() -> dict[str, list[Order]]:
    """Explore the life cycle from a single-stage and a two-stage order, keeping one per state."""
    found: dict[str, list[Order]] = {}
    frontier = [placed(auto_capture=True), placed(auto_capture=False)]
    seen = set()
    while frontier:
        order = frontier.pop()
        key = (order.state, order.auto_capture)
        if key in seen:
            continue
        seen.add(key)
        found.setdefault(order.state, []).append(order)
        for move in MOVES:
            attempt = deepcopy(order)
            try:
                move(attempt)
            except CommandRefused:
                continue
            frontier.append(attempt)
    return found


ORDERS = orders_in_every_state()
PAIRS = [(state, event) for state in LIFECYCLE.states for event in LIFECYCLE.events]


def test_exploration_reaches_every_state() -> None:
    assert set(ORDERS) == set(LIFECYCLE.states)


@pytest.mark.parametrize(("state", "event"), PAIRS, ids=[f"{s}-{e}" for s, e in PAIRS])
def test_accepts_exactly_the_transitions_of_the_spec(state: str, event: str) -> None:
    declared = (state, event) in LIFECYCLE.table
    accepted = []

    for order in ORDERS[state]:
        attempt = deepcopy(order)
        attempt.collect_events()
        try:
            fire(attempt, event)
        except TransitionNotAllowed:
            assert not declared
            assert attempt.version == order.version
            continue
        except CommandRefused:
            assert declared, "a guard refused a move the spec does not even declare"
            continue
        accepted.append(attempt.state)

    assert bool(accepted) == declared
    targets = {t.target for t in LIFECYCLE.candidates(state, event)}
    assert set(accepted) <= targets
