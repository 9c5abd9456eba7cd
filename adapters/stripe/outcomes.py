"""The adapter's outcome table: every story a Stripe order can tell, as data.

A story is how the customer pays (Stripe's test payment methods, tried in order), what the
merchant does next, and the state the order ends in once Stripe has said everything (webhooks,
then a poll for settlement). The demo's mix and the test kit's histories
(``orderstate.testing.stripe_histories``) are both generated from it, so an outcome added here
is demonstrated and property-tested by itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from orderstate.engine import State

__all__ = ["OUTCOMES", "MerchantStep", "Story"]

MerchantStep = Literal[
    "capture", "cancel", "refund_half", "refund_rest", "win_dispute", "lose_dispute"
]
"""What the merchant does after the customer (refunds after settlement; disputes once open)."""


@dataclass(frozen=True, slots=True)
class Story:
    """One outcome: how the customer pays, what the merchant does, where the order ends."""

    methods: tuple[str, ...]
    ends: State
    two_stage: bool = False
    merchant: tuple[MerchantStep, ...] = ()


OUTCOMES: Mapping[str, Story] = MappingProxyType(
    {
        "paid": Story(("pm_card_visa",), State.COMPLETED),
        "two_stage_captured": Story(
            ("pm_card_visa",), State.COMPLETED, two_stage=True, merchant=("capture",)
        ),
        "two_stage_voided": Story(
            ("pm_card_visa",), State.CANCELLED, two_stage=True, merchant=("cancel",)
        ),
        "authorization_expired": Story(("pm_card_visa",), State.CANCELLED, two_stage=True),
        "partially_refunded": Story(
            ("pm_card_visa",), State.PARTIALLY_REFUNDED, merchant=("refund_half",)
        ),
        "fully_refunded": Story(
            ("pm_card_visa",), State.REFUNDED, merchant=("refund_half", "refund_rest")
        ),
        "declined_then_paid": Story(("pm_card_chargeDeclined", "pm_card_visa"), State.COMPLETED),
        "declined_abandoned": Story(
            ("pm_card_chargeDeclinedInsufficientFunds",), State.CANCELLED, merchant=("cancel",)
        ),
        "authentication_abandoned": Story(
            ("pm_card_authenticationRequired",), State.CANCELLED, merchant=("cancel",)
        ),
        "bank_debit": Story(("pm_sepaDebit_succeeds",), State.COMPLETED),
        "bank_debit_failed": Story(("pm_sepaDebit_fails",), State.CANCELLED, merchant=("cancel",)),
        "dispute_won": Story(
            ("pm_card_createDispute",), State.COMPLETED, merchant=("win_dispute",)
        ),
        "dispute_lost": Story(
            ("pm_card_createDispute",), State.CHARGED_BACK, merchant=("lose_dispute",)
        ),
    }
)
"""Every outcome by name."""
