"""Refusals in the merchant's words: the order's reference, amounts in its currency, and what
the order allows now.

The engine's errors carry typed fields (``CommandRefused.state``, ``.event``) for programs; a
person at a terminal needs ``115/P-1: refund 20.01 PHP exceeds the 20.00 PHP still
refundable``. The wording is derived from the order's view and the life-cycle spec (which
merchant requests the current state allows), never from the engine's message text.
"""

from __future__ import annotations

from orderstate.adapters.port import Operation
from orderstate.adapters.service import OrderView
from orderstate.engine import (
    LIFECYCLE,
    CommandRefused,
    GuardFailed,
    Money,
    OperationPending,
    TransitionNotAllowed,
)

__all__ = ["allowed_now", "condition", "reference", "refusal"]

MERCHANT_EVENTS: dict[str, str] = {
    "CaptureRequested": Operation.CAPTURE.value,
    "CancelRequested": Operation.CANCEL.value,
    "RefundRequested": Operation.REFUND.value,
    "MismatchResolved": "resolve",
}
"""The life-cycle events a merchant command triggers, by the command's name."""


def reference(view: OrderView) -> str:
    """``SHOP/NUMBER``, as the merchant types it."""
    return f"{view.shop_id}/{view.order_number}"


def allowed_now(view: OrderView) -> tuple[str, ...]:
    """The merchant commands the order accepts in its current state, per the spec; none while
    a request awaits the provider's answer (the engine refuses a second one)."""
    if view.pending is not None:
        return ()
    return tuple(
        command
        for event, command in MERCHANT_EVENTS.items()
        if LIFECYCLE.candidates(view.state, event)
    )


def condition(view: OrderView) -> str | None:
    """Why the state matters to a merchant, from the amounts (None when nothing to add)."""
    allowed = allowed_now(view)
    if LIFECYCLE.is_final(view.state):
        return "final"
    if view.pending is not None:
        return f"a {view.pending} is awaiting the provider's answer"
    if view.captured.is_zero:
        if not view.authorized.is_zero:
            return f"{view.authorized} authorized, nothing captured yet"
        return "nothing captured yet"
    if not view.refunded.is_zero:
        return f"{view.refunded} of {view.captured} refunded"
    if "resolve" in allowed:
        return "the amount paid differs from the order's"
    if Operation.REFUND.value not in allowed:
        return f"{view.captured} captured, not settled yet"
    return None


def refusal(error: CommandRefused, view: OrderView, *, amount: Money | None = None) -> str:
    """One line saying why the order refused the command and what it allows instead.

    ``view`` is the order as it is (a refusal appends nothing); ``amount`` is what the merchant
    asked for, when the command took one.
    """
    ref = reference(view)
    verb = MERCHANT_EVENTS.get(error.event, error.event)
    if isinstance(error, OperationPending) and view.pending is not None:
        return (
            f"{ref}: cannot {verb}: a {view.pending} is already awaiting the provider's answer "
            "(`orderstate reconcile` asks it)"
        )
    if isinstance(error, GuardFailed) and error.event == "RefundRequested" and amount is not None:
        if amount.is_zero:
            return f"{ref}: a refund must be above zero"
        refundable = view.captured - view.refunded
        return f"{ref}: refund {amount} exceeds the {refundable} still refundable"
    if isinstance(error, GuardFailed) and error.event == "MismatchResolved" and amount is not None:
        return f"{ref}: cannot resolve keeping {amount}: more than the order's {view.amount}"
    if isinstance(error, TransitionNotAllowed) and error.event in MERCHANT_EVENTS:
        why = condition(view)
        state = f"{view.state} ({why})" if why else f"{view.state}"
        allowed = ", ".join(allowed_now(view)) or "nothing"
        return f"{ref}: cannot {verb}: the order is {state}; allowed now: {allowed}"
    return f"{ref}: cannot {verb} in state {view.state}: {error.reason}"
