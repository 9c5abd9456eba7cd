"""The simulator's money records: Refunds, Disputes and BalanceTransactions, as Stripe JSON.

A balance transaction is ``pending`` until ``available_on`` and ``available`` after it: that is
Stripe's settlement, which the simulator runs on its clock (``settlement_delay``). A captured
charge gets one (type ``charge``), each refund one (``refund``, negative), a dispute one when
funds are withdrawn and one when they are reinstated (``adjustment``). Shapes follow Stripe's
published example objects (``shared/stripe/fixtures.json``, stripe/openapi, MIT).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["EVIDENCE_FIELDS", "SimBalanceTransaction", "SimDispute", "SimRefund"]

EVIDENCE_FIELDS = (
    "access_activity_log",
    "billing_address",
    "cancellation_policy",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_communication",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "customer_signature",
    "duplicate_charge_documentation",
    "duplicate_charge_explanation",
    "duplicate_charge_id",
    "product_description",
    "receipt",
    "refund_policy",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "service_documentation",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_documentation",
    "shipping_tracking_number",
    "uncategorized_file",
    "uncategorized_text",
)
"""The dispute evidence fields Stripe lists (all strings or file ids)."""


@dataclass(slots=True, eq=False)
class SimBalanceTransaction:
    """Money on its way to (or out of) the merchant's Stripe balance."""

    id: str
    amount: int
    currency: str
    created: int
    available_on: int
    type: str
    reporting_category: str
    source: str
    fee: int = 0
    description: str | None = None
    status: str = "pending"

    def to_json(self) -> dict[str, Any]:
        fee_details = (
            [
                {
                    "amount": self.fee,
                    "application": None,
                    "currency": self.currency,
                    "description": "Stripe processing fees",
                    "type": "stripe_fee",
                }
            ]
            if self.fee
            else []
        )
        return {
            "id": self.id,
            "object": "balance_transaction",
            "amount": self.amount,
            "available_on": self.available_on,
            "balance_type": "payments",
            "created": self.created,
            "currency": self.currency,
            "description": self.description,
            "exchange_rate": None,
            "fee": self.fee,
            "fee_details": fee_details,
            "net": self.amount - self.fee,
            "reporting_category": self.reporting_category,
            "source": self.source,
            "status": self.status,
            "type": self.type,
        }


@dataclass(slots=True, eq=False)
class SimRefund:
    """A Refund of part or all of a captured charge."""

    id: str
    amount: int
    currency: str
    charge: str
    payment_intent: str
    created: int
    metadata: dict[str, str]
    reason: str | None = None
    status: str = "pending"
    failure_reason: str | None = None
    balance_transaction: str | None = None
    failure_balance_transaction: str | None = None
    card: bool = True

    def to_json(self) -> dict[str, Any]:
        details = {"type": "card", "card": {"type": "refund"}} if self.card else {"type": "sepa"}
        return {
            "id": self.id,
            "object": "refund",
            "amount": self.amount,
            "balance_transaction": self.balance_transaction,
            "charge": self.charge,
            "created": self.created,
            "currency": self.currency,
            "customer": None,
            "customer_account": None,
            "destination_details": details,
            "failure_balance_transaction": self.failure_balance_transaction,
            "failure_reason": self.failure_reason,
            "metadata": dict(self.metadata),
            "payment_intent": self.payment_intent,
            "payment_method": None,
            "reason": self.reason,
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": self.status,
            "transfer_reversal": None,
        }


@dataclass(slots=True, eq=False)
class SimDispute:
    """A Dispute (chargeback) on a charge."""

    id: str
    amount: int
    currency: str
    charge: str
    payment_intent: str
    created: int
    due_by: int
    reason: str = "fraudulent"
    status: str = "needs_response"
    inquiry: bool = False
    evidence: dict[str, str] = field(default_factory=dict)
    submission_count: int = 0
    txn_ids: list[str] = field(default_factory=list)
    """Its balance transactions: funds withdrawn, then reinstated if won."""
    balance_transactions: list[dict[str, Any]] = field(default_factory=list)
    """Their current JSON, set by the simulator before rendering."""

    def to_json(self) -> dict[str, Any]:
        evidence: dict[str, Any] = {name: self.evidence.get(name) for name in EVIDENCE_FIELDS}
        evidence["enhanced_evidence"] = {}
        return {
            "id": self.id,
            "object": "dispute",
            "amount": self.amount,
            "balance_transactions": list(self.balance_transactions),
            "charge": self.charge,
            "created": self.created,
            "currency": self.currency,
            "enhanced_eligibility_types": [],
            "evidence": evidence,
            "evidence_details": {
                "due_by": self.due_by,
                "enhanced_eligibility": {},
                "has_evidence": bool(self.evidence),
                "past_due": False,
                "submission_count": self.submission_count,
            },
            "is_charge_refundable": False,
            "livemode": False,
            "metadata": {},
            "payment_intent": self.payment_intent,
            "payment_method_details": {
                "type": "card",
                "card": {
                    "brand": "visa",
                    "case_type": "inquiry" if self.inquiry else "chargeback",
                    "network": "visa",
                    "network_reason_code": "10.4",
                },
            },
            "reason": self.reason,
            "status": self.status,
        }
