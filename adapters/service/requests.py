"""Merchant requests: record the request on the order, then ask the provider to act.

One load of the order per request. The provider's answer is only an acknowledgement: its
callback (or a poll) brings the outcome. A definitive refusal is recorded on the order
(``RequestDeclined``) and raised, and so is a request that could not be sent at all
(``ProviderUnreachable``); an unknown outcome leaves the request pending.
"""

from __future__ import annotations

import logging

from orderstate.adapters.port import Operation, OutcomeUnknown, ProviderRefused, ProviderUnreachable
from orderstate.engine import InvalidAmount, Money, Order

from .orders import Orders
from .providers import Providers
from .views import OrderView

__all__ = ["Requests"]

log = logging.getLogger(__name__)


class Requests:
    """``request(operation, ...)`` for every ``Operation``."""

    def __init__(self, orders: Orders, providers: Providers) -> None:
        self.orders = orders
        self.providers = providers

    def request(
        self,
        operation: Operation,
        shop_id: int,
        order_number: str,
        amount: Money | str | None = None,
    ) -> OrderView:
        """Record ``operation`` and send it; ``amount`` (a refund's) may be a decimal string,
        read in the order's currency."""
        order = self.orders.require(shop_id, order_number)
        money = _money(order, amount)
        wanted = operation.request
        if wanted is not None:
            order = self.orders.change(order.id, lambda o: o.request(wanted, money), loaded=order)
        provider = self.providers.for_shop(shop_id)
        if not provider.connected:
            return OrderView.of(order)
        try:
            provider.request(operation, order, money)
        except (ProviderRefused, ProviderUnreachable) as error:
            if wanted is not None:  # refused, or never sent: either way nothing is pending
                reason = str(error) if isinstance(error, ProviderRefused) else f"not sent: {error}"
                order = self.orders.change(
                    order.id, lambda o: o.record_request_declined(reason), loaded=order
                )
            raise
        except OutcomeUnknown as error:
            log.warning("%s %s: outcome unknown (%s)", operation, order_number, error)
        return OrderView.of(order)


def _money(order: Order, amount: Money | str | None) -> Money | None:
    if amount is None or isinstance(amount, Money):
        return amount
    if not isinstance(amount, str):
        raise InvalidAmount(amount, order.currency, "give a decimal string or Money")
    return Money.parse(amount, order.currency)
