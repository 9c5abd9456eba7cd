"""The named guard predicates that ``specs/lifecycle.yaml`` refers to with ``cond``.

A guard sees the order as it is before the event and the event itself, and answers whether the
transition may be taken. Guards are pure: they read, never write, never look at a clock.
Currency agreement is checked before any guard runs (see ``Order``), so guards compare amounts
freely.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .order import Order

__all__ = ["GUARDS", "Guard"]

Guard = Callable[["Order", Any], bool]


def not_yet_reviewed(order: Order, event: Any) -> bool:
    """An order goes through antifraud review at most once."""
    return not order.reviewed


def two_stage_within_amount(order: Order, event: Any) -> bool:
    """Only two-stage orders authorize, and never above the order amount."""
    amount = event.amount
    return not order.auto_capture and not amount.is_zero and amount <= order.amount


def single_stage_full_amount(order: Order, event: Any) -> bool:
    """A single-stage payment captures exactly the order amount (anything else is a mismatch)."""
    return order.auto_capture and event.amount == order.amount


def capture_within_authorized(order: Order, event: Any) -> bool:
    """A two-stage capture takes some or all of what was authorized, never more."""
    amount = event.amount
    return not amount.is_zero and amount <= order.authorized


def amount_differs(order: Order, event: Any) -> bool:
    """A mismatch is only a mismatch when the paid amount is not the order amount."""
    return bool(event.paid != order.amount)


def refund_within_balance(order: Order, event: Any) -> bool:
    """A refund request must fit in what was captured and not yet refunded."""
    amount = event.amount
    return not amount.is_zero and order.refunded + amount <= order.captured


def refund_leaves_balance(order: Order, event: Any) -> bool:
    """A partial refund: something captured stays unrefunded."""
    amount = event.amount
    return not amount.is_zero and order.refunded + amount < order.captured


def refund_clears_balance(order: Order, event: Any) -> bool:
    """The refund that brings the refunded total to exactly the captured total."""
    amount = event.amount
    return not amount.is_zero and order.refunded + amount == order.captured


def dispute_within_balance(order: Order, event: Any) -> bool:
    """A dispute covers some of what was captured and not refunded; a charge is disputed once."""
    amount = event.amount
    return (
        order.disputed.is_zero and not amount.is_zero and order.refunded + amount <= order.captured
    )


def withdrawal_within_dispute(order: Order, event: Any) -> bool:
    """The bank withdraws at most the disputed amount, however many withdrawals it takes."""
    amount = event.amount
    return not amount.is_zero and order.withdrawn + amount <= order.disputed


def lost_in_full(order: Order, event: Any) -> bool:
    """A lost dispute takes the whole disputed amount (what was withdrawn and the rest)."""
    return bool(event.withdrawn == order.disputed)


def _won_back_to(state: str) -> Guard:
    def guard(order: Order, event: Any) -> bool:
        return bool(order.dispute_from == state and event.reinstated == order.withdrawn)

    guard.__name__ = f"won_back_to_{state}"
    guard.__doc__ = (
        f"A won dispute returns every withdrawn unit and goes back to {state}, where it began."
    )
    return guard


def _resolved_as(outcome: str) -> Guard:
    def guard(order: Order, event: Any) -> bool:
        return bool(event.resolution == outcome and event.captured <= order.amount)

    guard.__name__ = f"resolved_as_{outcome}"
    guard.__doc__ = f"Manual resolution of a mismatch as {outcome}, keeping at most the amount."
    return guard


GUARDS: Mapping[str, Guard] = MappingProxyType(
    {
        guard.__name__: guard
        for guard in (
            not_yet_reviewed,
            two_stage_within_amount,
            single_stage_full_amount,
            capture_within_authorized,
            amount_differs,
            refund_within_balance,
            refund_leaves_balance,
            refund_clears_balance,
            _resolved_as("completed"),
            _resolved_as("refunded"),
            _resolved_as("cancelled"),
            dispute_within_balance,
            withdrawal_within_dispute,
            lost_in_full,
            _won_back_to("paid"),
            _won_back_to("clearing"),
            _won_back_to("completed"),
            _won_back_to("partially_refunded"),
        )
    }
)
