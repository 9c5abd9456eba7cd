"""Provider snapshots → domain events: the anti-corruption layer.

A callback or a polled Retrieve Order Details is a *snapshot* of the provider's view, not a
delta, and it may arrive late, twice or out of order. ``provider_view`` reads a snapshot into
domain terms (a state and amounts) through the ``ORDER_STATUSES`` / ``PAYMENT_STATUSES``
tables. ``apply_snapshot`` then appends the **shortest legal path** of domain events from the
local order to that view, found by a breadth-first search over the life-cycle spec (each step
tried on a copy of the order, so guards decide, not a hand-written list).

Ordering rule for "behind" (the provider's statuses have the cycle in_progress ⇄ review):
an order is reviewed at most once, so a ``review`` snapshot after the review was decided is
stale; and while the local order is in ``review``, an ``in_progress`` snapshot with no payment
activity is the one from before the review, so it is stale too. Generally a snapshot whose
state can lead to the local state (an ancestor in the life cycle) with no more money moved is
stale; one that is neither ahead nor behind is rejected.

One rule overrides the search: an order ``expired`` here that the provider shows with money held
or taken stops at ``need_action`` (``AmountMismatchDetected``): the customer paid for an order
the shop gave up on, and a person decides (ship, or refund), never the translator.

And one rule closes the search: a ``need_action`` snapshot that no path reaches (the amounts
agree, so it is no amount mismatch) is the provider's "another inconsistency": it is recorded
with what is known (``InconsistencyReported``: what was paid, the provider's status), never
rejected, so that the order goes to a person as the provider says.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from orderstate.adapters.port import Outcome
from orderstate.engine import (
    LIFECYCLE,
    STATES_AHEAD,
    CommandRefused,
    Lifecycle,
    LifecycleSpecError,
    Money,
    Order,
    State,
)

from .errors import SnapshotRejected
from .models import OrderSnapshot, OrderStatus, PaymentStatus

__all__ = [
    "ORDER_STATUSES",
    "PAYMENT_STATUSES",
    "Outcome",
    "Translation",
    "View",
    "apply_snapshot",
    "check_steps",
    "plan",
    "provider_view",
]

UNKNOWN_LINK = "urn:orderstate:payment-link-not-in-snapshot"
"""Recorded when the order is first seen accepted through a snapshot without its paymentLink."""

MAX_PATH = 8


# What each provider order status means locally. in_progress depends on its payments.
ORDER_STATUSES: dict[OrderStatus, State] = {
    OrderStatus.REGISTERED: State.IN_PROGRESS,
    OrderStatus.IN_PROGRESS: State.IN_PROGRESS,  # or authorized / clearing / need_action: payments
    OrderStatus.REVIEW: State.REVIEW,
    OrderStatus.COMPLETED: State.COMPLETED,
    OrderStatus.PARTIALLY_REFUNDED: State.PARTIALLY_REFUNDED,
    OrderStatus.REFUNDED: State.REFUNDED,
    OrderStatus.CANCELLED: State.CANCELLED,
    OrderStatus.FAILED: State.FAILED,
    OrderStatus.REJECTED: State.REJECTED,
    OrderStatus.NEED_ACTION: State.NEED_ACTION,
}

# How each charge status counts: money held, money taken, or no money (ignored).
PAYMENT_STATUSES: dict[PaymentStatus, str] = {
    PaymentStatus.IN_PROGRESS: "ignored",
    PaymentStatus.AUTHORIZED: "held",
    PaymentStatus.COMPLETED: "taken",
    PaymentStatus.PARTIALLY_REFUNDED: "taken",
    PaymentStatus.REFUNDED: "taken",
    PaymentStatus.CANCELLED: "ignored",
    PaymentStatus.FAILED: "ignored",
}

# A refund item counts once the provider reports it completed (its own statuses are undocumented).
REFUND_DONE = (PaymentStatus.COMPLETED, PaymentStatus.REFUNDED)


@dataclass(frozen=True, slots=True)
class View:
    """The provider's view in domain terms."""

    state: State
    authorized: Money
    captured: Money
    refunded: Money
    paid: Money
    status: OrderStatus
    active: bool
    """Whether any payment activity shows (an item in ``payments[]``)."""
    voided: Money
    """Charges the provider lists as ``cancelled``: a two-stage hold that was released."""


@dataclass(frozen=True, slots=True)
class Translation:
    """The outcome and the names of the events appended (empty unless applied)."""

    outcome: Outcome
    """``APPLIED``, ``DUPLICATE`` or ``STALE`` (a contradiction raises ``SnapshotRejected``)."""
    events: tuple[str, ...] = ()


def _total(payments: tuple[Money, ...], currency: str) -> Money:
    total = Money(0, currency)
    for amount in payments:
        total = total + amount
    return total


