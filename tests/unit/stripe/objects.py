"""Stripe objects for the adapter's tests: Stripe's published examples with the fields a test
varies (fixtures/README.md says where they come from and their licence)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from orderstate.adapters.stripe.objects import StripeView, view_of
from orderstate.engine import Money, Order

FIXTURES = json.loads(
    (Path(__file__).parent / "fixtures" / "stripe_openapi_fixtures.json").read_text()
)["resources"]

SHOP = 115
NUMBER = "S-1"
AMOUNT = 1099
METADATA = {"shop_id": str(SHOP), "order_number": NUMBER}


def fixture(name: str, **changes: Any) -> dict[str, Any]:
    """A deep copy of Stripe's example ``name`` with ``changes`` applied (top-level keys)."""
    obj: dict[str, Any] = copy.deepcopy(FIXTURES[name])
    obj.update(changes)
    return obj


def intent(status: str, **changes: Any) -> dict[str, Any]:
    defaults: dict[str, Any] = {
        "status": status,
        "amount": AMOUNT,
        "metadata": dict(METADATA),
        "amount_capturable": AMOUNT if status == "requires_capture" else 0,
        "amount_received": AMOUNT if status == "succeeded" else 0,
        "capture_method": "automatic",
        "cancellation_reason": None,
        "latest_charge": None,
    }
    return fixture("payment_intent", **{**defaults, **changes})


def charge(**changes: Any) -> dict[str, Any]:
    defaults: dict[str, Any] = {
        "amount": AMOUNT,
        "amount_captured": AMOUNT,
        "amount_refunded": 0,
        "captured": True,
        "refunded": False,
        "status": "succeeded",
        "metadata": dict(METADATA),
        "payment_intent": "pi_1PgafyB7WZ01zgkWSjxsAJo3",
        # Since API version 2022-11-15 a charge does not list its refunds unless expanded.
        "refunds": None,
    }
    return fixture("charge", **{**defaults, **changes})


def dispute(status: str, *moves: int, amount: int = AMOUNT) -> dict[str, Any]:
    transactions = [
        fixture("balance_transaction", amount=move, type="adjustment") for move in moves
    ]
    return fixture(
        "dispute",
        status=status,
        amount=amount,
        balance_transactions=transactions,
        payment_intent="pi_1PgafyB7WZ01zgkWSjxsAJo3",
    )


def refund(status: str, **changes: Any) -> dict[str, Any]:
    return fixture("refund", status=status, **changes)


def view(obj: dict[str, Any], source: str = "test") -> StripeView:
    return view_of(obj, shop_id=SHOP, order_number=NUMBER, source=source)


def usd(minor: int) -> Money:
    return Money(minor, "USD")


def placed(*, auto_capture: bool = True) -> Order:
    order = Order.place(
        shop_id=SHOP, order_number=NUMBER, amount=usd(AMOUNT), auto_capture=auto_capture
    )
    order.collect_events()
    return order


def events_of(order: Order) -> list[str]:
    return [type(event).__name__ for event in order.collect_events()]
