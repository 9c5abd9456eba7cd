"""Stripe objects → ``StripeView``: what one object (or a polled set of them) says about an order,
in domain terms.

An event's ``data.object`` is a snapshot of *one* object as it was then: a PaymentIntent, a
Charge, a Refund or a Dispute. Each says part of the story, so a view's fields are optional:
``None`` means "this object does not say" (a dispute says nothing about refunds), never zero.
The tables below are the whole mapping; docs/stripe.md is generated from them.

Mapping decisions (see docs/stripe.md):

- ``payment_failed``: Stripe returns the intent to ``requires_payment_method`` and the customer
  may try another card, so a failed attempt leaves the order **open** (``in_progress``); it ends
  by a cancellation (the merchant's, or the shop's time limit cancelling the intent).
- ``succeeded`` is captured money whose balance transaction is ``pending``: ``clearing``.
  The balance transaction turning ``available`` is settlement (``completed``); Stripe sends no
  event for one charge's funds becoming available, so it is learnt by polling (``poll``).
- An uncaptured charge that Stripe shows ``refunded`` (a released or expired authorization) is
  a void: ``cancelled`` with the hold recorded.
- A refund object alone does not give the charge's refunded total (``charge.refunded`` and a
  poll do: ``amount_refunded`` is cumulative), so ``refund.*`` events only ever decline a
  pending refund request (``failed`` / ``canceled``), never count money.
- Disputes: open statuses are ``disputed``; ``won``, ``warning_closed`` (an inquiry that never
  became a chargeback) and ``prevented`` are won (back where the funds stand); ``lost`` is
  ``charged_back``. Withdrawn / reinstated funds are the dispute's balance transactions
  (negative amounts withdrawn, positive reinstated; the dispute fee is not the order's money).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final, Literal

from orderstate.engine import Money, State

from .errors import MalformedEvent, NotAnOrder
from .money import from_stripe

__all__ = [
    "CHARGE_STATUSES",
    "DISPUTE_STATUSES",
    "INTENT_STATUSES",
    "ORDER_NUMBER_KEY",
    "REFUND_STATUSES",
    "SHOP_KEY",
    "DisputeView",
    "OrderRef",
    "StripeView",
    "order_ref",
    "view_of",
]

SHOP_KEY: Final = "shop_id"
ORDER_NUMBER_KEY: Final = "order_number"
"""The PaymentIntent ``metadata`` keys naming the order (Stripe copies them to its charges)."""

DisputeOutcome = Literal["open", "won", "lost"]

INTENT_STATUSES: Mapping[str, State] = MappingProxyType(
    {
        "requires_payment_method": State.IN_PROGRESS,  # new, or an attempt failed: may retry
        "requires_confirmation": State.IN_PROGRESS,
        "requires_action": State.IN_PROGRESS,  # 3-D Secure and the like: the customer acts
        "processing": State.IN_PROGRESS,  # bank debits: days
        "requires_capture": State.AUTHORIZED,  # capture_method=manual: amount_capturable held
        "succeeded": State.CLEARING,  # captured; its balance transaction is pending
        "canceled": State.CANCELLED,  # by the merchant, or Stripe (an expired authorization)
    }
)
"""PaymentIntent ``status`` → the order's state (``succeeded`` → ``completed`` once polled
funds are available)."""

CHARGE_STATUSES: Mapping[str, State] = MappingProxyType(
    {
        "pending": State.IN_PROGRESS,  # an asynchronous payment under way
        "failed": State.IN_PROGRESS,  # this attempt failed; the intent lets the customer retry
        "succeeded": State.CLEARING,  # captured (uncaptured: authorized; released: cancelled)
    }
)
"""Charge ``status`` → the order's state, before ``captured`` / ``refunded`` refine it."""

REFUND_STATUSES: Mapping[str, bool] = MappingProxyType(
    {
        "pending": False,
        "requires_action": False,
        "succeeded": False,  # counted from the charge's cumulative amount_refunded, not here
        "failed": True,
        "canceled": True,
    }
)
"""Refund ``status`` → whether it declines the order's pending refund request."""

DISPUTE_STATUSES: Mapping[str, DisputeOutcome] = MappingProxyType(
    {
        "warning_needs_response": "open",  # an inquiry: no funds withdrawn yet
        "warning_under_review": "open",
        "needs_response": "open",
        "under_review": "open",
        "warning_closed": "won",  # the inquiry closed without becoming a chargeback
        "prevented": "won",
        "won": "won",
        "lost": "lost",
    }
)
"""Dispute ``status`` → open (``disputed``), won (back where the funds stand), lost
(``charged_back``)."""


