"""The provider's ``need_action`` for an inconsistency other than the amount (its docs: "or
another inconsistency"): recorded with what is known where the life cycle allows, a
contradiction elsewhere."""

from __future__ import annotations

import pytest

from orderstate.adapters.vertex.errors import SnapshotRejected
from orderstate.adapters.vertex.models import OrderStatus, PaymentStatus
from orderstate.adapters.vertex.translate import Outcome, Translation, apply_snapshot
from orderstate.engine import Order

from .test_translate import COST, charge, local, snap


def events_of(order: Order) -> list[tuple[str, dict[str, object]]]:
    envelope = {"originator_id", "originator_version", "timestamp"}
    return [
        (type(event).__name__, {k: v for k, v in vars(event).items() if k not in envelope})
        for event in order.collect_events()
    ]


def test_need_action_with_the_full_amount_paid_is_an_inconsistency() -> None:
    order = local()

    translation = apply_snapshot(
        order, snap(OrderStatus.NEED_ACTION, charge(PaymentStatus.COMPLETED))
    )

    assert translation == Translation(Outcome.APPLIED, ("InconsistencyReported",))
    assert order.state == "need_action"
    assert events_of(order) == [
        (
            "InconsistencyReported",
            {
                "paid": COST,
                "reason": "provider status need_action with 56.99 PHP paid of 56.99 PHP",
            },
        )
    ]


def test_need_action_on_a_paid_order_records_what_was_paid() -> None:
    order = local()
    order.record_capture()
    order.collect_events()

    translation = apply_snapshot(
        order, snap(OrderStatus.NEED_ACTION, charge(PaymentStatus.COMPLETED))
    )

    assert translation == Translation(Outcome.APPLIED, ("InconsistencyReported",))
    assert (order.state, order.mismatch) == ("need_action", COST)
    assert [name for name, _ in events_of(order)] == ["InconsistencyReported"]


def test_need_action_where_the_life_cycle_has_no_inconsistency_is_rejected() -> None:
    order = local()
    order.record_review_started()
    order.collect_events()
    version = order.version

    with pytest.raises(SnapshotRejected) as caught:
        apply_snapshot(order, snap(OrderStatus.NEED_ACTION, charge(PaymentStatus.COMPLETED)))

    assert caught.value.reason == "provider says 'need_action', local order is 'review'"
    assert (order.state, order.version, events_of(order)) == ("review", version, [])


def test_another_contradiction_is_not_taken_for_an_inconsistency() -> None:
    """``paid`` allows an inconsistency, but the provider did not say ``need_action``."""
    order = local()
    order.record_capture()
    order.collect_events()

    with pytest.raises(SnapshotRejected) as caught:
        apply_snapshot(order, snap(OrderStatus.FAILED))

    assert caught.value.reason == "provider says 'failed', local order is 'paid'"
    assert (order.state, events_of(order)) == ("paid", [])
