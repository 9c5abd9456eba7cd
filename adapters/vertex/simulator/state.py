"""The simulated provider's in-memory records: shops, orders and their payment items.

These are the mutable rows behind the simulator. ``SimulatedGateway`` (``gateway.py``) is the
only thing that changes them, under its lock; everything outside sees immutable
``OrderSnapshot`` values taken from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from orderstate.engine.money import Money

from ..models import OrderSnapshot, OrderStatus, Payment, PaymentStatus, PaymentType

__all__ = [
    "FINAL_STATUSES",
    "NewOrder",
    "SimOrder",
    "SimPayment",
    "SimShop",
]

FINAL_STATUSES = frozenset(
    {
        OrderStatus.REFUNDED,
        OrderStatus.CANCELLED,
        OrderStatus.REJECTED,
        OrderStatus.FAILED,
    }
)
"""Statuses after which nothing happens to an order any more."""


@dataclass(frozen=True, slots=True)
class SimShop:
    """A shop: its id, the API tokens scoped to it, its callback secret and standard URL."""

    shop_id: int
    tokens: Sequence[str]
    secret: str
    callback_url: str | None = None
    """The shop's "standard callback" URL; an order's ``webhookUrl`` overrides it."""


@dataclass(frozen=True, slots=True)
class NewOrder:
    """A validated Create Order request: only what the simulator acts on."""

    shop_id: int
    order_number: str
    cost: Money
    auto_capture: bool = True
    time_limit: datetime | None = None
    webhook_url: str | None = None


@dataclass(slots=True, eq=False)
class SimPayment:
    """One item of ``payments[]``; charges change status, refund items are born completed."""

    status: PaymentStatus
    amount: Money
    payment_type: PaymentType = PaymentType.PAYMENT

    def frozen(self) -> Payment:
        return Payment(status=self.status, amount=self.amount, payment_type=self.payment_type)


@dataclass(slots=True, eq=False)
class SimOrder:
    """One order as the simulated provider keeps it."""

    gateway_id: int
    shop_id: int
    order_number: str
    cost: Money
    auto_capture: bool
    session_id: str
    payment_link: str
    created_at: datetime
    time_limit: datetime | None
    webhook_url: str | None
    status: OrderStatus = OrderStatus.REGISTERED
    payments: list[SimPayment] = field(default_factory=list)
    history: list[OrderStatus] = field(default_factory=lambda: [OrderStatus.REGISTERED])
    review_until: datetime | None = None
    review_timeout_hours: int | None = None
    refunds_pending: int = 0
    """Minor units of refunds accepted (202) but not applied yet."""

    @property
    def charge(self) -> SimPayment | None:
        """The customer's payment; the simulator allows one charge per order."""
        for payment in self.payments:
            if payment.payment_type is PaymentType.PAYMENT:
                return payment
        return None

    def charge_in(self, *statuses: PaymentStatus) -> SimPayment | None:
        charge = self.charge
        return charge if charge is not None and charge.status in statuses else None

    @property
    def refunded(self) -> Money:
        """Sum of the completed refund items (the provider's documented definition)."""
        total = Money.zero(self.cost.currency)
        for payment in self.payments:
            if payment.payment_type is PaymentType.REFUND:
                total += payment.amount
        return total

    def refundable(self) -> Money:
        """What may still be refunded, counting refunds accepted but not yet applied."""
        charge = self.charge_in(PaymentStatus.COMPLETED, PaymentStatus.PARTIALLY_REFUNDED)
        if charge is None:
            return Money.zero(self.cost.currency)
        left = charge.amount.minor - self.refunded.minor - self.refunds_pending
        return Money(max(left, 0), self.cost.currency)

    def snapshot(self) -> OrderSnapshot:
        review = self.review_timeout_hours if self.status is OrderStatus.REVIEW else None
        return OrderSnapshot(
            shop_id=self.shop_id,
            order_number=self.order_number,
            status=self.status,
            cost=self.cost,
            payments=tuple(payment.frozen() for payment in self.payments),
            gateway_id=self.gateway_id,
            payment_link=self.payment_link,
            review_timeout_hours=review,
        )