@dataclass(frozen=True, slots=True)
class OrderRef:
    """Which order an object is about: by its metadata, or by the intent to look it up by."""

    shop_id: int | None
    order_number: str | None
    intent_id: str | None


@dataclass(frozen=True, slots=True)
class DisputeView:
    """One dispute: its amount, status and the funds moved so far."""

    id: str
    amount: Money
    outcome: DisputeOutcome
    status: str
    reason: str
    withdrawn: Money
    reinstated: Money


@dataclass(frozen=True, slots=True)
class StripeView:
    """What Stripe says about one order; ``None`` fields are not said by the source."""

    shop_id: int
    order_number: str
    source: str
    """The event type it came from, or ``poll``."""
    event_id: str | None
    state: State | None
    """The order's state by the payment; None when the source says nothing of it (a dispute)."""
    amount: Money | None = None
    """The intent's (or charge's) amount: the order amount."""
    authorized: Money | None = None
    captured: Money | None = None
    refunded: Money | None = None
    voided: Money | None = None
    """A released hold (an uncaptured charge Stripe shows refunded)."""
    dispute: DisputeView | None = None
    refund_declined: str | None = None
    """A failed or canceled refund: the reason to decline the pending refund request."""
    reason: str | None = None
    """Why it ended (the intent's cancellation_reason), for the order's reason."""
    client_secret: str | None = None


def order_ref(obj: Mapping[str, Any]) -> OrderRef:
    """The order an object names in its metadata, or the intent it belongs to."""
    metadata = obj.get("metadata")
    shop: int | None = None
    number: str | None = None
    if isinstance(metadata, Mapping):
        raw_shop, raw_number = metadata.get(SHOP_KEY), metadata.get(ORDER_NUMBER_KEY)
        if isinstance(raw_shop, str) and raw_shop.isdigit():
            shop = int(raw_shop)
        if isinstance(raw_number, str) and raw_number:
            number = raw_number
    kind = obj.get("object")
    intent = obj.get("id") if kind == "payment_intent" else obj.get("payment_intent")
    if isinstance(intent, Mapping):
        intent = intent.get("id")
    return OrderRef(shop, number, intent if isinstance(intent, str) else None)


def view_of(
    obj: Mapping[str, Any],
    *,
    shop_id: int,
    order_number: str,
    source: str,
    event_id: str | None = None,
) -> StripeView:
    """Read one Stripe object (an intent may carry its charge expanded) into a view."""
    kind = obj.get("object")
    readers = {"payment_intent": _intent, "charge": _charge, "refund": _refund}
    if kind in readers:
        fields = readers[str(kind)](obj)
    elif kind == "dispute":
        fields = {"state": None, "dispute": dispute_of(obj)}
    else:
        raise NotAnOrder("data.object.object", f"{kind!r} is not an object about an order")
    return StripeView(
        shop_id=shop_id, order_number=order_number, source=source, event_id=event_id, **fields
    )


def _intent(obj: Mapping[str, Any]) -> dict[str, Any]:
    status = _text(obj, "status")
    if status not in INTENT_STATUSES:
        raise MalformedEvent("status", f"unknown PaymentIntent status {status!r}")
    currency = _text(obj, "currency")
    amount = _money(obj, "amount", currency)
    fields: dict[str, Any] = {
        "state": INTENT_STATUSES[status],
        "amount": amount,
        "client_secret": _optional_text(obj, "client_secret"),
    }
    if status == "requires_capture":
        fields["authorized"] = _money(obj, "amount_capturable", currency)
    elif status == "succeeded":
        fields["captured"] = _money(obj, "amount_received", currency)
    elif status == "canceled":
        reason = obj.get("cancellation_reason")
        fields["reason"] = f"stripe cancellation_reason {reason or 'none given'}"
        held = obj.get("capture_method") == "manual" and not obj.get("last_payment_error")
        if held and obj.get("latest_charge"):  # a manual intent canceled after its charge
            fields["voided"] = amount  # authorized it: a released hold, whoever released it
    charge = obj.get("latest_charge")
    if isinstance(charge, Mapping) and status in {"succeeded", "canceled"}:
        # Polled with the charge expanded: once captured (or released) the charge says more,
        # refunds and settlement; before that the intent's own fields decide.
        charged = _charge(charge)
        if status == "succeeded" or charged["state"] == State.CANCELLED:
            fields.update({k: v for k, v in charged.items() if k not in {"amount", "reason"}})
    return fields


