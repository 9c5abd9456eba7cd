"""``Operations``: the merchant's capture and cancel, the customer's side, and the timers.

The customer's side is what Stripe.js and the bank do with the client secret: ``pay`` (confirm
with a test method, whatever the outcome), ``authenticate`` (complete or fail the 3-D Secure
step of a ``requires_action`` intent, as the page at ``next_action.redirect_to_url.url`` does).
"""

from __future__ import annotations

from typing import Any

from .errors import StripeRefusal, invalid, unexpected_state
from .methods import Outcome
from .objects import SimIntent
from .payments import CANCELLATION_REASONS, Payments

__all__ = ["Operations"]

_CANCEL_FROM = (
    "requires_payment_method",
    "requires_confirmation",
    "requires_action",
    "requires_capture",
)


class Operations(Payments):
    """Capturing, canceling, the customer's actions and the clock's consequences."""

    def capture_intent(
        self, intent_id: str, *, amount_to_capture: int | None = None
    ) -> dict[str, Any]:
        """``POST /v1/payment_intents/{id}/capture``: all or part of the authorized amount."""
        with self._lock:
            intent = self._intent(intent_id)
            if intent.status != "requires_capture":
                raise unexpected_state("payment_intent", intent.id, intent.status, "captured")
            amount = intent.amount_capturable if amount_to_capture is None else amount_to_capture
            self._check_amount("amount_to_capture", amount, intent.currency)
            if amount > intent.amount_capturable:
                message = (
                    f"The amount_to_capture ({amount}) is greater than the amount_capturable "
                    f"({intent.amount_capturable})."
                )
                raise invalid("amount_to_capture", message, code="amount_too_large")
            charge = self._charge(intent.latest_charge or "")
            self._capture(intent, charge, amount)
            self._emit("charge.captured", self._charge_json(charge))
            self._emit("payment_intent.succeeded", intent.to_json())
            return intent.to_json()

    def cancel_intent(
        self, intent_id: str, *, cancellation_reason: str | None = None
    ) -> dict[str, Any]:
        """``POST /v1/payment_intents/{id}/cancel``; an authorization's money is released."""
        with self._lock:
            intent = self._intent(intent_id)
            if intent.status not in _CANCEL_FROM:
                raise unexpected_state("payment_intent", intent.id, intent.status, "canceled")
            if cancellation_reason is not None and cancellation_reason not in CANCELLATION_REASONS:
                raise invalid(
                    "cancellation_reason", f"Invalid cancellation_reason: {cancellation_reason}"
                )
            self._cancel(intent.id, cancellation_reason, "charge.refunded")
            return intent.to_json()

    def _cancel(self, intent_id: str, reason: str | None, charge_event: str) -> None:
        intent = self._intent(intent_id)
        if intent.status == "requires_capture":
            charge = self._charge(intent.latest_charge or "")
            charge.released = charge.amount
            self._emit(charge_event, self._charge_json(charge))
        intent.status = "canceled"
        intent.amount_capturable = 0
        intent.next_action = None
        intent.cancellation_reason = reason
        intent.canceled_at = self._now()
        self._emit("payment_intent.canceled", intent.to_json())

    # --- the customer's side ------------------------------------------------------------------

    def pay(self, intent_id: str, payment_method: str = "pm_card_visa") -> dict[str, Any]:
        """The customer confirms with a test method; returns the intent whatever came of it."""
        try:
            return self.confirm_intent(intent_id, payment_method=payment_method)
        except StripeRefusal as refusal:
            if refusal.payment_intent is None:
                raise
            return dict(refusal.payment_intent)

    def authenticate(self, intent_id: str, *, succeed: bool = True) -> dict[str, Any]:
        """The customer completes (or fails) the authentication a ``requires_action`` needs."""
        with self._lock:
            intent = self._intent(intent_id)
            if intent.status != "requires_action" or intent.payment_method is None:
                raise unexpected_state("payment_intent", intent.id, intent.status, "authenticated")
            if succeed:
                self._authorized(intent, self._new_charge(intent, intent.payment_method))
            else:
                self._authentication_failed(intent)
            return intent.to_json()

    def _authentication_failed(self, intent: SimIntent) -> None:
        method = intent.payment_method
        intent.status = "requires_payment_method"
        intent.next_action = None
        intent.payment_method = None
        intent.last_payment_error = {
            "type": "invalid_request_error",
            "code": "payment_intent_authentication_failure",
            "message": "The provided PaymentMethod has failed authentication.",
            "payment_method": None
            if method is None
            else {"id": method.id, "object": "payment_method", "type": method.type},
        }
        self._emit("payment_intent.payment_failed", intent.to_json())

    # --- timers -------------------------------------------------------------------------------

    def _expire_authorization(self, intent_id: str) -> None:
        if self._intents[intent_id].status == "requires_capture":
            self._cancel(intent_id, self.expiry_cancellation_reason, "charge.expired")

    def _end_processing(self, intent_id: str) -> None:
        intent = self._intents[intent_id]
        if intent.status != "processing" or intent.payment_method is None:
            return
        charge = self._charge(intent.latest_charge or "")
        method = intent.payment_method
        if method.outcome is Outcome.PROCESSING_FAILS:
            self._fail(intent, charge, method.error_code, method.message)
        else:
            self._authorized(intent, charge)
