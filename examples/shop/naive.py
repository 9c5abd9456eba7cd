"""Ship when the provider says the order is paid: the handler most shops write first.

The bug: the provider's notifications arrive at least once and in any order, and the service
passes on every one for a known order, even a duplicate or a stale one that changed nothing. An
order that is ``completed`` is still ``completed`` when its callback comes again, so it ships
again.
"""

from __future__ import annotations

from orderstate.adapters.service import OrderUpdate
from orderstate.testing.stateful import Shipper

__all__ = ["on_order_update"]


def on_order_update(shop: Shipper, update: OrderUpdate) -> None:
    """A notification from the provider says the order is paid: ship it."""
    if update.source == "callback" and update.view.state == "completed":
        shop.ship(update.view.order_number)
