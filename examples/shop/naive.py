"""Ship when the payment is captured: the handler most shops write first.

The bug: followers of the log deliver at least once. A worker that dies after shipping and
before recording its position delivers the same ``PaymentCaptured`` again when it restarts (a
handler that raised is retried from the same update too), and this handler ships again.
"""

from __future__ import annotations

from orderstate.adapters.service import OrderUpdate
from orderstate.testing.stateful import Shipper

__all__ = ["on_order_update"]


def on_order_update(shop: Shipper, update: OrderUpdate) -> None:
    """The payment was captured: ship the order."""
    if "PaymentCaptured" in update.events:
        shop.ship(update.view.order_number)