def provider_view(snapshot: OrderSnapshot) -> View:
    """Read a snapshot as a domain state with amounts (mapping table above)."""
    currency = snapshot.cost.currency
    charges = snapshot.charges()
    held = _total(tuple(p.amount for p in charges if _counts(p.status, "held")), currency)
    taken = _total(tuple(p.amount for p in charges if _counts(p.status, "taken")), currency)
    refunded = _total(tuple(p.amount for p in snapshot.refunds(*REFUND_DONE)), currency)
    state = ORDER_STATUSES[snapshot.status]
    settled = snapshot.status in {
        OrderStatus.COMPLETED,
        OrderStatus.PARTIALLY_REFUNDED,
        OrderStatus.REFUNDED,
    }
    if settled and taken.is_zero:
        taken = snapshot.cost  # a settled order took its amount, even if payments[] is elided
    if snapshot.status is OrderStatus.REFUNDED and refunded.is_zero:
        refunded = taken
    if snapshot.status in {OrderStatus.IN_PROGRESS, OrderStatus.REGISTERED}:
        state = _in_progress_state(held, taken)
    if (settled or state == State.CLEARING) and taken != snapshot.cost:
        state = State.NEED_ACTION  # completed payments that do not add up are never completed
    return View(
        state=state,
        authorized=held if not held.is_zero else taken,
        captured=taken,
        refunded=refunded,
        paid=taken,
        status=snapshot.status,
        active=bool(snapshot.payments),
        voided=_total(
            tuple(p.amount for p in charges if p.status is PaymentStatus.CANCELLED), currency
        ),
    )


def _counts(status: PaymentStatus, kind: str) -> bool:
    return PAYMENT_STATUSES[status] == kind


def _in_progress_state(held: Money, taken: Money) -> State:
    if not taken.is_zero:
        return (
            State.CLEARING
        )  # paid; the seed's order stays in_progress during 1-3 days of clearing
    if not held.is_zero:
        return State.AUTHORIZED
    return State.IN_PROGRESS


# -- the steps the translator may take, one per domain event it can emit -------------------

Step = Callable[[Order, View, OrderSnapshot], None]


def _mismatch_resolution(order: Order, view: View, _: OrderSnapshot) -> None:
    if view.state == State.CANCELLED:
        order.resolve_mismatch("cancelled", Money(0, order.currency))
    elif view.state == State.REFUNDED:
        order.resolve_mismatch("refunded", view.captured)
    else:
        order.resolve_mismatch("completed", view.captured)


def _refund_increment(order: Order, view: View) -> Money:
    """What the provider refunded beyond the local total (zero, which guards refuse, if none)."""
    return Money(max(0, view.refunded.minor - order.refunded.minor), order.currency)


STEPS: dict[str, Step] = {
    "PaymentLinkIssued": lambda o, v, s: o.record_payment_link(s.payment_link or UNKNOWN_LINK),
    "SentToReview": lambda o, v, s: o.record_review_started(),
    "ReviewAccepted": lambda o, v, s: o.record_review_accepted(),
    "ReviewDeclined": lambda o, v, s: o.record_review_declined("declined by the provider's review"),
    "PaymentAuthorized": lambda o, v, s: o.record_authorization(
        v.voided if v.state == State.CANCELLED else v.authorized
    ),
    "PaymentCaptured": lambda o, v, s: o.record_capture(v.captured),
    "ClearingStarted": lambda o, v, s: o.record_clearing_started(),
    "OrderSettled": lambda o, v, s: o.record_settlement(),
    "AmountMismatchDetected": lambda o, v, s: o.record_mismatch(v.paid),
    "MismatchResolved": _mismatch_resolution,
    "OrderFailed": lambda o, v, s: o.record_failure(f"provider status {v.status}"),
    "OrderCancelled": lambda o, v, s: o.record_cancellation(f"provider status {v.status}"),
    "OrderRejected": lambda o, v, s: o.record_rejection(f"provider status {v.status}"),
    "PaymentVoided": lambda o, v, s: o.record_void(),
    "RefundSucceeded": lambda o, v, s: o.record_refund(_refund_increment(o, v)),
}
"""Events the provider's view can imply, keyed by the spec's event names (checked at import).
Merchant requests (``*Requested``, ``RequestDeclined``), ``InconsistencyReported`` (the
last resort of ``apply_snapshot``, never a step of a path) are never inferred from a snapshot
(a hold released for any reason reads ``cancelled``: ``PaymentVoided``);
``ConfirmationEmailDue`` follows ``PaymentCaptured`` by itself; ``OrderExpired`` is the shop's own
decision (``Order.lapse``)."""


def check_steps(steps: Mapping[str, Step], lifecycle: Lifecycle[str] = LIFECYCLE) -> None:
    """Refuse a step keyed by a name that is not an event of the spec (a typo or a renamed
    event would otherwise make the translator silently never take that step)."""
    for event in steps:
        if event not in lifecycle.events:
            raise LifecycleSpecError(event, "a translator step names no event of the spec")


check_steps(STEPS)


