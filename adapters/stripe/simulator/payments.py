"""``Payments``: PaymentIntents (create, confirm, capture, cancel) and the customer's side.

The test payment method decides what confirming does (``methods``): a card that succeeds is
captured at once (``charge.succeeded``, ``payment_intent.succeeded``) or, with
``capture_method=manual``, authorized (``payment_intent.amount_capturable_updated``,
``requires_capture``) until captured, canceled or expired ``authorization_window`` later
(canceled with ``cancellation_reason`` "automatic", ``charge.expired``); a declined card answers
402 and leaves the intent ``requires_payment_method`` with ``last_payment_error``, as Stripe lets
the customer try again; a card that needs authentication parks it in ``requires_action`` until
the customer completes or fails it (``authenticate``); a bank debit is ``processing`` for
``processing_delay``, then succeeds or fails. Money released without capture (a partial
capture's rest, a cancel, an expiry) counts in the charge's ``amount_refunded``, as on Stripe.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ..money import currency_rule
from .disputes import Disputes
from .errors import StripeRefusal, card_declined, invalid, unexpected_state
from .methods import TEST_METHODS, Outcome, TestMethod
from .objects import SimCharge, SimIntent

__all__ = ["CANCELLATION_REASONS", "MAX_AMOUNT", "Payments"]

MAX_AMOUNT = 99_999_999
"""Stripe's largest amount (eight digits) in any currency."""
CANCELLATION_REASONS = ("duplicate", "fraudulent", "requested_by_customer", "abandoned")
_CONFIRMABLE = ("requires_payment_method", "requires_confirmation")


