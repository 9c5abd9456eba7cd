"""Placing an order: record it, create it at the provider, record the payment link."""

from __future__ import annotations

import logging
from datetime import datetime

from orderstate.adapters.port import Checkout, Customer, Outcome, OutcomeUnknown, ProviderRefused
from orderstate.engine import InvalidOrder, Money, Order, State

from .callbacks import Callbacks
from .orders import Orders
from .providers import Providers
from .views import OrderView

__all__ = ["NO_LINK", "Placing"]

log = logging.getLogger(__name__)

NO_LINK = "urn:orderstate:payment-link-not-returned"
"""Recorded when the provider accepted the order but returned no payment link."""


class Placing:
    """``place`` and the provider half of it, which reconciliation resumes."""

    def __init__(self, orders: Orders, providers: Providers, callbacks: Callbacks) -> None:
        self.orders = orders
        self.providers = providers
        self.callbacks = callbacks

    def place(
        self,
        *,
        shop_id: int,
        order_number: str,
        amount: Money,
        auto_capture: bool = True,
        time_limit: datetime | None = None,
        customer: Customer | None = None,
    ) -> OrderView:
        """Record the order, ask the provider to create it, record the payment link.

        Placing the same order again continues where it stopped (never two provider orders);
        placing it again with another amount raises ``InvalidOrder``.
        """
        order = self.orders.find(shop_id, order_number)
        placed_now = order is None
        if order is None:
            order = Order.place(
                shop_id=shop_id,
                order_number=order_number,
                amount=amount,
                auto_capture=auto_capture,
                time_limit=time_limit,
                customer_email_given=bool(customer and customer.email),
            )
            self.orders.save(order)
        elif order.amount != amount:
            raise InvalidOrder(f"order {order_number} exists with amount {order.amount}")
        if order.state == State.CREATED and self.providers.for_shop(shop_id).connected:
            order = self.create_at_provider(order, customer)
        if placed_now:  # only a new order can have callbacks waiting for it (deferred)
            finished = self.callbacks.process_inbox(order_id=order.id)
            if any(result.outcome == Outcome.APPLIED for result in finished):
                order = self.orders.require(shop_id, order_number)
        return OrderView.of(order)

    def create_at_provider(self, order: Order, customer: Customer | None) -> Order:
        """Create ``order`` at its provider; a refusal fails it, an unknown outcome leaves it
        ``created`` for reconciliation, and ``ProviderUnreachable`` (nothing was sent) leaves it
        ``created`` and propagates, so the caller can say so and place it again."""
        shop = self.providers.shop(order.shop_id)
        checkout = Checkout(
            shop_id=order.shop_id,
            order_number=order.order_number,
            amount=order.amount,
            auto_capture=order.auto_capture,
            time_limit=order.time_limit,
            webhook_url=shop.webhook_url if shop else None,
            customer=customer,
        )
        try:
            created = self.providers.for_shop(order.shop_id).create(checkout)
        except OutcomeUnknown as error:
            log.warning("create %s: outcome unknown (%s); reconcile", order.order_number, error)
            return order
        except ProviderRefused as error:
            reason = f"provider refused: {error}"
            return self.orders.change(order.id, lambda o: o.record_failure(reason), loaded=order)
        link = created.payment_link or NO_LINK
        return self.orders.change(order.id, lambda o: _record_link_once(o, link), loaded=order)


def _record_link_once(order: Order, link: str) -> None:
    if order.state == State.CREATED:
        order.record_payment_link(link)
