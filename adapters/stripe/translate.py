"""``StripeView`` → domain events: the shortest legal path, as for Vertex.

The rule is Vertex's (``orderstate.adapters.vertex.translate``): breadth-first over the
life-cycle spec, each step tried on a copy of the order so the guards decide, the first path
whose end agrees with the view is appended. What differs is only what "agrees" means, since a
Stripe view says part of the story (``None`` fields are not compared):

- a view with a state agrees when the order is in it, with the amounts the view gives;
- a dispute view agrees with the dispute the order records: open → ``disputed`` with that
  amount and the funds withdrawn so far; won → no longer ``disputed`` (back where the funds
  stand), lost → ``charged_back``.

A view older than the order is stale (no-op): a state the order has passed, fewer refunds or
withdrawn funds than recorded, an open dispute after it was decided. One that no path reaches
and that is not behind is rejected (kept, nothing appended). A failed or canceled refund declines
the pending refund request (``RequestDeclined``), the one fact here that is no path step.
An order ``expired`` here that Stripe shows with money held or taken goes to a person
(``AmountMismatchDetected``), as for Vertex.
"""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from orderstate.adapters.port import Outcome
from orderstate.engine import (
    LIFECYCLE,
    STATES_AHEAD,
    CommandRefused,
    Money,
    Order,
    Request,
    State,
)

from .errors import SnapshotRejected
from .objects import StripeView

__all__ = ["STEPS", "Translation", "apply_view"]

UNKNOWN_LINK = "urn:orderstate:stripe-client-secret-not-in-event"
"""Recorded when the order is first seen through an object without the intent's client secret."""

MAX_PATH = 10


@dataclass(frozen=True, slots=True)
class Translation:
    """The outcome and the names of the events appended (empty unless applied)."""

    outcome: Outcome
    events: tuple[str, ...] = ()


Step = Callable[[Order, StripeView], None]


def _zero(order: Order) -> Money:
    return Money(0, order.currency)


def _increment(done: Money, said: Money | None, order: Order) -> Money:
    """What the view says beyond what the order records (zero, which guards refuse, if none)."""
    return Money(max(0, (said or _zero(order)).minor - done.minor), order.currency)


def _dispute_opened(order: Order, view: StripeView) -> None:
    if view.dispute is None:
        raise _NoStep()
    order.record_dispute_opened(view.dispute.amount, view.dispute.reason)


def _withdrawn(order: Order, view: StripeView) -> None:
    if view.dispute is None:
        raise _NoStep()
    withdrawn = view.dispute.amount if view.dispute.outcome == "lost" else view.dispute.withdrawn
    order.record_dispute_funds_withdrawn(_increment(order.withdrawn, withdrawn, order))


def _dispute_won(order: Order, view: StripeView) -> None:
    if view.dispute is None or view.dispute.outcome != "won":
        raise _NoStep()
    order.record_dispute_won()


def _dispute_lost(order: Order, view: StripeView) -> None:
    if view.dispute is None or view.dispute.outcome != "lost":
        raise _NoStep()
    order.record_dispute_lost(view.dispute.amount)


def _captured(order: Order, view: StripeView) -> None:
    order.record_capture(view.captured if view.captured is not None else None)


def _authorized(order: Order, view: StripeView) -> None:
    held = view.voided if view.state == State.CANCELLED else view.authorized
    order.record_authorization(held if held is not None else order.amount)


STEPS: dict[str, Step] = {
    "PaymentLinkIssued": lambda o, v: o.record_payment_link(v.client_secret or UNKNOWN_LINK),
    "PaymentAuthorized": _authorized,
    "PaymentCaptured": _captured,
    "ClearingStarted": lambda o, v: o.record_clearing_started(),
    "OrderSettled": lambda o, v: o.record_settlement(),
    "OrderCancelled": lambda o, v: o.record_cancellation(v.reason or "stripe intent canceled"),
    "PaymentVoided": lambda o, v: o.record_void(),
    "RefundSucceeded": lambda o, v: o.record_refund(_increment(o.refunded, v.refunded, o)),
    "DisputeOpened": _dispute_opened,
    "DisputeFundsWithdrawn": _withdrawn,
    "DisputeWon": _dispute_won,
    "DisputeLost": _dispute_lost,
}
"""Events a Stripe view can imply, by the spec's names. Never inferred: merchant requests,
review (Stripe has no review step here), ``OrderFailed`` (a failed attempt leaves the intent
open), ``OrderRejected``, mismatches (but the expired-order rule) and ``OrderExpired``."""

_unknown = set(STEPS) - set(LIFECYCLE.events)
if _unknown:  # pragma: no cover - a renamed event must fail at import
    raise RuntimeError(f"Stripe translator steps name no event of the spec: {sorted(_unknown)}")


class _NoStep(Exception):
    """The view has nothing for this step to record (a dispute step without a dispute)."""


def _matches(order: Order, view: StripeView) -> bool:
    dispute = view.dispute
    if dispute is not None:
        if order.disputed != dispute.amount:
            return False
        if dispute.outcome == "open":
            return order.state == State.DISPUTED and order.withdrawn == dispute.withdrawn
        if dispute.outcome == "lost":
            return order.state == State.CHARGED_BACK
        if order.state in {State.DISPUTED, State.CHARGED_BACK}:
            return False
        if order.withdrawn != dispute.withdrawn:  # won: what was withdrawn came back
            return False
        if view.state is None:  # a won dispute's own event: back wherever it was
            return True
    return view.state is None or _matches_payment(order, view)