def _charge(obj: Mapping[str, Any]) -> dict[str, Any]:
    status = _text(obj, "status")
    if status not in CHARGE_STATUSES:
        raise MalformedEvent("status", f"unknown Charge status {status!r}")
    currency = _text(obj, "currency")
    amount = _money(obj, "amount", currency)
    fields: dict[str, Any] = {"state": CHARGE_STATUSES[status], "amount": amount}
    if status != "succeeded":
        return fields
    captured = _money(obj, "amount_captured", currency)
    refunded = _money(obj, "amount_refunded", currency)
    if not obj.get("captured"):
        if obj.get("refunded") or not refunded.is_zero:
            return {**fields, "state": State.CANCELLED, "voided": amount, "reason": "released"}
        return {**fields, "state": State.AUTHORIZED, "authorized": amount}
    listed = _succeeded_refunds(obj, currency)
    if listed is None:
        # Stripe counts the uncaptured rest of a partial capture (released) in amount_refunded.
        released = amount.minor - captured.minor
        refunded = Money(max(0, refunded.minor - released), captured.currency)
    else:
        refunded = listed
    fields.update(captured=captured, refunded=refunded)
    if refunded.is_zero:
        balance = obj.get("balance_transaction")
        available = isinstance(balance, Mapping) and balance.get("status") == "available"
        fields["state"] = State.COMPLETED if available else State.CLEARING
    elif refunded == captured:
        fields["state"] = State.REFUNDED
    else:
        fields["state"] = State.PARTIALLY_REFUNDED
    return fields


def _succeeded_refunds(obj: Mapping[str, Any], currency: str) -> Money | None:
    """The charge's succeeded refunds, when it lists them all (``amount_refunded`` counts
    pending ones too, and a pending refund may still fail); None when it does not list them."""
    refunds = obj.get("refunds")
    items = refunds.get("data") if isinstance(refunds, Mapping) else None
    if not isinstance(items, list) or not isinstance(refunds, Mapping) or refunds.get("has_more"):
        return None
    total = Money(0, currency.upper())
    for item in items:
        if not isinstance(item, Mapping) or item.get("status") != "succeeded":
            continue
        total = total + _money(item, "amount", currency)
    return total


def _refund(obj: Mapping[str, Any]) -> dict[str, Any]:
    status = _text(obj, "status")
    if status not in REFUND_STATUSES:
        raise MalformedEvent("status", f"unknown Refund status {status!r}")
    declined = None
    if REFUND_STATUSES[status]:
        why = obj.get("failure_reason") or "no reason given"
        declined = f"stripe refund {obj.get('id')} {status}: {why}"
    return {"state": None, "refund_declined": declined}


def dispute_of(obj: Mapping[str, Any]) -> DisputeView:
    """A Dispute object, with its funds moved read from its balance transactions."""
    status = _text(obj, "status")
    if status not in DISPUTE_STATUSES:
        raise MalformedEvent("status", f"unknown Dispute status {status!r}")
    currency = _text(obj, "currency")
    amount = _money(obj, "amount", currency)
    withdrawn = reinstated = Money(0, amount.currency)
    moves = obj.get("balance_transactions")
    if not isinstance(moves, list):
        raise MalformedEvent("balance_transactions", "a dispute lists its balance transactions")
    for move in moves:
        if not isinstance(move, Mapping) or type(move.get("amount")) is not int:
            raise MalformedEvent("balance_transactions", "each is an object with an int amount")
        value = from_stripe(abs(move["amount"]), currency)
        if move["amount"] < 0:
            withdrawn = withdrawn + value
        else:
            reinstated = reinstated + value
    return DisputeView(
        id=_text(obj, "id"),
        amount=amount,
        outcome=DISPUTE_STATUSES[status],
        status=status,
        reason=str(obj.get("reason") or "general"),
        withdrawn=withdrawn,
        reinstated=reinstated,
    )


def _text(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise MalformedEvent(key, f"expected a non-empty string, got {value!r}")
    return value


def _optional_text(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    return value if isinstance(value, str) and value else None


def _money(obj: Mapping[str, Any], key: str, currency: str) -> Money:
    try:
        return from_stripe(obj.get(key), currency)
    except ValueError as error:  # the money module's refusals are ValueErrors
        raise MalformedEvent(key, str(error)) from error
