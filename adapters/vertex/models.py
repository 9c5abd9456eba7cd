"""Vertex Gateway's vocabulary, typed: statuses, payments and order snapshots.

A snapshot is what the provider says an order looks like, from a callback or from Retrieve
Order Details. Amounts are already exact ``Money`` in the order's currency. Nothing here knows
about the local Order; ``translate`` compares the two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from orderstate.engine.money import Money

__all__ = [
    "OrderSnapshot",
    "OrderStatus",
    "Payment",
    "PaymentMethod",
    "PaymentStatus",
    "PaymentType",
]


class _PastableEnum(StrEnum):
    """Reprs that paste back as Python (``OrderStatus.COMPLETED``), for shrunk test cases."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"


class OrderStatus(_PastableEnum):
    """``orderStatus`` (or ``status`` in the older callback spelling)."""

    REGISTERED = "registered"
    REVIEW = "review"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    FAILED = "failed"
    NEED_ACTION = "need_action"


class PaymentStatus(_PastableEnum):
    """``payments[].paymentStatus.status``; ``failed`` and ``refunded`` are inferred, not seen."""

    IN_PROGRESS = "in_progress"
    AUTHORIZED = "authorized"
    COMPLETED = "completed"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"
    FAILED = "failed"


class PaymentType(_PastableEnum):
    """``payments[].paymentType``: ``refund`` is seen; ``payment`` for a charge is inferred."""

    PAYMENT = "payment"
    REFUND = "refund"


@dataclass(frozen=True, slots=True)
class Payment:
    """One item of ``payments[]``: a charge or, with ``paymentType: refund``, a refund."""

    status: PaymentStatus
    amount: Money
    payment_type: PaymentType = PaymentType.PAYMENT


@dataclass(frozen=True, slots=True)
class OrderSnapshot:
    """The provider's view of one order at one moment (not a delta)."""

    shop_id: int
    order_number: str
    status: OrderStatus
    cost: Money
    payments: tuple[Payment, ...] = ()
    gateway_id: int | None = None
    payment_link: str | None = None
    review_timeout_hours: int | None = None

    def charges(self, *statuses: PaymentStatus) -> tuple[Payment, ...]:
        """The charge items (not refunds), optionally only those in ``statuses``."""
        return tuple(
            p
            for p in self.payments
            if p.payment_type is PaymentType.PAYMENT and (not statuses or p.status in statuses)
        )

    def refunds(self, *statuses: PaymentStatus) -> tuple[Payment, ...]:
        """The refund items, optionally only those in ``statuses``."""
        return tuple(
            p
            for p in self.payments
            if p.payment_type is PaymentType.REFUND and (not statuses or p.status in statuses)
        )


@dataclass(frozen=True, slots=True)
class PaymentMethod:
    """One item of ``GET /shops/{shopId}/payment-methods``."""

    provider_code: str
    acquirer_code: str
    instrument_type: str
    data_entry_modes: tuple[str, ...]
    entry_mode: str | None = None
    extra: dict[str, object] = field(default_factory=dict, compare=False)