def _matches_payment(order: Order, view: StripeView) -> bool:
    if order.state != view.state:
        return False
    if view.state in {State.PARTIALLY_REFUNDED, State.REFUNDED}:
        return view.refunded is None or order.refunded == view.refunded
    if view.state == State.AUTHORIZED:
        return view.authorized is None or order.authorized == view.authorized
    if view.state == State.CANCELLED and view.voided is not None and not order.auto_capture:
        return order.authorized == view.voided
    return True


def plan(order: Order, view: StripeView) -> list[str] | None:
    """The shortest list of events that brings ``order`` to ``view``, or None if none does."""
    if _matches(order, view):
        return []
    queue: deque[tuple[Order, list[str]]] = deque([(order, [])])
    seen = {_key(order)}
    while queue:
        current, path = queue.popleft()
        if len(path) >= MAX_PATH:
            continue
        for event in _MOVES[current.state]:
            candidate = _trial_copy(current)
            try:
                STEPS[event](candidate, view)
            except (CommandRefused, _NoStep):
                continue
            if _matches(candidate, view):
                return [*path, event]
            if _key(candidate) not in seen:
                seen.add(_key(candidate))
                queue.append((candidate, [*path, event]))
    return None


def _key(order: Order) -> tuple[object, ...]:
    return (order.state, order.refunded, order.disputed, order.withdrawn)


_MOVES: dict[State, tuple[str, ...]] = {
    state: tuple(e for (source, e) in LIFECYCLE.table if source == state and e in STEPS)
    for state in LIFECYCLE.states
}


def _trial_copy(order: Order) -> Order:
    trial = copy.copy(order)
    trial._pending_events = []
    return trial


def apply_view(order: Order, view: StripeView) -> Translation:
    """Bring ``order`` up to Stripe's view; raise ``SnapshotRejected`` on a contradiction.

    The order is changed only on ``APPLIED`` (its pending events are the ones to save).
    """
    _check_identity(order, view)
    translation = _apply_payment(order, view)
    if view.refund_declined is None or order.pending is not Request.REFUND:
        return translation
    order.record_request_declined(view.refund_declined)
    return Translation(Outcome.APPLIED, (*translation.events, "RequestDeclined"))


def _apply_payment(order: Order, view: StripeView) -> Translation:
    if view.refunded is not None and view.captured is not None and view.refunded > view.captured:
        _reject(order, view, f"refunds {view.refunded} exceed the captured {view.captured}")
    if _matches(order, view) or (order.is_final and order.state == view.state):
        # An ended order that Stripe shows ended the same way is no news, whatever detail the
        # object adds (charge.expired's released hold after payment_intent.canceled).
        return Translation(Outcome.DUPLICATE)
    if order.state == State.EXPIRED and _money_moved(view):
        order.record_mismatch(view.captured or view.authorized or order.amount)
        return Translation(Outcome.APPLIED, ("AmountMismatchDetected",))
    if _is_behind(order, view):
        return Translation(Outcome.STALE)
    path = plan(order, view)
    if path is not None:
        for event in path:
            STEPS[event](order, view)
        return Translation(Outcome.APPLIED, tuple(path))
    said = str(view.state) if view.dispute is None else f"dispute {view.dispute.status}"
    _reject(order, view, f"stripe says {said!r} ({view.source}), local order is {order.state!s}")
    raise AssertionError("unreachable")  # pragma: no cover - _reject always raises


def _money_moved(view: StripeView) -> bool:
    return any(m is not None and not m.is_zero for m in (view.captured, view.authorized))


def _is_behind(order: Order, view: StripeView) -> bool:
    if view.refunded is not None and view.refunded < order.refunded:
        return True
    dispute = view.dispute
    if dispute is not None:
        if dispute.withdrawn < order.withdrawn:
            return True
        decided = order.dispute_from is not None and order.state != State.DISPUTED
        if dispute.outcome == "open" and decided:
            return True  # an update from before the dispute was decided
        if dispute.outcome != "open":
            return False
    if view.state is None:
        return False
    refunded_ok = view.refunded is None or view.refunded <= order.refunded
    return order.state in STATES_AHEAD[view.state] and refunded_ok


def _check_identity(order: Order, view: StripeView) -> None:
    if (view.shop_id, view.order_number) != (order.shop_id, order.order_number):
        _reject(order, view, "the object is for another order")
    money = [m for m in (view.amount, view.captured, view.refunded) if m is not None]
    if view.dispute is not None:
        money.append(view.dispute.amount)
    for amount in money:
        if amount.currency != order.currency:
            _reject(order, view, f"currency {amount.currency}, order is in {order.currency}")
    if view.amount is not None and view.amount != order.amount:
        _reject(order, view, f"amount {view.amount}, order is {order.amount}")


def _reject(order: Order, view: StripeView, reason: str) -> None:
    raise SnapshotRejected(order.order_number, view, reason)
