"""Stripe PaymentIntents behind the provider port: one façade over the SDK calls, the webhook
reader and the translator.

The service never sees a Stripe type: an event becomes a ``Fact`` whose detail is a
``StripeView``; the SDK's errors become the port's neutral ones (``calls.neutral_error``); a
contradicting view becomes ``FactRejected``.

- **The order at Stripe** is one PaymentIntent, created with ``metadata`` ``shop_id`` and
  ``order_number`` (the keys every object Stripe derives from it carries, and which a poll
  searches by), ``capture_method`` ``automatic`` or ``manual`` (two-stage), and the key
  ``orderstate:<shop>:<order>:create``: a retried create returns the same intent.
- **The payment link** is the intent's ``client_secret``: what the shop's front end hands to
  Stripe.js (Payment Element) to confirm the payment. Checkout Sessions are not used.
- **Events** carry the order in the object's metadata (intents, their charges, the refunds this
  adapter creates); a dispute (and any object without it) names its PaymentIntent, which is
  retrieved once to learn the order (Stripe's advice: fetch the object when in doubt).
- **Dedupe** on the event id: an event id already applied in this process is a duplicate without
  a search; across processes the translator's snapshot rule makes a repeat a no-op anyway.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any, Final

from orderstate.adapters.port import (
    CallbackRefused,
    Checkout,
    Created,
    Fact,
    FactRejected,
    Operation,
    Outcome,
    PaymentOption,
    ProviderNotConfigured,
    ProviderRefused,
    Shop,
    UnknownAtProvider,
    Update,
)
from orderstate.engine import Money, Order

from .calls import StripeCalls, idempotency_key
from .errors import MalformedEvent, SignatureVerificationError, SnapshotRejected
from .money import to_stripe
from .objects import (
    ORDER_NUMBER_KEY,
    REFUND_STATUSES,
    SHOP_KEY,
    StripeView,
    dispute_of,
    order_ref,
    view_of,
)
from .translate import apply_view
from .webhooks import SIGNATURE_HEADER, read_event, sign, verify

__all__ = ["NAME", "PAYMENT_METHOD_TYPES", "StripeProvider"]

NAME: Final = "stripe"
PAYMENT_METHOD_TYPES: Final = {
    "card": "Cards (Visa, Mastercard, American Express...)",
    "sepa_debit": "SEPA Direct Debit (asynchronous: processing for days)",
}
"""The ``payment_method_types`` a checkout may name (none: Stripe's automatic methods)."""
_SEEN_EVENTS = 10_000


class StripeProvider:
    """The ``Provider`` for Stripe; ``calls`` is None where no call is made (reading events
    that carry their order needs only the accounts' webhook secrets)."""

    name: str = NAME
    captures_in_full: bool = False
    """``amount_to_capture`` may take less than authorized (the rest is released)."""

    def __init__(self, calls: StripeCalls | None = None, *, close: bool = True) -> None:
        self.calls = calls
        self._close_calls = close
        self._intents: dict[tuple[int, str], str] = {}
        self._applied: OrderedDict[str, None] = OrderedDict()

    @property
    def connected(self) -> bool:
        return self.calls is not None

    # -- callbacks ------------------------------------------------------------------------

    def read_callback(
        self,
        body: bytes,
        headers: Mapping[str, str],
        *,
        shop_id: int,
        shop: Shop | None,
        received_at: datetime,
    ) -> Fact:
        header = _header(headers, SIGNATURE_HEADER)
        try:
            verify(body, header, shop.secrets if shop else (), received_at=received_at)
            event = read_event(body)
            number = self._order_number(event.object, shop_id)
            view = view_of(
                event.object,
                shop_id=shop_id,
                order_number=number,
                source=event.type,
                event_id=event.id,
            )
        except SignatureVerificationError as error:
            raise CallbackRefused(Outcome.UNAUTHENTICATED, str(error)) from error
        except MalformedEvent as error:
            raise CallbackRefused(Outcome.MALFORMED, str(error)) from error
        return Fact(NAME, shop_id, number, view)

    def _order_number(self, obj: Mapping[str, Any], shop_id: int) -> str:
        ref = order_ref(obj)
        if ref.shop_id is not None and ref.shop_id != shop_id:
            raise MalformedEvent("metadata.shop_id", f"for shop {ref.shop_id}, not {shop_id}")
        if ref.order_number is not None:
            if ref.intent_id is not None:
                self._intents[shop_id, ref.order_number] = ref.intent_id
            return ref.order_number
        if ref.intent_id is None:
            raise MalformedEvent("metadata", "names no order and no PaymentIntent")
        if self.calls is None:
            raise MalformedEvent("metadata", "names no order; finding it needs the Stripe API key")
        intent = order_ref(self.calls.retrieve_intent(ref.intent_id))
        if intent.order_number is None or intent.shop_id != shop_id:
            raise MalformedEvent("payment_intent", f"{ref.intent_id} is no order of this shop")
        self._intents[shop_id, intent.order_number] = ref.intent_id
        return intent.order_number

    def sign_callback(self, body: bytes, shop: Shop) -> list[tuple[str, str]]:
        if not shop.secrets:
            raise ValueError("the shop has no webhook secret to sign with")
        return [(SIGNATURE_HEADER, sign(body, shop.secrets[0], timestamp=int(time.time())))]

    def bring_up_to_date(self, order: Order, fact: Fact) -> Update:
        view = _view(fact)
        if view.event_id is not None and view.event_id in self._applied:
            return Update(Outcome.DUPLICATE)
        try:
            translation = apply_view(order, view)
        except SnapshotRejected as error:
            raise FactRejected(order.order_number, error.reason, _evidence(view)) from error
        if view.event_id is not None:
            self._remember(view.event_id)
        return Update(translation.outcome, translation.events)

    def _remember(self, event_id: str) -> None:
        self._applied[event_id] = None
        while len(self._applied) > _SEEN_EVENTS:
            self._applied.popitem(last=False)

    # -- calls ----------------------------------------------------------------------------

    def payment_options(self, shop_id: int) -> tuple[PaymentOption, ...]:
        return tuple(PaymentOption(code, text) for code, text in PAYMENT_METHOD_TYPES.items())

    def create(self, checkout: Checkout) -> Created:
        calls = self._require()
        wire = to_stripe(checkout.amount)
        params: dict[str, Any] = {
            "amount": wire.amount,
            "currency": wire.currency,
            "capture_method": "automatic" if checkout.auto_capture else "manual",
            "metadata": _metadata(checkout.shop_id, checkout.order_number),
            "description": f"order {checkout.order_number}",
        }
        if checkout.payment_method is not None:
            if checkout.payment_method not in PAYMENT_METHOD_TYPES:
                known = ", ".join(PAYMENT_METHOD_TYPES)
                raise ValueError(f"payment method {checkout.payment_method!r}: one of {known}")
            params["payment_method_types"] = [checkout.payment_method]
        else:
            params["automatic_payment_methods"] = {"enabled": True}
        if checkout.customer is not None and checkout.customer.email:
            params["receipt_email"] = checkout.customer.email
        key = idempotency_key(checkout.shop_id, checkout.order_number, "create")
        intent = calls.create_intent(params, key=key)
        self._intents[checkout.shop_id, checkout.order_number] = str(intent["id"])
        secret = intent.get("client_secret")
        return Created(secret if isinstance(secret, str) else None)

    def request(self, operation: Operation, order: Order, amount: Money | None) -> None:
        calls = self._require()
        shop, number = order.shop_id, order.order_number
        intent = self._intent_id(shop, number)
        if operation is Operation.CAPTURE:
            wire = None if amount is None else to_stripe(amount).amount
            calls.capture(intent, wire, key=idempotency_key(shop, number, "capture", wire or ""))
        elif operation is Operation.CANCEL:
            calls.cancel(intent, key=idempotency_key(shop, number, "cancel"))
        elif operation is Operation.REFUND:
            if amount is None:
                raise ValueError("a refund needs an amount")
            # This refund, of this amount, after what was refunded so far: a retry of the same
            # request sends the same key; the next refund (the total moved on) a new one.
            key = idempotency_key(shop, number, "refund", order.refunded.minor, amount.minor)
            calls.refund(intent, to_stripe(amount).amount, _metadata(shop, number), key=key)
        else:
            raise ProviderRefused(f"Stripe has no {operation} request (no reject, no review)")

    def poll(self, shop_id: int, order_number: str) -> Fact:
        calls = self._require()
        intent = calls.retrieve_intent(self._intent_id(shop_id, order_number))
        view = view_of(intent, shop_id=shop_id, order_number=order_number, source="poll")
        charge = intent.get("latest_charge")
        if isinstance(charge, Mapping):
            view = _with_refund_failure(view, charge)
            if charge.get("disputed"):
                disputes = calls.disputes_of(str(intent["id"]))
                if disputes:
                    newest = max(disputes, key=lambda d: int(d.get("created") or 0))
                    view = _replace(view, dispute=dispute_of(newest))
        return Fact(NAME, shop_id, order_number, view)

    def missed_events(self, after: str | None) -> list[dict[str, Any]]:
        """Stripe's events newer than the event id ``after``, oldest first: what to read again
        after an outage (reconciliation by the event log rather than by order)."""
        return self._require().events_after(after)

    def close(self) -> None:
        if self.calls is not None and self._close_calls:
            self.calls.close()

    def _require(self) -> StripeCalls:
        if self.calls is None:
            raise ProviderNotConfigured("this calls Stripe: set its secret API key")
        return self.calls

    def _intent_id(self, shop_id: int, order_number: str) -> str:
        known = self._intents.get((shop_id, order_number))
        if known is not None:
            return known
        found = self._require().find_intent(shop_id, order_number)
        if found is None:
            raise UnknownAtProvider(f"Stripe has no PaymentIntent for order {order_number}")
        self._intents[shop_id, order_number] = str(found["id"])
        return str(found["id"])


def _metadata(shop_id: int, order_number: str) -> dict[str, str]:
    return {SHOP_KEY: str(shop_id), ORDER_NUMBER_KEY: order_number}


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def _view(fact: Fact) -> StripeView:
    if not isinstance(fact.detail, StripeView):
        raise TypeError(f"a {fact.provider} fact reached the Stripe provider")
    return fact.detail


def _replace(view: StripeView, **changes: Any) -> StripeView:
    fields = {name: getattr(view, name) for name in StripeView.__slots__}
    fields.update(changes)
    return StripeView(**fields)


def _with_refund_failure(view: StripeView, charge: Mapping[str, Any]) -> StripeView:
    """A poll sees a failed refund only as the charge's newest refund (older ones were answered)."""
    refunds = charge.get("refunds")
    items = refunds.get("data") if isinstance(refunds, Mapping) else None
    if not isinstance(items, list) or not items:
        return view
    newest = max(items, key=lambda r: int(r.get("created") or 0) if isinstance(r, Mapping) else 0)
    status = newest.get("status") if isinstance(newest, Mapping) else None
    if isinstance(status, str) and REFUND_STATUSES.get(status, False):
        why = newest.get("failure_reason") or "no reason given"
        return _replace(view, refund_declined=f"stripe refund {newest.get('id')} {status}: {why}")
    return view


def _evidence(view: StripeView) -> bytes:
    return json.dumps(asdict(view), default=str, separators=(",", ":")).encode()
