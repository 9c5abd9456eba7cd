"""The Order aggregate: one order's payment life cycle as an event-sourced state machine.

Commands check the life-cycle table (``specs/lifecycle.yaml``) and its guards, then trigger one
event; applying an event is pure (no clock, no I/O), so the order is always the fold of its
events. A refused command raises a ``CommandRefused`` subclass and appends nothing.

Command names tell direction: ``record_*`` records a fact the provider reported
(``record_capture`` → ``PaymentCaptured``), ``request_*`` sends a merchant request that stays
pending until the provider answers (``request_capture`` → ``CaptureRequested``), and
``resolve_mismatch`` / ``expire`` / ``lapse`` are local decisions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from .errors import (
    CommandRefused,
    DeadlineNotReached,
    GuardFailed,
    InvalidAmount,
    InvalidOrder,
    OperationPending,
    TransitionNotAllowed,
)
from .guards import GUARDS
from .lifecycle import Transition
from .money import Money
from .states import LIFECYCLE, State

__all__ = ["LIFECYCLE", "ORDER_NAMESPACE", "Order", "Request", "order_id", "stamped_by"]

ORDER_NAMESPACE = uuid5(NAMESPACE_URL, "https://orderstate.dev/ns/order")
"""Namespace of order ids: the same (shop, order number) gives the same id everywhere."""


class Request(StrEnum):
    """A merchant request the provider answers later: it stays pending until then."""

    CAPTURE = "capture"
    CANCEL = "cancel"
    REFUND = "refund"
    REJECT = "reject"
    ACCEPT_REVIEW = "accept_review"
    DECLINE_REVIEW = "decline_review"


Resolution = Literal["completed", "refunded", "cancelled"]
MAX_ORDER_NUMBER = 255

_EVENT_CLOCK: ContextVar[Callable[[], datetime] | None] = ContextVar(
    "orderstate_event_clock", default=None
)


@contextmanager
def stamped_by(clock: Callable[[], datetime]) -> Iterator[None]:
    """Stamp the events decided inside the block with ``clock`` rather than the wall clock.

    A service with a simulated clock then has one clock: its jobs compare the same time its
    events carry (read when an event is decided, never when one is applied).
    """
    token = _EVENT_CLOCK.set(clock)
    try:
        yield
    finally:
        _EVENT_CLOCK.reset(token)


def _timestamp(event_class: type[Any]) -> datetime:
    clock = _EVENT_CLOCK.get()
    return event_class.create_timestamp() if clock is None else clock()


def order_id(shop_id: int, order_number: str) -> UUID:
    """The order's aggregate id, derived from its provider identity (no lookup table needed)."""
    return uuid5(ORDER_NAMESPACE, f"{shop_id}:{order_number}")


