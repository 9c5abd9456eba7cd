"""Test payment methods: the id the customer's payment uses decides what happens, as in Stripe's
test mode (``pm_card_visa`` succeeds, ``pm_card_chargeDeclined`` is declined, ...).

The card ids are Stripe's own test PaymentMethods. Stripe's bank-debit tests use account
numbers rather than ids, so the two asynchronous methods are the simulator's convention:
``pm_sepaDebit_succeeds`` and ``pm_sepaDebit_fails`` go through ``processing`` and end after
``processing_delay``. ``pm_card_createDispute`` is disputed shortly after it is paid and
``pm_card_refundFail``'s refunds fail some time after they succeed, as Stripe documents for
the matching test cards.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["DEFAULT_METHOD", "TEST_METHODS", "Outcome", "TestMethod"]


class Outcome(enum.Enum):
    """What confirming with a test method does."""

    SUCCEEDS = "succeeds"
    DECLINED = "declined"
    REQUIRES_ACTION = "requires_action"
    PROCESSING_SUCCEEDS = "processing_succeeds"
    PROCESSING_FAILS = "processing_fails"


@dataclass(frozen=True, slots=True)
class TestMethod:
    """One test payment method and the outcome it forces."""

    id: str
    outcome: Outcome
    type: str = "card"
    brand: str = "visa"
    last4: str = "4242"
    decline_code: str | None = None
    """Stripe's ``decline_code`` for a declined card (``code`` is then ``card_declined``)."""
    error_code: str = "card_declined"
    message: str = "Your card was declined."
    disputes: bool = False
    refunds_fail: bool = False

    __test__ = False  # not a pytest class, whatever its name says


_METHODS = (
    TestMethod("pm_card_visa", Outcome.SUCCEEDS),
    TestMethod("pm_card_mastercard", Outcome.SUCCEEDS, brand="mastercard", last4="4444"),
    TestMethod(
        "pm_card_chargeDeclined", Outcome.DECLINED, last4="0002", decline_code="generic_decline"
    ),
    TestMethod(
        "pm_card_chargeDeclinedInsufficientFunds",
        Outcome.DECLINED,
        last4="9995",
        decline_code="insufficient_funds",
        message="Your card has insufficient funds.",
    ),
    TestMethod(
        "pm_card_chargeDeclinedExpiredCard",
        Outcome.DECLINED,
        last4="0069",
        error_code="expired_card",
        message="Your card has expired.",
    ),
    TestMethod("pm_card_authenticationRequired", Outcome.REQUIRES_ACTION, last4="3155"),
    TestMethod("pm_card_threeDSecure2Required", Outcome.REQUIRES_ACTION, last4="3220"),
    TestMethod("pm_card_createDispute", Outcome.SUCCEEDS, last4="0259", disputes=True),
    TestMethod("pm_card_refundFail", Outcome.SUCCEEDS, last4="5126", refunds_fail=True),
    TestMethod(
        "pm_sepaDebit_succeeds",
        Outcome.PROCESSING_SUCCEEDS,
        type="sepa_debit",
        brand="",
        last4="3000",
    ),
    TestMethod(
        "pm_sepaDebit_fails",
        Outcome.PROCESSING_FAILS,
        type="sepa_debit",
        brand="",
        last4="3202",
        error_code="payment_method_provider_decline",
        message="The payment was declined by the customer's bank.",
    ),
)

TEST_METHODS = MappingProxyType({method.id: method for method in _METHODS})
"""Every test payment method the simulator knows, by id."""

DEFAULT_METHOD = TEST_METHODS["pm_card_visa"]
