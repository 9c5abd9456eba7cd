"""The provider's documented preconditions for merchant operations, as plain checks.

Each check raises the refusal the provider answers (412, or 409/400 where documented) and
returns nothing when the operation may go ahead. ``SimulatedGateway`` runs a check when the
operation is requested and again when it is applied (the order may have moved in between).

Where the docs are silent or the simulator is simpler than the provider:

- capture: ``in_progress``, ``autoCapture`` false, an ``authorized`` payment (full amount only).
- cancel: ``in_progress`` and every payment ``authorized`` (newer page) or no payment at all
  (older page): both are accepted.
- reject: the provider wants a payment ``in_progress``; the simulator's payments settle at once,
  so it allows any ``in_progress`` order whose payment is not ``completed``. A final order
  answers 409, as documented.
- refund: ``completed`` or ``partially_refunded``, the order's currency, more than zero, and at
  most what is unrefunded *minus refunds accepted but not yet applied*.
"""

from __future__ import annotations

from orderstate.engine.money import Money

from ..models import OrderStatus, PaymentStatus
from .refusals import conflict, invalid, precondition_failed
from .state import FINAL_STATUSES, SimOrder

__all__ = ["check_cancel", "check_capture", "check_refund", "check_reject"]


def check_capture(order: SimOrder) -> None:
    if order.status is not OrderStatus.IN_PROGRESS or order.auto_capture:
        raise precondition_failed("capture needs an in_progress order with autoCapture false")
    if order.charge_in(PaymentStatus.AUTHORIZED) is None:
        raise precondition_failed("capture needs an authorized payment")


def check_cancel(order: SimOrder) -> None:
    if order.status is not OrderStatus.IN_PROGRESS:
        raise precondition_failed(f"cancel needs an in_progress order, not {order.status}")
    if order.charge is not None and order.charge.status is not PaymentStatus.AUTHORIZED:
        raise precondition_failed("cancel needs every payment authorized (or no payment)")


def check_reject(order: SimOrder) -> None:
    if order.status in FINAL_STATUSES:
        title = "Order is no longer in a cancellable state (already processed)"
        raise conflict(title, f"order {order.order_number!r} is {order.status.value}")
    if order.status is not OrderStatus.IN_PROGRESS:
        raise precondition_failed(f"reject needs an in_progress order, not {order.status}")
    if order.charge_in(PaymentStatus.COMPLETED) is not None:
        raise precondition_failed("reject needs a payment that is not completed")


def check_refund(order: SimOrder, amount: Money) -> None:
    if amount.currency != order.cost.currency:
        raise invalid("cost.currency", f"must be the order's currency {order.cost.currency}")
    if amount.is_zero:
        raise invalid("cost.amount", "must be greater than zero")
    if order.status not in (OrderStatus.COMPLETED, OrderStatus.PARTIALLY_REFUNDED):
        raise precondition_failed(f"refund needs a completed order, not {order.status}")
    left = order.refundable()
    if amount > left:
        raise precondition_failed(f"refund of {amount} is over the unrefunded {left}")
