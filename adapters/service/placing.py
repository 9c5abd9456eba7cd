"""Placing an order: record it, create it at the provider, record the payment link."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from eventsourcing.application import AggregateNotFoundError

from orderstate.adapters.port import Checkout, Customer, Outcome, OutcomeUnknown, ProviderRefused
from orderstate.engine import InvalidOrder, Money, Order, State

from .callbacks import Callbacks
from .customers import (
    CheckoutChoice,
    ChoiceOnFile,
    CustomerOnFile,
    choice_record_id,
    customer_record_id,
)
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
        choice: CheckoutChoice | None = None,
    ) -> OrderView:
        """Record the order, ask the provider to create it, record the payment link.

        Placing the same order again continues where it stopped (never two provider orders);
        placing it again with another amount raises ``InvalidOrder``. A chosen payment method
        must be one the provider lists for the shop (``InvalidOrder`` before anything is
        recorded).
        """
        choice = choice or CheckoutChoice()
        order = self.orders.find(shop_id, order_number)
        placed_now = order is None
        if order is None and choice.payment_method is not None:
            self._check_method(shop_id, choice.payment_method)
        if order is None:
            with self.orders.stamping():
                order = Order.place(
                    shop_id=shop_id,
                    order_number=order_number,
                    amount=amount,
                    auto_capture=auto_capture,
                    time_limit=time_limit,
                    customer_email_given=bool(customer and customer.email),
                )
            kept: list[Any] = [] if customer is None else [CustomerOnFile.of(order.id, customer)]
            if choice:
                kept.append(ChoiceOnFile.of(order.id, choice))
            self.orders.save(order, *kept)
        elif order.amount != amount:
            raise InvalidOrder(f"order {order_number} exists with amount {order.amount}")
        if order.state == State.CREATED and self.providers.for_shop(shop_id).connected:
            order = self.create_at_provider(order, customer, self.choice_of(order))
        if placed_now:  # only a new order can have callbacks waiting for it (deferred)
            finished = self.callbacks.process_inbox(order_id=order.id)
            if any(result.outcome == Outcome.APPLIED for result in finished):
                order = self.orders.require(shop_id, order_number)
        return OrderView.of(order)

    def customer_of(self, order: Order) -> Customer | None:
        """The customer ``order`` was placed for, if one was given (for a re-create)."""
        try:
            record: CustomerOnFile = self.orders.load(customer_record_id(order.id))
        except AggregateNotFoundError:
            return None
        return record.customer

    def choice_of(self, order: Order) -> CheckoutChoice:
        """The payment method and return URLs ``order`` was placed with (for a re-create)."""
        try:
            record: ChoiceOnFile = self.orders.load(choice_record_id(order.id))
        except AggregateNotFoundError:
            return CheckoutChoice()
        return record.choice

    def _check_method(self, shop_id: int, method: str) -> None:
        offered = self.providers.for_shop(shop_id).payment_options(shop_id)
        if method not in {option.code for option in offered}:
            codes = ", ".join(option.code for option in offered) or "none"
            raise InvalidOrder(
                f"payment method {method!r} is not offered to shop {shop_id}; offered: {codes}"
            )

    def create_at_provider(
        self, order: Order, customer: Customer | None, choice: CheckoutChoice | None = None
    ) -> Order:
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
            payment_method=choice.payment_method if choice else None,
            success_url=choice.success_url if choice else None,
            failure_url=choice.failure_url if choice else None,
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
