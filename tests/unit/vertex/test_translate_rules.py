"""The translator's finer rules: how a mismatch is settled by the provider's view, what a
rejection says, and which snapshots are duplicates or payment activity rather than contradictions.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from orderstate.adapters.vertex.errors import SnapshotRejected
from orderstate.adapters.vertex.models import OrderSnapshot, OrderStatus, PaymentStatus
from orderstate.adapters.vertex.translate import STEPS, Outcome, apply_snapshot, check_steps
from orderstate.engine import LifecycleSpecError, Money, Order

from .test_translate import COST, charge, local, refund, snap

SHORT = Money.parse("50.00", "PHP")
ZERO = Money(0, "PHP")


def mismatched() -> Order:
    """An order whose provider took less than its amount: ``need_action``."""
    order = local()
    order.record_mismatch(SHORT)
    order.collect_events()
    return order


@pytest.mark.parametrize(
    ("snapshot", "resolution", "captured", "refunded"),
    [
        pytest.param(
            snap(OrderStatus.COMPLETED, charge(PaymentStatus.COMPLETED)),
            "completed",
            COST,
            ZERO,
            id="completed",
        ),
        pytest.param(snap(OrderStatus.REFUNDED), "refunded", COST, COST, id="refunded"),
        pytest.param(snap(OrderStatus.CANCELLED), "cancelled", ZERO, ZERO, id="cancelled"),
    ],
)
def test_the_providers_final_view_resolves_a_mismatch_as_it_ended(
    snapshot: OrderSnapshot, resolution: str, captured: Money, refunded: Money
) -> None:
    order = mismatched()

    translation = apply_snapshot(order, snapshot)

    assert (translation.outcome, translation.events) == (Outcome.APPLIED, ("MismatchResolved",))
    (resolved,) = order.collect_events()
    assert (resolved.resolution, resolved.captured) == (resolution, captured)
    assert (order.state, order.captured, order.refunded) == (resolution, captured, refunded)
    assert order.mismatch is None


def test_a_cancelled_snapshot_with_a_cancelled_charge_repeats_a_single_stage_cancellation() -> None:
    order = local()
    order.record_cancellation("customer cancelled")
    order.collect_events()

    again = apply_snapshot(order, snap(OrderStatus.CANCELLED, charge(PaymentStatus.CANCELLED)))

    assert again.outcome is Outcome.DUPLICATE
    assert order.collect_events() == []


def test_a_payment_attempt_during_review_means_the_review_was_accepted() -> None:
    order = local()
    apply_snapshot(order, snap(OrderStatus.REVIEW))

    translation = apply_snapshot(
        order, snap(OrderStatus.IN_PROGRESS, charge(PaymentStatus.IN_PROGRESS))
    )

    assert translation.outcome is Outcome.APPLIED
    assert translation.events == ("ReviewAccepted",)
    assert order.state == "in_progress"


@pytest.mark.parametrize("status", [OrderStatus.FAILED, OrderStatus.REJECTED])
def test_an_order_ended_by_the_provider_records_the_providers_status(status: OrderStatus) -> None:
    order = local()

    apply_snapshot(order, snap(status))

    assert order.reason == f"provider status {status.value}"


def test_a_rejection_names_the_order_and_the_snapshot_and_says_why() -> None:
    order = local()
    apply_snapshot(order, snap(OrderStatus.COMPLETED))
    too_much = snap(OrderStatus.PARTIALLY_REFUNDED, refund("60.00"))

    with pytest.raises(SnapshotRejected) as rejected:
        apply_snapshot(order, too_much)

    assert rejected.value.order_number == "test04"
    assert rejected.value.snapshot is too_much
    assert rejected.value.reason == "refunds 60.00 PHP exceed the captured 56.99 PHP"


@pytest.mark.parametrize(
    ("snapshot", "reason"),
    [
        pytest.param(
            snap(OrderStatus.COMPLETED),
            "provider says 'completed', local order is 'cancelled'",
            id="contradiction",
        ),
        pytest.param(
            replace(snap(OrderStatus.CANCELLED), shop_id=116),
            "the snapshot is for another order",
            id="other-shop",
        ),
    ],
)
def test_a_rejection_reason_names_both_sides(snapshot: OrderSnapshot, reason: str) -> None:
    order = local()
    order.record_cancellation("customer cancelled")

    with pytest.raises(SnapshotRejected) as rejected:
        apply_snapshot(order, snapshot)

    assert rejected.value.reason == reason


def test_a_misnamed_step_is_refused_saying_why() -> None:
    with pytest.raises(LifecycleSpecError) as refused:
        check_steps({**STEPS, "PaymentCapturd": STEPS["PaymentCaptured"]})

    assert str(refused.value) == "PaymentCapturd: a translator step names no event of the spec"
