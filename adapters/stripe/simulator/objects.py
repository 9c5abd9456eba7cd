"""The simulator's records: PaymentIntents and Charges, mutable rows rendered as Stripe JSON.

``to_json`` gives the object as Stripe's API shows it, with every top-level field of Stripe's
published example objects (``shared/stripe/fixtures.json``, from stripe/openapi, MIT); fields the
simulator does not model are present and null, as an unused field is on Stripe. Only the
simulator changes these rows, under its lock; events and responses carry ``to_json()`` copies.
Refunds, disputes and balance transactions are in ``ledger``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .methods import TestMethod

__all__ = ["SimCharge", "SimIntent"]

_ADDRESS = dict.fromkeys(("city", "country", "line1", "line2", "postal_code", "state"))


@dataclass(slots=True, eq=False)
class SimIntent:
    """A PaymentIntent."""

    id: str
    amount: int
    currency: str
    capture_method: str
    created: int
    client_secret: str
    metadata: dict[str, str]
    description: str | None = None
    status: str = "requires_payment_method"
    payment_method: TestMethod | None = None
    amount_capturable: int = 0
    amount_received: int = 0
    latest_charge: str | None = None
    last_payment_error: dict[str, Any] | None = None
    next_action: dict[str, Any] | None = None
    cancellation_reason: str | None = None
    canceled_at: int | None = None
    return_url: str | None = None
    charges: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "payment_intent",
            "amount": self.amount,
            "amount_capturable": self.amount_capturable,
            "amount_details": {"tip": {}},
            "amount_received": self.amount_received,
            "application": None,
            "application_fee_amount": None,
            "automatic_payment_methods": None,
            "canceled_at": self.canceled_at,
            "cancellation_reason": self.cancellation_reason,
            "capture_method": self.capture_method,
            "client_secret": self.client_secret,
            "confirmation_method": "automatic",
            "created": self.created,
            "currency": self.currency,
            "customer": None,
            "customer_account": None,
            "description": self.description,
            "excluded_payment_method_types": None,
            "last_payment_error": self.last_payment_error,
            "latest_charge": self.latest_charge,
            "livemode": False,
            "managed_payments": None,
            "metadata": dict(self.metadata),
            "next_action": self.next_action,
            "on_behalf_of": None,
            "payment_method": None if self.payment_method is None else self.payment_method.id,
            "payment_method_configuration_details": None,
            "payment_method_options": {},
            "payment_method_types": [self._method_type()],
            "processing": None,
            "receipt_email": None,
            "review": None,
            "setup_future_usage": None,
            "shipping": None,
            "source": None,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "status": self.status,
            "transfer_data": None,
            "transfer_group": None,
        }

    def _method_type(self) -> str:
        return "card" if self.payment_method is None else self.payment_method.type


@dataclass(slots=True, eq=False)
class SimCharge:
    """A Charge: one attempt to move the intent's money with one payment method."""

    id: str
    intent: SimIntent
    method: TestMethod
    amount: int
    created: int
    status: str = "pending"
    captured: bool = False
    amount_captured: int = 0
    released: int = 0
    """Authorized but never captured, given back (a partial capture, a cancel, an expiry):
    Stripe counts it in ``amount_refunded``."""
    refunded_total: int = 0
    """What refunds that have not failed gave back."""
    disputed: bool = False
    failure_code: str | None = None
    failure_message: str | None = None
    balance_transaction: str | None = None
    refunds: list[str] = field(default_factory=list)
    refund_json: list[dict[str, Any]] = field(default_factory=list)
    """The refunds' current JSON, newest first, set by the ledger before rendering."""

    @property
    def amount_refunded(self) -> int:
        return self.released + self.refunded_total

    @property
    def refundable(self) -> int:
        """What a new refund may still give back."""
        return self.amount_captured - self.refunded_total

    def to_json(self) -> dict[str, Any]:
        intent = self.intent
        return {
            "id": self.id,
            "object": "charge",
            "amount": self.amount,
            "amount_captured": self.amount_captured,
            "amount_refunded": self.amount_refunded,
            "application": None,
            "application_fee": None,
            "application_fee_amount": None,
            "balance_transaction": self.balance_transaction,
            "billing_details": {
                "address": dict(_ADDRESS),
                "email": None,
                "name": None,
                "phone": None,
                "tax_id": None,
            },
            "calculated_statement_descriptor": "ORDERSTATE SIM",
            "captured": self.captured,
            "created": self.created,
            "currency": intent.currency,
            "customer": None,
            "description": intent.description,
            "disputed": self.disputed,
            "failure_balance_transaction": None,
            "failure_code": self.failure_code,
            "failure_message": self.failure_message,
            "fraud_details": {},
            "livemode": False,
            "metadata": dict(intent.metadata),
            "on_behalf_of": None,
            "outcome": self._outcome(),
            "paid": self.status == "succeeded",
            "payment_intent": intent.id,
            "payment_method": self.method.id,
            "payment_method_details": _method_details(self.method, self.amount),
            "receipt_email": None,
            "receipt_number": None,
            "receipt_url": None,
            "refunded": self.amount > 0 and self.amount_refunded >= self.amount,
            "refunds": {
                "object": "list",
                "data": list(self.refund_json),
                "has_more": False,
                "url": f"/v1/charges/{self.id}/refunds",
            },
            "review": None,
            "shipping": None,
            "source": None,
            "source_transfer": None,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "status": self.status,
            "transfer_data": None,
            "transfer_group": None,
        }

    def _outcome(self) -> dict[str, Any]:
        failed = self.status == "failed"
        return {
            "advice_code": None,
            "network_advice_code": None,
            "network_decline_code": None,
            "network_status": "declined_by_network" if failed else "approved_by_network",
            "reason": self.method.decline_code if failed else None,
            "seller_message": "The bank did not return any further details with this decline."
            if failed
            else "Payment complete.",
            "type": "issuer_declined" if failed else "authorized",
        }


def _method_details(method: TestMethod, amount: int) -> dict[str, Any]:
    if method.type != "card":
        return {"type": method.type, method.type: {"last4": method.last4, "country": "DE"}}
    card = {
        "amount_authorized": amount,
        "authorization_code": None,
        "brand": method.brand,
        "checks": {
            "address_line1_check": None,
            "address_postal_code_check": None,
            "cvc_check": "pass",
        },
        "country": "US",
        "exp_month": 12,
        "exp_year": 2034,
        "extended_authorization": {"status": "disabled"},
        "fingerprint": f"sim{method.last4}",
        "funding": "credit",
        "incremental_authorization": {"status": "unavailable"},
        "installments": None,
        "last4": method.last4,
        "mandate": None,
        "multicapture": {"status": "unavailable"},
        "network": method.brand,
        "network_token": {"used": False},
        "network_transaction_id": None,
        "overcapture": {"maximum_amount_capturable": amount, "status": "unavailable"},
        "regulated_status": None,
        "three_d_secure": None,
        "transaction_link_id": None,
        "wallet": None,
    }
    return {"type": "card", "card": card}
