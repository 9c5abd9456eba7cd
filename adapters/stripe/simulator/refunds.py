"""``Refunds``: partial and multiple refunds of a captured charge, pending -> succeeded or failed.

A refund is checked when created (the charge is captured, not disputed, and the sum of refunds
that have not failed never exceeds what was captured), booked at once (the charge's
``amount_refunded`` counts it while pending) and emits ``refund.created`` and
``charge.refunded``. With ``refund_delay`` it stays ``pending`` that long, then succeeds
(``refund.updated``, ``charge.refund.updated``). A refund of a ``pm_card_refundFail`` payment,
or one failed by hand (``fail_refund``), becomes ``failed``: its amount is refundable again
(``refund.failed`` too).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ..money import currency_rule
from .errors import StripeRefusal, invalid, unexpected_state
from .ledger import SimRefund
from .objects import SimCharge
from .settlement import Settlement

__all__ = ["REFUND_REASONS", "Refunds"]

REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")


class Refunds(Settlement):
    """Creating refunds and moving them to their end."""

    refund_delay: timedelta
    refund_failure_delay: timedelta

    def create_refund(
        self,
        *,
        payment_intent: str | None = None,
        charge: str | None = None,
        amount: int | None = None,
        reason: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """``POST /v1/refunds``: refund ``amount`` (default: all that is left)."""
        with self._lock:
            target = self._refund_target(payment_intent, charge)
            left = target.refundable
            if left <= 0:
                raise StripeRefusal(
                    400,
                    f"Charge {target.id} has already been refunded.",
                    code="charge_already_refunded",
                    saved=True,
                )
            amount = left if amount is None else amount
            self._check_refund_amount(target, amount, left)
            refund = SimRefund(
                id=self._new_id("re"),
                amount=amount,
                currency=target.intent.currency,
                charge=target.id,
                payment_intent=target.intent.id,
                created=self._now(),
                metadata=dict(metadata or {}),
                reason=reason,
                status="pending" if self.refund_delay > timedelta(0) else "succeeded",
                card=target.method.type == "card",
            )
            self._refunds[refund.id] = refund
            target.refunds.append(refund.id)
            target.refunded_total += amount
            txn = self._book(
                amount=-amount,
                currency=refund.currency,
                kind="refund",
                category="refund",
                source=refund.id,
                description="REFUND FOR CHARGE",
            )
            refund.balance_transaction = txn.id
            self._emit("refund.created", refund.to_json())
            self._emit("charge.refunded", self._charge_json(target))
            if refund.status == "pending":
                self._schedule(self.refund_delay, "refund_settle", refund.id)
            if target.method.refunds_fail:
                self._schedule(self.refund_failure_delay, "refund_fail", refund.id)
            return refund.to_json()

    def _refund_target(self, intent_id: str | None, charge_id: str | None) -> SimCharge:
        if (intent_id is None) == (charge_id is None):
            raise invalid(None, "You must pass exactly one of payment_intent or charge.")
        if intent_id is not None:
            intent = self._intent(intent_id)
            if intent.latest_charge is None:
                raise unexpected_state("payment_intent", intent.id, intent.status, "refunded")
            charge = self._charge(intent.latest_charge)
        else:
            charge = self._charge(charge_id or "")
        if charge.status != "succeeded" or not charge.captured:
            raise unexpected_state("charge", charge.id, charge.status, "refunded")
        if charge.disputed and self._dispute_open(charge.id):
            raise StripeRefusal(
                400,
                f"Charge {charge.id} has been charged back; cannot issue a refund.",
                code="charge_disputed",
                saved=True,
            )
        return charge

    def _check_refund_amount(self, charge: SimCharge, amount: int, left: int) -> None:
        if amount < 1:
            raise invalid("amount", "Invalid positive integer", code="parameter_invalid_integer")
        if amount > left:
            message = (
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})"
            )
            raise StripeRefusal(400, message, param="amount", code="amount_too_large", saved=True)
        step = currency_rule(charge.intent.currency).step
        if amount % step:
            raise invalid(
                "amount", f"Amounts in {charge.intent.currency} must be multiples of {step}"
            )

    def _dispute_open(self, charge_id: str) -> bool:
        return any(
            d.charge == charge_id and d.status not in ("won", "lost", "warning_closed")
            for d in self._disputes.values()
        )

    def _settle_refund(self, refund_id: str) -> None:
        refund = self._refunds[refund_id]
        if refund.status != "pending":
            return
        refund.status = "succeeded"
        self._refund_changed(refund)

    def fail_refund(self, refund_id: str, *, reason: str = "expired_or_canceled_card") -> None:
        """The refund fails (the card was closed, say): its amount is refundable again."""
        with self._lock:
            refund = self._lookup(self._refunds, "refund", refund_id)
            if refund.status not in ("pending", "succeeded"):
                raise unexpected_state("refund", refund.id, refund.status, "failed")
            refund.status = "failed"
            refund.failure_reason = reason
            charge = self._charges[refund.charge]
            charge.refunded_total -= refund.amount
            txn = self._book(
                amount=refund.amount,
                currency=refund.currency,
                kind="refund_failure",
                category="refund_failure",
                source=refund.id,
                description="REFUND FAILURE",
            )
            refund.failure_balance_transaction = txn.id
            self._refund_changed(refund)
            self._emit("refund.failed", refund.to_json())

    def _fail_refund_timer(self, refund_id: str) -> None:
        if self._refunds[refund_id].status in ("pending", "succeeded"):
            self.fail_refund(refund_id)

    def _refund_changed(self, refund: SimRefund) -> None:
        self._emit("refund.updated", refund.to_json())
        self._emit("charge.refund.updated", refund.to_json())
