"""Stripe objects become the shortest legal path of domain events; stale ones are no-ops."""

from __future__ import annotations

import pytest

from orderstate.adapters.port import Outcome
from orderstate.adapters.stripe.errors import SnapshotRejected
from orderstate.adapters.stripe.translate import Translation, apply_view
from orderstate.engine import Money

from .objects import AMOUNT, charge, dispute, events_of, intent, placed, refund, usd, view


def test_a_succeeded_intent_takes_a_new_order_to_clearing() -> None:
    order = placed()

    translation = apply_view(order, view(intent("succeeded")))

    assert translation.outcome is Outcome.APPLIED
    assert translation.events == ("PaymentLinkIssued", "PaymentCaptured", "ClearingStarted")
    assert order.state == "clearing"
    assert order.payment_link == "pi_1PgafyB7WZ01zgkWSjxsAJo3_secret_Dm43xiq1k0ywrRRjDoi8y1gkM"


def test_a_failed_attempt_leaves_the_order_open_for_another_card() -> None:
    order = placed()
    apply_view(order, view(intent("requires_payment_method")))
    events_of(order)

    failed = intent("requires_payment_method", last_payment_error={"code": "card_declined"})
    translation = apply_view(order, view(failed, "payment_intent.payment_failed"))

    assert translation == Translation(Outcome.DUPLICATE)
    assert order.state == "in_progress"


def test_requires_capture_is_authorized_and_a_capture_of_less_is_paid() -> None:
    order = placed(auto_capture=False)
    apply_view(order, view(intent("requires_capture", capture_method="manual")))
    assert (order.state, order.authorized) == ("authorized", usd(AMOUNT))

    captured = intent("succeeded", amount_received=800, capture_method="manual")
    translation = apply_view(order, view(captured))

    assert translation.events == ("PaymentCaptured", "ClearingStarted")
    assert order.captured == usd(800)


def test_an_expired_authorization_is_a_void_with_the_hold_recorded() -> None:
    order = placed(auto_capture=False)
    apply_view(order, view(intent("requires_capture")))
    events_of(order)

    expired = charge(captured=False, amount_captured=0, amount_refunded=AMOUNT, refunded=True)
    translation = apply_view(order, view(expired, "charge.expired"))

    assert translation.events == ("PaymentVoided",)
    assert order.state == "cancelled"


def test_a_canceled_intent_keeps_its_cancellation_reason() -> None:
    order = placed()

    apply_view(order, view(intent("canceled", cancellation_reason="abandoned")))

    assert order.state == "cancelled"
    assert order.reason == "stripe cancellation_reason abandoned"


def test_settlement_is_the_balance_transaction_becoming_available() -> None:
    order = placed()
    apply_view(order, view(intent("succeeded")))
    events_of(order)
    polled = intent(
        "succeeded",
        latest_charge=charge(balance_transaction={"id": "txn_1", "status": "available"}),
    )

    translation = apply_view(order, view(polled, "poll"))

    assert translation.events == ("OrderSettled",)
    assert order.state == "completed"


def test_charge_refunded_counts_the_cumulative_refunded_amount_once() -> None:
    order = placed()
    apply_view(order, view(intent("succeeded")))
    order.record_settlement()
    first = charge(amount_refunded=300)
    second = charge(amount_refunded=500)

    apply_view(order, view(first, "charge.refunded"))
    apply_view(order, view(second, "charge.refunded"))
    again = apply_view(order, view(first, "charge.refunded"))

    assert again == Translation(Outcome.STALE)
    assert (order.state, order.refunded) == ("partially_refunded", usd(500))


def test_a_charge_listing_its_refunds_counts_only_the_succeeded_ones() -> None:
    order = placed()
    apply_view(order, view(intent("succeeded")))
    order.record_settlement()
    listed = {
        "object": "list",
        "has_more": False,
        "data": [refund("succeeded", amount=200), refund("pending", amount=300)],
    }

    apply_view(order, view(charge(amount_refunded=500, refunds=listed), "charge.refunded"))

    assert (order.state, order.refunded) == ("partially_refunded", usd(200))


def test_a_failed_refund_declines_the_pending_refund_request() -> None:
    order = placed()
    apply_view(order, view(intent("succeeded")))
    order.record_settlement()
    order.request_refund(usd(100))
    events_of(order)

    failed = refund("failed", failure_reason="expired_or_canceled_card")
    translation = apply_view(order, view(failed, "refund.failed"))

    assert translation.events == ("RequestDeclined",)
    assert order.pending is None
    assert order.state == "completed"