class Payments(Disputes):
    """PaymentIntents from creation to their end."""

    public_base_url: str
    authorization_window: timedelta
    processing_delay: timedelta
    expiry_cancellation_reason: str

    def create_intent(
        self,
        *,
        amount: int,
        currency: str,
        capture_method: str = "automatic",
        metadata: dict[str, str] | None = None,
        description: str | None = None,
        payment_method: str | None = None,
        confirm: bool = False,
        return_url: str | None = None,
    ) -> dict[str, Any]:
        """``POST /v1/payment_intents``; with ``confirm`` it is confirmed at once."""
        with self._lock:
            self._check_amount("amount", amount, currency)
            method = None if payment_method is None else self._method(payment_method)
            intent_id = self._new_id("pi")
            intent = SimIntent(
                id=intent_id,
                amount=amount,
                currency=currency,
                capture_method=capture_method,
                created=self._now(),
                client_secret=f"{intent_id}_secret_{self._new_id('cs')[7:]}",
                metadata=dict(metadata or {}),
                description=description,
                payment_method=method,
                status="requires_confirmation" if method else "requires_payment_method",
                return_url=return_url,
            )
            self._intents[intent.id] = intent
            self._emit("payment_intent.created", intent.to_json())
            if confirm:
                return self.confirm_intent(intent.id)
            return intent.to_json()

    def _check_amount(self, param: str, amount: int, currency: str) -> None:
        try:
            step = currency_rule(currency).step
        except ValueError:
            raise invalid("currency", f"Invalid currency: {currency}.") from None
        if amount < 1:
            raise invalid(param, "Amount must be at least 1", code="amount_too_small")
        if amount > MAX_AMOUNT:
            raise invalid(param, "Amount must be no more than 99999999", code="amount_too_large")
        if amount % step:
            code = "invalid_charge_amount_no_decimal_compatible" if step == 100 else None
            message = f"Invalid amount: {currency} amounts must be multiples of {step}."
            raise invalid(param, message, code=code)

    def _method(self, method_id: str) -> TestMethod:
        method = TEST_METHODS.get(method_id)
        if method is None:
            raise StripeRefusal(
                400,
                f"No such PaymentMethod: '{method_id}'",
                code="resource_missing",
                param="payment_method",
            )
        return method

    def confirm_intent(
        self, intent_id: str, *, payment_method: str | None = None, return_url: str | None = None
    ) -> dict[str, Any]:
        """``POST /v1/payment_intents/{id}/confirm``: the payment method decides the outcome."""
        with self._lock:
            intent = self._intent(intent_id)
            if intent.status not in _CONFIRMABLE:
                raise unexpected_state("payment_intent", intent.id, intent.status, "confirmed")
            if payment_method is not None:
                intent.payment_method = self._method(payment_method)
            method = intent.payment_method
            if method is None:
                raise StripeRefusal(
                    400,
                    "You cannot confirm this PaymentIntent because it's missing a payment method.",
                    code="payment_intent_unexpected_state",
                    saved=True,
                )
            if method.type != "card" and intent.capture_method == "manual":
                raise invalid("capture_method", f"{method.type} does not support manual capture")
            intent.return_url = return_url or intent.return_url
            intent.last_payment_error = None
            self._attempt(intent, method)
            return intent.to_json()

    def _attempt(self, intent: SimIntent, method: TestMethod) -> None:
        if method.outcome is Outcome.REQUIRES_ACTION:
            intent.status = "requires_action"
            url = f"{self.public_base_url}/_sim/authenticate/{intent.id}"
            intent.next_action = {
                "type": "redirect_to_url",
                "redirect_to_url": {"url": url, "return_url": intent.return_url},
            }
            self._emit("payment_intent.requires_action", intent.to_json())
            return
        charge = self._new_charge(intent, method)
        if method.outcome is Outcome.DECLINED:
            self._fail(intent, charge, method.error_code, method.message)
            raise card_declined(
                method.error_code, method.decline_code, method.message, intent.to_json()
            )
        if method.outcome in (Outcome.PROCESSING_SUCCEEDS, Outcome.PROCESSING_FAILS):
            intent.status = "processing"
            self._emit("charge.pending", self._charge_json(charge))
            self._emit("payment_intent.processing", intent.to_json())
            self._schedule(self.processing_delay, "processing_end", intent.id)
            return
        self._authorized(intent, charge)

    def _new_charge(self, intent: SimIntent, method: TestMethod) -> SimCharge:
        charge = SimCharge(
            id=self._new_id("ch"),
            intent=intent,
            method=method,
            amount=intent.amount,
            created=self._now(),
        )
        self._charges[charge.id] = charge
        intent.charges.append(charge.id)
        intent.latest_charge = charge.id
        return charge

    def _authorized(self, intent: SimIntent, charge: SimCharge) -> None:
        """The money is there: held (manual capture) or taken at once."""
        charge.status = "succeeded"
        intent.next_action = None
        if intent.capture_method == "manual":
            intent.status = "requires_capture"
            intent.amount_capturable = intent.amount
            self._emit("charge.succeeded", self._charge_json(charge))
            self._emit("payment_intent.amount_capturable_updated", intent.to_json())
            self._schedule(self.authorization_window, "authorization_expiry", intent.id)
            return
        self._capture(intent, charge, intent.amount)
        self._emit("charge.succeeded", self._charge_json(charge))
        self._emit("payment_intent.succeeded", intent.to_json())

    def _capture(self, intent: SimIntent, charge: SimCharge, amount: int) -> None:
        charge.captured = True
        charge.amount_captured = amount
        charge.released = charge.amount - amount
        intent.status = "succeeded"
        intent.amount_capturable = 0
        intent.amount_received = amount
        txn = self._book(
            amount=amount,
            currency=intent.currency,
            kind="charge",
            category="charge",
            source=charge.id,
            fee=self._processing_fee(amount),
            description=intent.description,
        )
        charge.balance_transaction = txn.id
        if charge.method.disputes:
            self._schedule(self.dispute_delay, "dispute_open", charge.id)

    def _fail(self, intent: SimIntent, charge: SimCharge, code: str, message: str) -> None:
        method = charge.method
        charge.status = "failed"
        charge.failure_code = code
        charge.failure_message = message
        intent.status = "requires_payment_method"
        intent.last_payment_error = {
            "type": "card_error" if method.type == "card" else "invalid_request_error",
            "code": code,
            "decline_code": method.decline_code,
            "message": message,
            "charge": charge.id,
            "payment_method": {"id": method.id, "object": "payment_method", "type": method.type},
        }
        intent.payment_method = None
        self._emit("charge.failed", self._charge_json(charge))
        self._emit("payment_intent.payment_failed", intent.to_json())
