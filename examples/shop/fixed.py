"""Ship at least once, dedupe on the key: ``update.key`` is the same on every delivery.

``update.key`` names the stored event (``<order id>:<version>``); the life cycle captures an
order's payment at most once, whichever way the news arrived (callback, poll, or the
merchant's own capture), so one ``PaymentCaptured`` key is one shipment. The warehouse takes
it as its idempotency key: a redelivery after a crash, or a retry after the warehouse failed,
ships nothing twice, and a failed shipment is retried until it goes through.
"""

from __future__ import annotations

from orderstate.adapters.service import OrderUpdate
from orderstate.testing.stateful import Shipper

__all__ = ["on_order_update"]


def on_order_update(shop: Shipper, update: OrderUpdate) -> None:
    """The payment was captured: ship the order, keyed by the capture event."""
    if "PaymentCaptured" in update.events:
        shop.ship(update.view.order_number, key=update.key)
