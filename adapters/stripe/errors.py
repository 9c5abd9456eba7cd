"""The Stripe adapter's own errors, translated into the port's neutral ones at the façade::

    StripeAdapterError (an OrderstateError)
    ├── SignatureVerificationError   Stripe-Signature missing, wrong, stale, or no secret matches
    ├── MalformedEvent               verified, but not an event this adapter can read
    │   └── NotAnOrder               an object that carries no order (no metadata, no intent)
    └── SnapshotRejected             the Stripe view contradicts the local order (kept, not applied)

Errors of calls to Stripe are the SDK's own (``stripe.StripeError`` and subclasses); the façade
maps them straight onto the port's ``ProviderRefused`` / ``OutcomeUnknown`` /
``ProviderUnreachable`` (``calls.neutral_error``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orderstate.engine import OrderstateError

if TYPE_CHECKING:
    from .objects import StripeView

__all__ = [
    "MalformedEvent",
    "NotAnOrder",
    "SignatureVerificationError",
    "SnapshotRejected",
    "StripeAdapterError",
]


class StripeAdapterError(OrderstateError):
    """Root of the Stripe adapter's errors."""


class SignatureVerificationError(StripeAdapterError):
    """The callback is not provably from Stripe (one error for every way it can fail)."""


class MalformedEvent(StripeAdapterError, ValueError):
    """A verified body that is not a readable Stripe event; ``field`` names what is wrong."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"event field {field!r}: {reason}")
        self.field = field
        self.reason = reason


class NotAnOrder(MalformedEvent):
    """An object with neither the order's metadata nor a PaymentIntent to look it up by."""


class SnapshotRejected(StripeAdapterError):
    """Stripe's view contradicts the order: nothing was appended; ``view`` is kept."""

    def __init__(self, order_number: str, view: StripeView, reason: str) -> None:
        super().__init__(f"order {order_number}: {reason}")
        self.order_number = order_number
        self.view = view
        self.reason = reason
