"""``Disputes``: chargebacks opened on a captured charge and closed won or lost.

Opening one (``open_dispute``, or paying with ``pm_card_createDispute``, which disputes itself
``dispute_delay`` after the payment) marks the charge ``disputed``, withdraws the disputed
amount plus ``dispute_fee`` from the balance and emits ``charge.dispute.created`` and
``charge.dispute.funds_withdrawn``. The merchant answers through the API: evidence
(``POST /v1/disputes/{id}``) puts it ``under_review`` (``charge.dispute.updated``) and, as in
Stripe's test mode, ``uncategorized_text`` "winning_evidence" / "losing_evidence" closes it won /
lost ``dispute_review_delay`` later; closing it (``POST /v1/disputes/{id}/close``) accepts the
loss. A dispute left without evidence past ``due_by`` is lost. Won: ``charge.dispute.closed``
and ``charge.dispute.funds_reinstated`` (the amount comes back, the fee does not); lost:
``charge.dispute.closed``.

An inquiry (``inquiry=True``: the issuer asks first) is ``warning_needs_response`` with nothing
withdrawn, ``warning_under_review`` once answered; won, it is ``warning_closed``; lost (or left
unanswered past ``due_by``) it escalates to a chargeback: ``needs_response``,
``charge.dispute.updated`` and the funds withdrawn.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from .errors import StripeRefusal, invalid, unexpected_state
from .ledger import EVIDENCE_FIELDS, SimDispute
from .refunds import Refunds

__all__ = ["DISPUTE_REASONS", "Disputes"]

DISPUTE_REASONS = (
    "credit_not_processed",
    "duplicate",
    "fraudulent",
    "general",
    "product_not_received",
    "product_unacceptable",
    "subscription_canceled",
    "unrecognized",
)
_CLOSED = ("won", "lost", "warning_closed")
_EVIDENCE_WINDOW = timedelta(days=7)


class Disputes(Refunds):
    """Opening, answering and closing disputes."""

    dispute_fee: int
    dispute_delay: timedelta
    dispute_review_delay: timedelta

    def open_dispute(
        self,
        payment: str,
        *,
        amount: int | None = None,
        reason: str = "fraudulent",
        inquiry: bool = False,
    ) -> dict[str, Any]:
        """The cardholder disputes the payment (a PaymentIntent or Charge id); an ``inquiry``
        is a question from the issuer first: nothing is withdrawn unless it escalates."""
        with self._lock:
            charge = (
                self._charge(self._intent(payment).latest_charge or "")
                if payment.startswith("pi_")
                else self._charge(payment)
            )
            if not charge.captured or charge.status != "succeeded":
                raise unexpected_state("charge", charge.id, charge.status, "disputed")
            if charge.disputed:
                raise StripeRefusal(400, f"Charge {charge.id} is already disputed.", saved=True)
            if reason not in DISPUTE_REASONS:
                raise invalid("reason", f"Invalid dispute reason: {reason}")
            amount = charge.amount_captured if amount is None else amount
            if not 0 < amount <= charge.amount_captured:
                raise invalid("amount", "A dispute is for at most the captured amount")
            now = self._now()
            dispute = SimDispute(
                id=self._new_id("dp"),
                amount=amount,
                currency=charge.intent.currency,
                charge=charge.id,
                payment_intent=charge.intent.id,
                created=now,
                due_by=now + int(_EVIDENCE_WINDOW.total_seconds()),
                reason=reason,
                status="warning_needs_response" if inquiry else "needs_response",
                inquiry=inquiry,
            )
            self._disputes[dispute.id] = dispute
            charge.disputed = True
            self._emit("charge.dispute.created", self._dispute_json(dispute))
            if not inquiry:
                self._withdraw(dispute)
            self._schedule(_EVIDENCE_WINDOW, "dispute_due", dispute.id)
            return self._dispute_json(dispute)

    def _withdraw(self, dispute: SimDispute) -> None:
        withdrawn = self._book(
            amount=-dispute.amount,
            currency=dispute.currency,
            kind="adjustment",
            category="dispute",
            source=dispute.id,
            fee=self.dispute_fee,
            description=f"Chargeback withdrawal for {dispute.charge}",
        )
        dispute.txn_ids.append(withdrawn.id)
        self._emit("charge.dispute.funds_withdrawn", self._dispute_json(dispute))

    def _open_dispute_timer(self, charge_id: str) -> None:
        charge = self._charges[charge_id]
        if charge.captured and not charge.disputed and charge.refundable > 0:
            self.open_dispute(charge_id, amount=charge.refundable)

    def submit_evidence(self, dispute_id: str, evidence: dict[str, str]) -> dict[str, Any]:
        """``POST /v1/disputes/{id}`` with ``evidence[...]``: the dispute goes under review."""
        with self._lock:
            dispute = self._open(dispute_id, "updated")
            unknown = sorted(set(evidence) - set(EVIDENCE_FIELDS))
            if unknown:
                raise invalid(f"evidence[{unknown[0]}]", "Received unknown parameter")
            dispute.evidence.update(evidence)
            dispute.submission_count += 1
            dispute.status = "warning_under_review" if dispute.inquiry else "under_review"
            self._emit("charge.dispute.updated", self._dispute_json(dispute))
            text = evidence.get("uncategorized_text")
            if text in ("winning_evidence", "losing_evidence"):
                self._schedule(self.dispute_review_delay, f"dispute_{text[:-9]}", dispute.id)
            return self._dispute_json(dispute)

    def close_dispute(self, dispute_id: str) -> dict[str, Any]:
        """``POST /v1/disputes/{id}/close``: the merchant accepts the loss."""
        with self._lock:
            dispute = self._open(dispute_id, "closed")
            self._close(dispute, won=False)
            return self._dispute_json(dispute)

    def resolve_dispute(self, dispute_id: str, *, won: bool) -> dict[str, Any]:
        """The card network decides the dispute."""
        with self._lock:
            dispute = self._open(dispute_id, "resolved")
            self._close(dispute, won=won)
            return self._dispute_json(dispute)

    def _open(self, dispute_id: str, action: str) -> SimDispute:
        dispute: SimDispute = self._lookup(self._disputes, "dispute", dispute_id)
        if dispute.status in _CLOSED:
            raise unexpected_state("dispute", dispute.id, dispute.status, action)
        return dispute

    def _close(self, dispute: SimDispute, *, won: bool) -> None:
        if dispute.inquiry:
            self._close_inquiry(dispute, won=won)
            return
        dispute.status = "won" if won else "lost"
        self._emit("charge.dispute.closed", self._dispute_json(dispute))
        if won:
            reinstated = self._book(
                amount=dispute.amount,
                currency=dispute.currency,
                kind="adjustment",
                category="dispute_reversal",
                source=dispute.id,
                description=f"Chargeback reversal for {dispute.charge}",
            )
            dispute.txn_ids.append(reinstated.id)
            self._emit("charge.dispute.funds_reinstated", self._dispute_json(dispute))

    def _close_inquiry(self, dispute: SimDispute, *, won: bool) -> None:
        """Won: the inquiry closes with nothing moved. Lost: it becomes a chargeback."""
        if won:
            dispute.status = "warning_closed"
            self._emit("charge.dispute.closed", self._dispute_json(dispute))
            return
        dispute.inquiry = False
        dispute.status = "needs_response"
        dispute.submission_count = 0
        dispute.due_by = self._now() + int(_EVIDENCE_WINDOW.total_seconds())
        self._emit("charge.dispute.updated", self._dispute_json(dispute))
        self._withdraw(dispute)
        self._schedule(_EVIDENCE_WINDOW, "dispute_due", dispute.id)  # a chargeback's own

    def _dispute_timer(self, dispute_id: str, *, won: bool | None) -> None:
        dispute = self._disputes[dispute_id]
        if dispute.status in _CLOSED:
            return
        if won is None:  # the evidence deadline: lost only if nothing was submitted
            if dispute.status in ("needs_response", "warning_needs_response"):
                self._close(dispute, won=False)
            return
        self._close(dispute, won=won)