class Order(Aggregate):
    """An order's payment life cycle; read its attributes, change it only through commands."""

    class Event(Aggregate.Event):
        """Base of the order's transition events: moves the state by the life-cycle table.

        A transition the spec does not mark ``internal`` is the provider's answer, so it settles
        the pending request, if any; internal ones (requests, reminders) leave it alone.
        """

        def apply(self, aggregate: Any) -> None:
            order: Order = aggregate
            transition = order._resolve(type(self).__name__, self)
            order.state = transition.target
            # Only RefundRequested sets pending_amount, always with pending: skip no-op stores.
            if not transition.internal and order.pending is not None:
                order.pending = None
                order.pending_amount = None
            self.evolve(order)

        def evolve(self, order: Order) -> None:
            """Event-specific changes beyond the state; most events carry none."""

    class OrderPlaced(Aggregate.Created):
        shop_id: int
        order_number: str
        amount: Money
        auto_capture: bool
        time_limit: datetime | None
        customer_email_given: bool

        def apply(self, aggregate: Any) -> None:
            """``__init__`` builds the order from this event's fields; no transition to take."""

    class PaymentLinkIssued(Event):
        payment_link: str

        def evolve(self, order: Order) -> None:
            order.payment_link = self.payment_link

    class SentToReview(Event):
        def evolve(self, order: Order) -> None:
            order.reviewed = True

    class ReviewAccepted(Event):
        pass

    class ReviewDeclined(Event):
        reason: str

        def evolve(self, order: Order) -> None:
            order.reason = self.reason

    class PaymentAuthorized(Event):
        amount: Money

        def evolve(self, order: Order) -> None:
            order.authorized = self.amount

    class PaymentCaptured(Event):
        amount: Money

        def evolve(self, order: Order) -> None:
            if order.auto_capture:
                order.authorized = self.amount
            order.captured = self.amount

    class ConfirmationEmailDue(Event):
        """The customer gave no email, so the provider will not confirm: the merchant must."""

        def evolve(self, order: Order) -> None:
            order.merchant_must_confirm = True

    class ClearingStarted(Event):
        pass

    class OrderSettled(Event):
        pass

    class AmountMismatchDetected(Event):
        paid: Money

        def evolve(self, order: Order) -> None:
            order.mismatch = self.paid

    class InconsistencyReported(Event):
        """The provider reports ``need_action`` for an inconsistency other than the amount
        (its docs: "or another inconsistency"): kept with what is known, for a person."""

        paid: Money
        reason: str

        def evolve(self, order: Order) -> None:
            order.mismatch = self.paid
            order.reason = self.reason

    class MismatchResolved(Event):
        """A person (``by``) settled the mismatch with the customer, for ``reason``.

        Version 2 added ``by`` and ``reason``; version 1 events (stored before) read back with
        both None: nobody recorded who or why.
        """

        class_version = 2

        resolution: str
        captured: Money
        by: str | None = None
        reason: str | None = None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["by"] = None
            state["reason"] = None

        def evolve(self, order: Order) -> None:
            order.authorized = order.captured = self.captured
            order.refunded = self.captured if self.resolution == "refunded" else order.refunded
            order.mismatch = None

    class OrderFailed(Event):
        reason: str

        def evolve(self, order: Order) -> None:
            order.reason = self.reason

    class OrderCancelled(Event):
        reason: str

        def evolve(self, order: Order) -> None:
            order.reason = self.reason

    class OrderRejected(Event):
        reason: str

        def evolve(self, order: Order) -> None:
            order.reason = self.reason

    class OrderExpired(Event):
        """The time limit passed here; the provider has not ended the order (yet)."""

        def evolve(self, order: Order) -> None:
            order.reason = "expired"

    class PaymentVoided(Event):
        def evolve(self, order: Order) -> None:
            order.reason = "voided"

    class AuthorizationExpired(Event):
        """No longer in the life cycle and never emitted: Vertex does not document a hold
        lapsing by itself, and a released hold reads the same however it was released
        (``cancelled``, recorded as ``PaymentVoided``). Kept so that a stored one still reads
        back, as what it meant: the hold is gone and the order ``cancelled``."""

        def apply(self, aggregate: Any) -> None:
            order: Order = aggregate
            order.state = State.CANCELLED
            order.pending = None
            order.pending_amount = None
            order.reason = "authorization expired"

    class RefundSucceeded(Event):
        amount: Money

        def evolve(self, order: Order) -> None:
            order.refunded = order.refunded + self.amount

    class DisputeOpened(Event):
        """The customer's bank disputes ``amount`` of the captured payment (a chargeback)."""

        amount: Money
        reason: str

        def apply(self, aggregate: Any) -> None:
            order: Order = aggregate
            before = order.state
            super().apply(order)
            # Where it was disputed from: a won dispute goes back there (the spec's guards).
            order.dispute_from = before

        def evolve(self, order: Order) -> None:
            order.disputed = self.amount
            order.dispute_reason = self.reason

    class DisputeFundsWithdrawn(Event):
        """``amount`` of the disputed funds was taken from the merchant while the dispute runs."""

        amount: Money

        def evolve(self, order: Order) -> None:
            order.withdrawn = order.withdrawn + self.amount

    class DisputeWon(Event):
        """The merchant won: the withdrawn funds (``reinstated``) came back."""

        reinstated: Money

        def evolve(self, order: Order) -> None:
            order.reinstated = order.reinstated + self.reinstated

    class DisputeLost(Event):
        """The merchant lost: ``withdrawn`` (the whole disputed amount) is gone for good."""

        withdrawn: Money

        def evolve(self, order: Order) -> None:
            order.withdrawn = self.withdrawn

    class CaptureRequested(Event):
        def evolve(self, order: Order) -> None:
            order.pending = Request.CAPTURE

    class CancelRequested(Event):
        def evolve(self, order: Order) -> None:
            order.pending = Request.CANCEL

    class RefundRequested(Event):
        amount: Money

        def evolve(self, order: Order) -> None:
            order.pending = Request.REFUND
            order.pending_amount = self.amount

    class RejectRequested(Event):
        """The merchant asked the provider to force-cancel an order in processing."""

        def evolve(self, order: Order) -> None:
            order.pending = Request.REJECT

    class ReviewDecisionRequested(Event):
        """The merchant told the provider its antifraud review decision."""

        accept: bool

        def evolve(self, order: Order) -> None:
            order.pending = Request.ACCEPT_REVIEW if self.accept else Request.DECLINE_REVIEW

    class RequestDeclined(Event):
        """The provider refused the pending request: internal (the life cycle stays where it
        is), yet it settles the request, since that is what declining it means."""

        operation: Request
        """The declined request (read back from a store as its plain string, which is equal)."""
        reason: str

        def evolve(self, order: Order) -> None:
            order.pending = None
            order.pending_amount = None

    def __init__(
        self,
        shop_id: int,
        order_number: str,
        amount: Money,
        auto_capture: bool,
        time_limit: datetime | None,
        customer_email_given: bool,
    ) -> None:
        zero = Money(0, amount.currency)
        self.shop_id = shop_id
        self.order_number = order_number
        self.amount = amount
        self.auto_capture = auto_capture
        self.time_limit = time_limit
        self.customer_email_given = customer_email_given
        self.state: State = LIFECYCLE.initial
        self.authorized = self.captured = self.refunded = zero
        self.mismatch: Money | None = None
        self.pending: Request | None = None
        self.pending_amount: Money | None = None
        self.payment_link: str | None = None
        self.reviewed = False
        self.merchant_must_confirm = False
        self.reason: str | None = None
        self.disputed = self.withdrawn = self.reinstated = zero
        self.dispute_from: State | None = None
        self.dispute_reason: str | None = None

    # -- creation -------------------------------------------------------------------------

    @classmethod
    def place(
        cls,
        *,
        shop_id: int,
        order_number: str,
        amount: Money,
        auto_capture: bool = True,
        time_limit: datetime | None = None,
        customer_email_given: bool = False,
    ) -> Order:
        """Record a new order locally (``created``), before the provider has seen it."""
        _check_identity(shop_id, order_number)
        if amount.is_zero:
            raise InvalidOrder("an order amount must be above zero")
        if time_limit is not None and time_limit.utcoffset() is None:
            raise InvalidOrder("time_limit must be timezone-aware")
        return cls._create(
            cls.OrderPlaced,
            id=order_id(shop_id, order_number),
            shop_id=shop_id,
            order_number=order_number,
            amount=amount,
            auto_capture=auto_capture,
            time_limit=time_limit,
            customer_email_given=customer_email_given,
            timestamp=_timestamp(cls.OrderPlaced),
        )

    # -- reading --------------------------------------------------------------------------

    @property
    def currency(self) -> str:
        return self.amount.currency

    @property
    def is_final(self) -> bool:
        return LIFECYCLE.is_final(self.state)

    @property
    def confirmation_sender(self) -> Literal["provider", "merchant"]:
        """Who emails the customer the payment confirmation (the provider needs an email)."""
        return "provider" if self.customer_email_given else "merchant"

    # -- provider facts: record_* (one command per event) ---------------------------------

    def record_payment_link(self, payment_link: str) -> None:
        """The provider accepted the order and issued its payment page."""
        if not payment_link:
            raise self._refusal(GuardFailed, "PaymentLinkIssued", "the payment link is empty")
        self._fire(Order.PaymentLinkIssued, payment_link=payment_link)

    def record_review_started(self) -> None:
        """The provider holds the order for antifraud review."""
        self._fire(Order.SentToReview)

    def record_review_accepted(self) -> None:
        self._fire(Order.ReviewAccepted)

    def record_review_declined(self, reason: str = "declined by antifraud review") -> None:
        self._fire(Order.ReviewDeclined, reason=reason)

    def record_authorization(self, amount: Money) -> None:
        """The provider holds ``amount`` (two-stage orders only)."""
        self._fire(Order.PaymentAuthorized, amount=amount)

    def record_capture(self, amount: Money | None = None) -> None:
        """The provider captured ``amount`` (default: the order amount, or all authorized)."""
        if amount is None:
            amount = self.amount if self.auto_capture else self.authorized
        self._fire(Order.PaymentCaptured, amount=amount)
        if not self.customer_email_given:
            self._fire(Order.ConfirmationEmailDue)

    def record_clearing_started(self) -> None:
        self._fire(Order.ClearingStarted)

    def record_settlement(self) -> None:
        self._fire(Order.OrderSettled)

    def record_mismatch(self, paid: Money) -> None:
        """The provider reports ``paid``, which is not the order amount."""
        self._fire(Order.AmountMismatchDetected, paid=paid)

    def record_inconsistency(self, paid: Money, reason: str) -> None:
        """The provider holds the order in ``need_action`` for a reason other than ``paid``
        differing from the order amount (or one it does not say)."""
        self._fire(Order.InconsistencyReported, paid=paid, reason=reason)

    def record_failure(self, reason: str) -> None:
        self._fire(Order.OrderFailed, reason=reason)

    def record_cancellation(self, reason: str = "cancelled by the merchant") -> None:
        self._fire(Order.OrderCancelled, reason=reason)

    def record_rejection(self, reason: str = "rejected by the merchant") -> None:
        self._fire(Order.OrderRejected, reason=reason)

    def record_void(self) -> None:
        """The provider released a two-stage hold."""
        self._fire(Order.PaymentVoided)

    def record_refund(self, amount: Money) -> None:
        """The provider refunded ``amount`` (part or the rest of what was captured)."""
        self._fire(Order.RefundSucceeded, amount=amount)

    def record_dispute_opened(self, amount: Money, reason: str) -> None:
        """The customer's bank disputes ``amount`` of the payment (``disputed``)."""
        self._fire(Order.DisputeOpened, amount=amount, reason=reason)

    def record_dispute_funds_withdrawn(self, amount: Money) -> None:
        """``amount`` of the disputed funds was withdrawn from the merchant."""
        self._fire(Order.DisputeFundsWithdrawn, amount=amount)

    def record_dispute_won(self, reinstated: Money | None = None) -> None:
        """The dispute was decided for the merchant; ``reinstated`` defaults to all withdrawn."""
        given = self.withdrawn if reinstated is None else reinstated
        self._fire(Order.DisputeWon, reinstated=given)

    def record_dispute_lost(self, withdrawn: Money | None = None) -> None:
        """The dispute was decided for the customer; ``withdrawn`` defaults to all disputed."""
        taken = self.disputed if withdrawn is None else withdrawn
        self._fire(Order.DisputeLost, withdrawn=taken)

    def record_request_declined(self, reason: str) -> None:
        """The provider refused the pending request (e.g. 412): nothing changes but that."""
        if self.pending is None:
            raise self._refusal(OperationPending, "RequestDeclined", "no operation is pending")
        self._fire(Order.RequestDeclined, operation=self.pending, reason=reason)

    def record(self, event_class: type[Order.Event], **data: Any) -> None:
        """Record one life-cycle event by its class, checked by the spec's table and guards only.

        The named commands above (and ``request_*``) add their own rules on top: a non-empty
        payment link, one request pending at a time, a pending request to decline, the
        confirmation reminder after a capture. Prefer them; this is for tools that must take any
        transition of the spec by name, such as the test that checks the whole table.
        """
        # OrderPlaced counts as an Order.Event too (eventsourcing rebases nested events), but
        # it creates an order rather than moving one.
        if not issubclass(event_class, Order.Event) or issubclass(event_class, Aggregate.Created):
            raise TypeError(f"{event_class!r} is not one of Order's transition events")
        self._fire(event_class, **data)

    # -- local and merchant decisions -----------------------------------------------------

    def resolve_mismatch(
        self,
        resolution: Resolution,
        captured: Money | None = None,
        *,
        by: str | None = None,
        reason: str | None = None,
    ) -> None:
        """Record the merchant's manual resolution; ``captured`` defaults to what it implies.

        ``by`` names who resolved it and ``reason`` says why (kept in the event, for audit)."""
        if captured is None:
            captured = Money(0, self.currency) if resolution == "cancelled" else self.amount
        self._fire(
            Order.MismatchResolved, resolution=resolution, captured=captured, by=by, reason=reason
        )

    def expire(
        self, now: datetime, *, ends_in: Literal["cancelled", "failed"] = "cancelled"
    ) -> None:
        """End an unpaid order past its time limit, for good: only when nothing can be paid any
        more (the provider never had it, or has ended it); otherwise ``lapse``. The docs
        disagree on the end state."""
        event = "OrderCancelled" if ends_in == "cancelled" else "OrderFailed"
        if self.time_limit is None or now <= self.time_limit:
            raise self._refusal(
                DeadlineNotReached, event, f"time limit {self.time_limit} not passed at {now}"
            )
        if ends_in == "cancelled":
            self._fire(Order.OrderCancelled, reason="expired")
        else:
            self._fire(Order.OrderFailed, reason="expired")

    def lapse(self, now: datetime) -> None:
        """The time limit passed, but the provider may still take the payment: ``expired``
        (not final) until the provider's cancelled or failed ends it, or the money it took
        after all makes it a mismatch for a person (``need_action``)."""
        if self.time_limit is None or now <= self.time_limit:
            raise self._refusal(
                DeadlineNotReached,
                "OrderExpired",
                f"time limit {self.time_limit} not passed at {now}",
            )
        self._fire(Order.OrderExpired)

    # -- merchant requests: request_* (pending until the provider answers) -----------------

    def request(self, request: Request, amount: Money | None = None) -> None:
        """Send the merchant's ``request``: ``request_capture``, ``request_cancel``,
        ``request_refund``, ``request_reject`` or ``request_review_decision``. Only a refund
        takes an amount, and it needs one (``InvalidAmount`` otherwise)."""
        request = Request(request)
        if (amount is None) == (request is Request.REFUND):
            needs = "needs an amount" if amount is None else "takes no amount"
            raise InvalidAmount(amount, self.currency, f"a {request} request {needs}")
        if amount is not None:
            self.request_refund(amount)
        elif request is Request.CAPTURE:
            self.request_capture()
        elif request is Request.CANCEL:
            self.request_cancel()
        elif request is Request.REJECT:
            self.request_reject()
        else:
            self.request_review_decision(accept=request is Request.ACCEPT_REVIEW)

    def request_capture(self) -> None:
        self._check_not_pending("CaptureRequested")
        self._fire(Order.CaptureRequested)

    def request_cancel(self) -> None:
        self._check_not_pending("CancelRequested")
        self._fire(Order.CancelRequested)

    def request_refund(self, amount: Money) -> None:
        self._check_not_pending("RefundRequested")
        self._fire(Order.RefundRequested, amount=amount)

    def request_reject(self) -> None:
        self._check_not_pending("RejectRequested")
        self._fire(Order.RejectRequested)

    def request_review_decision(self, *, accept: bool) -> None:
        self._check_not_pending("ReviewDecisionRequested")
        self._fire(Order.ReviewDecisionRequested, accept=accept)

    # -- the rules ------------------------------------------------------------------------

    def _fire(self, event_class: type[Order.Event], **data: Any) -> None:
        """Check the currency, then trigger: ``apply`` resolves the transition (table and guards)
        before it changes anything, so a refused event is never appended."""
        for value in data.values():
            if isinstance(value, Money) and value.currency != self.amount.currency:
                raise self._refusal(
                    GuardFailed,
                    event_class.__name__,
                    f"{value} is not in the order's currency {self.currency}",
                )
        # What ``trigger_event`` does, minus the base's ``getattr(type(self), "TOPIC", None)``
        # (a ~100 ns miss per event: orders define no TOPIC) and its copy of ``data``; the base's
        # own ``_id``/``_version``/``_pending_events`` fields are read without property calls.
        event = event_class(
            originator_id=self._id,
            originator_version=self._version + 1,
            timestamp=_timestamp(event_class),
            **data,
        )
        event.mutate(self)
        self._pending_events.append(event)

    def _resolve(self, event: str, data: Any) -> Transition[State]:
        """The transition ``event`` (whose fields are ``data``'s attributes) takes, or the
        refusal."""
        candidates = LIFECYCLE.table.get((self.state, event))
        if candidates is None:
            raise self._refusal(TransitionNotAllowed, event, "the life cycle has no such move")
        for transition in candidates:
            if transition.guard is None or GUARDS[transition.guard](self, data):
                return transition
        guards = " / ".join(str(t.guard) for t in candidates)
        raise self._refusal(GuardFailed, event, f"guard {guards} refused {_fields(data)}")

    def _check_not_pending(self, event: str) -> None:
        if self.pending is not None:
            raise self._refusal(OperationPending, event, f"a {self.pending} is already pending")

    def _refusal(self, kind: type[CommandRefused], event: str, reason: str) -> CommandRefused:
        return kind(self.id, self.state, event, reason)


def _fields(event: Any) -> dict[str, Any]:
    """An event's own data, without the envelope, for error messages."""
    envelope = {"originator_id", "originator_version", "timestamp"}
    return {k: v for k, v in vars(event).items() if k not in envelope}


def _check_identity(shop_id: int, order_number: str) -> None:
    if isinstance(shop_id, bool) or not isinstance(shop_id, int) or shop_id < 0:
        raise InvalidOrder(f"shop_id must be a non-negative integer, got {shop_id!r}")
    if not isinstance(order_number, str) or not 0 < len(order_number) <= MAX_ORDER_NUMBER:
        raise InvalidOrder(f"order_number must be 1 to {MAX_ORDER_NUMBER} characters")
