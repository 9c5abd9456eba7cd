"""Placing an order: the edges of what is accepted, the exact refusals, and the fresh order."""

from __future__ import annotations

from datetime import datetime

import pytest

from orderstate.engine import InvalidOrder, Order

from .builders import php


def place(**kwargs: object) -> Order:
    arguments: dict[str, object] = {"shop_id": 1, "order_number": "n-1", "amount": php("1")}
    arguments.update(kwargs)
    return Order.place(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"shop_id": 0}, id="shop-zero"),
        pytest.param({"order_number": "x"}, id="one-character-number"),
        pytest.param({"order_number": "x" * 255}, id="longest-number"),
    ],
)
def test_places_an_order_at_the_edges_of_its_identity(kwargs: dict[str, object]) -> None:
    order = place(**kwargs)

    assert (order.shop_id, order.order_number) == (
        kwargs.get("shop_id", 1),
        kwargs.get("order_number", "n-1"),
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param(
            {"shop_id": "1"}, "shop_id must be a non-negative integer, got '1'", id="text-shop"
        ),
        pytest.param(
            {"shop_id": True}, "shop_id must be a non-negative integer, got True", id="bool-shop"
        ),
        pytest.param(
            {"order_number": "x" * 256}, "order_number must be 1 to 255 characters", id="long"
        ),
        pytest.param({"amount": php("0")}, "an order amount must be above zero", id="zero"),
        pytest.param(
            {"time_limit": datetime(2026, 1, 1)}, "time_limit must be timezone-aware", id="naive"
        ),
    ],
)
def test_refuses_an_invalid_order_saying_exactly_why(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidOrder) as refused:
        place(**kwargs)

    assert str(refused.value) == message


def test_a_new_order_has_nothing_pending_recorded_or_due() -> None:
    order = place()

    assert order.state == "created"
    assert (order.mismatch, order.pending, order.pending_amount) == (None, None, None)
    assert (order.payment_link, order.reason) == (None, None)
    assert order.reviewed is False
    assert order.merchant_must_confirm is False


def test_without_a_customer_email_the_merchant_sends_the_confirmation() -> None:
    order = place()

    assert order.customer_email_given is False
    assert order.confirmation_sender == "merchant"