def _matches(order: Order, view: View) -> bool:
    if order.state != view.state:
        return False
    if view.state in {State.PARTIALLY_REFUNDED, State.REFUNDED}:
        return order.refunded == view.refunded
    if view.state == State.AUTHORIZED:
        return order.authorized == view.authorized
    if view.state == State.CANCELLED and not order.auto_capture and not view.voided.is_zero:
        return order.authorized == view.voided  # a void: the hold is part of the history
    return True


def plan(order: Order, view: View, snapshot: OrderSnapshot) -> list[str] | None:
    """The shortest list of events that brings ``order`` to ``view``, or None if none does."""
    if _matches(order, view):
        return []
    queue: deque[tuple[Order, list[str]]] = deque([(order, [])])
    seen = {(order.state, order.refunded)}
    while queue:
        current, path = queue.popleft()
        if len(path) >= MAX_PATH:
            continue
        for event in _moves_from(current.state):
            candidate = _trial_copy(current)
            try:
                STEPS[event](candidate, view, snapshot)
            except CommandRefused:
                continue
            if _matches(candidate, view):
                return [*path, event]
            key = (candidate.state, candidate.refunded)
            if key not in seen:
                seen.add(key)
                queue.append((candidate, [*path, event]))
    return None


_MOVES: dict[State, tuple[str, ...]] = {
    state: tuple(e for (source, e) in LIFECYCLE.table if source == state and e in STEPS)
    for state in LIFECYCLE.states
}
"""The events the translator may emit from each state, in the spec's order (worked out once)."""


def _moves_from(state: State) -> tuple[str, ...]:
    return _MOVES[state]


def _trial_copy(order: Order) -> Order:
    """A copy to try a step on: the order's fields are immutable values, so a shallow copy with
    its own pending-events list is independent (and far cheaper than ``deepcopy``). Made as
    ``copy.copy`` makes it (a new instance, the same ``__dict__``) without its ``__reduce_ex__``
    round trip: a third of the cost, and ``plan`` makes ~4 copies a callback."""
    trial: Order = object.__new__(type(order))
    trial.__dict__.update(order.__dict__)
    trial._pending_events = []
    return trial


def apply_snapshot(order: Order, snapshot: OrderSnapshot) -> Translation:
    """Bring ``order`` up to the provider's view; raise ``SnapshotRejected`` on contradiction.

    The order is changed only on ``APPLIED`` (its pending events are the ones to save).
    """
    _check_identity(order, snapshot)
    view = provider_view(snapshot)
    if view.refunded > view.captured:
        _reject(order, snapshot, f"refunds {view.refunded} exceed the captured {view.captured}")
    if _matches(order, view):
        return Translation(Outcome.DUPLICATE)
    if _is_pre_review(order, view):
        return Translation(Outcome.STALE)
    if order.state == State.EXPIRED and not view.authorized.is_zero:
        STEPS["AmountMismatchDetected"](order, view, snapshot)
        return Translation(Outcome.APPLIED, ("AmountMismatchDetected",))
    path = plan(order, view, snapshot)
    if path is not None:
        for event in path:
            STEPS[event](order, view, snapshot)
        return Translation(Outcome.APPLIED, tuple(path))
    if _is_behind(order, view):
        return Translation(Outcome.STALE)
    if view.state == State.NEED_ACTION and _records_inconsistency(order, view):
        return Translation(Outcome.APPLIED, ("InconsistencyReported",))
    provider, local = str(view.state), str(order.state)  # the names, not State reprs
    _reject(order, snapshot, f"provider says {provider!r}, local order is {local!r}")
    raise AssertionError("unreachable")  # pragma: no cover - _reject always raises


def _records_inconsistency(order: Order, view: View) -> bool:
    """Record the provider's ``need_action`` with what is known, where the life cycle allows."""
    reason = f"provider status need_action with {view.paid} paid of {order.amount}"
    try:
        order.record_inconsistency(view.paid, reason)
    except CommandRefused:
        return False
    return True


def _check_identity(order: Order, snapshot: OrderSnapshot) -> None:
    if (snapshot.shop_id, snapshot.order_number) != (order.shop_id, order.order_number):
        _reject(order, snapshot, "the snapshot is for another order")
    if snapshot.cost.currency != order.currency:
        _reject(order, snapshot, f"currency {snapshot.cost.currency}, order is in {order.currency}")
    if snapshot.cost != order.amount:
        _reject(order, snapshot, f"amount {snapshot.cost}, order is {order.amount}")


def _is_pre_review(order: Order, view: View) -> bool:
    """While in review, an in_progress snapshot with no payment is the one from before it."""
    return order.state == State.REVIEW and view.state == State.IN_PROGRESS and not view.active


def _is_behind(order: Order, view: View) -> bool:
    if view.refunded < order.refunded:
        return True
    return order.state in STATES_AHEAD[view.state] and view.refunded <= order.refunded


def _reject(order: Order, snapshot: OrderSnapshot, reason: str) -> None:
    raise SnapshotRejected(order.order_number, snapshot, reason)
