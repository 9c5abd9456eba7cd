"""Ship on the fact, not on the status: the ``PaymentCaptured`` event happens once per order.

``update.events`` lists the events just saved; a duplicate or stale callback saves none, and the
life cycle captures an order's payment at most once, whichever way the news arrived (callback,
poll, or the merchant's own capture).
"""

from __future__ import annotations

from orderstate.adapters.service import OrderUpdate
from orderstate.testing.stateful import Shipper

__all__ = ["on_order_update"]


def on_order_update(shop: Shipper, update: OrderUpdate) -> None:
    """The payment was just captured: ship the order."""
    if "PaymentCaptured" in update.events:
        shop.ship(update.view.order_number)