def test_a_succeeded_refund_object_alone_counts_no_money() -> None:
    order = placed()
    apply_view(order, view(intent("succeeded")))
    order.record_settlement()

    translation = apply_view(order, view(refund("succeeded"), "refund.updated"))

    assert translation == Translation(Outcome.DUPLICATE)
    assert order.refunded == usd(0)


def test_a_dispute_opened_then_funds_withdrawn_then_won_goes_back_to_completed() -> None:
    order = placed()
    apply_view(order, view(intent("succeeded")))
    order.record_settlement()
    events_of(order)

    opened = apply_view(order, view(dispute("needs_response"), "charge.dispute.created"))
    withdrawn = apply_view(order, view(dispute("needs_response", -AMOUNT)))
    won = apply_view(order, view(dispute("won", -AMOUNT, AMOUNT), "charge.dispute.closed"))

    assert opened.events == ("DisputeOpened",)
    assert withdrawn.events == ("DisputeFundsWithdrawn",)
    assert won.events == ("DisputeWon",)
    assert order.state == "completed"
    assert (order.withdrawn, order.reinstated) == (usd(AMOUNT), usd(AMOUNT))


def test_a_lost_dispute_arriving_first_takes_the_whole_path_to_charged_back() -> None:
    order = placed()
    apply_view(order, view(intent("succeeded")))
    events_of(order)

    translation = apply_view(order, view(dispute("lost", -AMOUNT), "charge.dispute.closed"))

    assert translation.events == ("DisputeOpened", "DisputeLost")
    assert (order.state, order.withdrawn) == ("charged_back", usd(AMOUNT))


def test_an_open_dispute_after_it_was_won_is_stale() -> None:
    order = placed()
    apply_view(order, view(intent("succeeded")))
    apply_view(order, view(dispute("won", -AMOUNT, AMOUNT)))

    translation = apply_view(order, view(dispute("needs_response", -AMOUNT)))

    assert translation == Translation(Outcome.STALE)


def test_a_won_dispute_after_it_was_lost_is_rejected_and_appends_nothing() -> None:
    order = placed()
    apply_view(order, view(intent("succeeded")))
    apply_view(order, view(dispute("lost", -AMOUNT)))
    events_of(order)

    with pytest.raises(SnapshotRejected, match="dispute won"):
        apply_view(order, view(dispute("won", -AMOUNT, AMOUNT)))

    assert events_of(order) == []


def test_a_late_succeeded_intent_after_refunds_is_stale() -> None:
    order = placed()
    apply_view(order, view(intent("succeeded")))
    order.record_settlement()
    apply_view(order, view(charge(amount_refunded=AMOUNT)))

    translation = apply_view(order, view(intent("succeeded")))

    assert translation == Translation(Outcome.STALE)
    assert order.state == "refunded"


def test_rejects_another_amount_or_currency() -> None:
    order = placed()

    with pytest.raises(SnapshotRejected, match="amount"):
        apply_view(order, view(intent("succeeded", amount=AMOUNT + 1)))
    with pytest.raises(SnapshotRejected, match="currency"):
        apply_view(order, view(intent("succeeded", currency="eur")))


def test_money_taken_for_an_order_expired_here_goes_to_a_person() -> None:
    order = placed()
    apply_view(order, view(intent("requires_payment_method")))
    order.record(type(order).OrderExpired)
    events_of(order)

    translation = apply_view(order, view(intent("succeeded")))

    assert translation.events == ("AmountMismatchDetected",)
    assert order.mismatch == Money(AMOUNT, "USD")


def test_the_released_rest_of_a_partial_capture_is_no_refund() -> None:
    order = placed(auto_capture=False)
    apply_view(order, view(intent("requires_capture")))

    partial = charge(amount_captured=800, amount_refunded=AMOUNT - 800)
    apply_view(order, view(partial, "charge.captured"))

    assert (order.state, order.captured, order.refunded) == ("clearing", usd(800), usd(0))


def test_a_released_hold_after_the_intent_was_canceled_is_a_duplicate() -> None:
    order = placed(auto_capture=False)
    apply_view(order, view(intent("canceled", cancellation_reason="abandoned")))

    released = charge(captured=False, amount_captured=0, amount_refunded=AMOUNT, refunded=True)
    translation = apply_view(order, view(released, "charge.expired"))

    assert translation == Translation(Outcome.DUPLICATE)
