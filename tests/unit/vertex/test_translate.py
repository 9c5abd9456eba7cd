"""Provider snapshots → domain events: the mapping, the acceptance cases, and convergence."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orderstate.adapters.vertex.errors import SnapshotRejected
from orderstate.adapters.vertex.models import (
    OrderSnapshot,
    OrderStatus,
    Payment,
    PaymentStatus,
    PaymentType,
)
from orderstate.adapters.vertex.translate import (
    ORDER_STATUSES,
    PAYMENT_STATUSES,
    STEPS,
    Outcome,
    apply_snapshot,
    check_steps,
)
from orderstate.engine import LIFECYCLE, LifecycleSpecError, Money, Order
from orderstate.testing.vertex_histories import OUTCOMES, TWO_STAGE, HistorySpec, history

COST = Money.parse("56.99", "PHP")


def local(*, auto_capture: bool = True, linked: bool = True, cost: Money = COST) -> Order:
    order = Order.place(shop_id=115, order_number="test04", amount=cost, auto_capture=auto_capture)
    if linked:
        order.record_payment_link("https://payment-page.example/payment?session-id=1")
    order.collect_events()
    return order


def snap(status: OrderStatus, *payments: Payment, cost: Money = COST) -> OrderSnapshot:
    return OrderSnapshot(115, "test04", status, cost, payments)


def charge(status: PaymentStatus, amount: Money = COST) -> Payment:
    return Payment(status, amount)


def refund(amount: str) -> Payment:
    return Payment(PaymentStatus.COMPLETED, Money.parse(amount, "PHP"), PaymentType.REFUND)


def test_every_provider_status_is_mapped() -> None:
    assert set(ORDER_STATUSES) == set(OrderStatus)
    assert set(PAYMENT_STATUSES) == set(PaymentStatus)
    assert set(ORDER_STATUSES.values()) <= set(LIFECYCLE.states)


@pytest.mark.parametrize(
    ("snapshot", "state"),
    [
        pytest.param(snap(OrderStatus.REGISTERED), "in_progress", id="registered"),
        pytest.param(snap(OrderStatus.IN_PROGRESS), "in_progress", id="in-progress-no-payment"),
        pytest.param(
            snap(OrderStatus.IN_PROGRESS, charge(PaymentStatus.IN_PROGRESS)),
            "in_progress",
            id="in-progress-payment-in-progress",
        ),
        pytest.param(snap(OrderStatus.REVIEW), "review", id="review"),
        pytest.param(
            snap(OrderStatus.IN_PROGRESS, charge(PaymentStatus.COMPLETED)),
            "clearing",
            id="in-progress-paid-is-clearing",
        ),
        pytest.param(snap(OrderStatus.COMPLETED), "completed", id="completed"),
        pytest.param(
            snap(OrderStatus.PARTIALLY_REFUNDED, charge(PaymentStatus.COMPLETED), refund("6.99")),
            "partially_refunded",
            id="partially-refunded",
        ),
        pytest.param(snap(OrderStatus.REFUNDED), "refunded", id="refunded"),
        pytest.param(snap(OrderStatus.CANCELLED), "cancelled", id="cancelled"),
        pytest.param(snap(OrderStatus.FAILED), "failed", id="failed"),
        pytest.param(snap(OrderStatus.REJECTED), "rejected", id="rejected"),
        pytest.param(snap(OrderStatus.NEED_ACTION), "need_action", id="need-action"),
        pytest.param(
            snap(OrderStatus.COMPLETED, charge(PaymentStatus.COMPLETED, Money(5000, "PHP"))),
            "need_action",
            id="completed-short-payment-is-need-action",
        ),
    ],
)
def test_brings_a_fresh_order_to_the_providers_state(snapshot: OrderSnapshot, state: str) -> None:
    order = local()

    translation = apply_snapshot(order, snapshot)

    assert order.state == state
    assert translation.outcome in {Outcome.APPLIED, Outcome.DUPLICATE}


def test_completed_from_in_progress_goes_through_paid_and_clearing() -> None:
    order = local()

    translation = apply_snapshot(
        order, snap(OrderStatus.COMPLETED, charge(PaymentStatus.COMPLETED))
    )

    assert translation.events == ("PaymentCaptured", "ClearingStarted", "OrderSettled")
    assert order.captured == COST
    assert next(type(e).__name__ for e in order.collect_events()) == "PaymentCaptured"


def test_an_authorized_payment_authorizes_a_two_stage_order() -> None:
    order = local(auto_capture=False)

    apply_snapshot(order, snap(OrderStatus.IN_PROGRESS, charge(PaymentStatus.AUTHORIZED)))

    assert (order.state, order.authorized) == ("authorized", COST)


def test_refund_total_is_the_sum_of_completed_refund_items() -> None:
    order = local()
    apply_snapshot(order, snap(OrderStatus.COMPLETED))

    apply_snapshot(
        order,
        snap(
            OrderStatus.PARTIALLY_REFUNDED,
            charge(PaymentStatus.PARTIALLY_REFUNDED),
            refund("6.99"),
            refund("10.00"),
            Payment(PaymentStatus.IN_PROGRESS, Money(100, "PHP"), PaymentType.REFUND),
        ),
    )

    assert order.refunded == Money.parse("16.99", "PHP")


def test_a_snapshot_applied_twice_changes_nothing_the_second_time() -> None:
    order = local()
    snapshot = snap(OrderStatus.COMPLETED)
    apply_snapshot(order, snapshot)
    version = order.version

    again = apply_snapshot(order, snapshot)

    assert again.outcome is Outcome.DUPLICATE
    assert order.version == version


def test_a_snapshot_behind_the_local_state_is_stale() -> None:
    order = local()
    apply_snapshot(order, snap(OrderStatus.COMPLETED))

    stale = apply_snapshot(order, snap(OrderStatus.IN_PROGRESS))

    assert stale.outcome is Outcome.STALE
    assert order.state == "completed"


def test_a_lower_refund_total_is_stale() -> None:
    order = local()
    apply_snapshot(order, snap(OrderStatus.PARTIALLY_REFUNDED, refund("20.00")))

    stale = apply_snapshot(order, snap(OrderStatus.PARTIALLY_REFUNDED, refund("10.00")))

    assert stale.outcome is Outcome.STALE
    assert order.refunded == Money.parse("20.00", "PHP")


def test_a_review_after_the_review_was_decided_is_stale() -> None:
    order = local()
    apply_snapshot(order, snap(OrderStatus.REVIEW))
    apply_snapshot(order, snap(OrderStatus.IN_PROGRESS, charge(PaymentStatus.COMPLETED)))

    stale = apply_snapshot(order, snap(OrderStatus.REVIEW))

    assert stale.outcome is Outcome.STALE
    assert order.state == "clearing"


def test_an_unpaid_in_progress_during_review_is_the_one_from_before_it() -> None:
    order = local()
    apply_snapshot(order, snap(OrderStatus.REVIEW))

    stale = apply_snapshot(order, snap(OrderStatus.IN_PROGRESS))

    assert stale.outcome is Outcome.STALE
    assert order.state == "review"


@pytest.mark.parametrize(
    ("snapshot", "reason"),
    [
        pytest.param(snap(OrderStatus.COMPLETED), "provider says 'completed'", id="after-cancel"),
        pytest.param(
            snap(OrderStatus.CANCELLED, cost=Money.parse("56.99", "USD")),
            "currency USD",
            id="wrong-currency",
        ),
        pytest.param(
            snap(OrderStatus.CANCELLED, cost=Money.parse("50.00", "PHP")),
            "amount 50.00 PHP",
            id="wrong-amount",
        ),
        pytest.param(
            replace(snap(OrderStatus.CANCELLED), order_number="other"),
            "another order",
            id="other-order",
        ),
    ],
)
def test_rejects_a_contradicting_snapshot_and_appends_nothing(
    snapshot: OrderSnapshot, reason: str
) -> None:
    order = local()
    order.record_cancellation("customer cancelled")
    order.collect_events()

    with pytest.raises(SnapshotRejected, match=reason) as rejected:
        apply_snapshot(order, snapshot)

    assert rejected.value.snapshot == snapshot
    assert order.collect_events() == []
    assert order.state == "cancelled"


def test_rejects_refunds_above_the_captured_amount() -> None:
    order = local()
    apply_snapshot(order, snap(OrderStatus.COMPLETED))

    with pytest.raises(SnapshotRejected, match="exceed"):
        apply_snapshot(order, snap(OrderStatus.PARTIALLY_REFUNDED, refund("60.00")))

    assert order.refunded == Money(0, "PHP")


def test_a_first_snapshot_on_a_created_order_records_the_payment_link() -> None:
    order = local(linked=False)

    translation = apply_snapshot(
        order, replace(snap(OrderStatus.IN_PROGRESS), payment_link="https://pay.example/x")
    )

    assert translation.events == ("PaymentLinkIssued",)
    assert order.payment_link == "https://pay.example/x"


# -- convergence -------------------------------------------------------------------------------


def final_view(order: Order) -> tuple[object, ...]:
    """What convergence compares: the state and every amount."""
    return (order.state, order.authorized, order.captured, order.refunded)


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[str, HistorySpec, list[OrderSnapshot], list[int]]:
    outcome = draw(st.sampled_from(sorted(OUTCOMES)), label="outcome")
    spec = HistorySpec(
        shop_id=115,
        order_number="test04",
        cost=Money(draw(st.integers(1, 10**7), label="minor"), "PHP"),
        clearing_visible=draw(st.booleans(), label="clearing_visible"),
        refund_parts=draw(st.integers(1, 3), label="refund_parts"),
        expiry_status=draw(st.sampled_from([OrderStatus.CANCELLED, OrderStatus.FAILED])),
    )
    snapshots = history(outcome, spec)
    indices = range(len(snapshots))
    order = draw(st.permutations(indices), label="order")
    repeats = draw(st.lists(st.sampled_from(indices), max_size=6), label="repeats")
    positions = draw(
        st.lists(st.integers(0, len(order)), min_size=len(repeats), max_size=len(repeats))
    )
    delivery = list(order)
    for repeat, position in zip(repeats, positions, strict=True):
        delivery.insert(position, repeat)
    return outcome, spec, snapshots, delivery


@settings(max_examples=300, deadline=None)
@given(deliveries())
def test_any_delivery_order_converges_to_the_in_order_result(
    case: tuple[str, HistorySpec, list[OrderSnapshot], list[int]],
) -> None:
    outcome, spec, snapshots, delivery = case
    in_order = local(auto_capture=outcome not in TWO_STAGE, cost=spec.cost)
    shuffled = local(auto_capture=outcome not in TWO_STAGE, cost=spec.cost)
    for snapshot in snapshots:
        apply_snapshot(in_order, snapshot)

    for index in delivery:
        apply_snapshot(shuffled, snapshots[index])

    assert final_view(shuffled) == final_view(in_order)
    assert Money(0, "PHP") <= shuffled.refunded <= shuffled.captured <= shuffled.amount


def test_refuses_a_step_named_after_no_event_of_the_spec() -> None:
    steps = {**STEPS, "PaymentCapturd": STEPS["PaymentCaptured"]}

    with pytest.raises(LifecycleSpecError) as refused:
        check_steps(steps)

    assert refused.value.culprit == "PaymentCapturd"


def test_every_step_is_named_after_an_event_of_the_spec() -> None:
    assert set(STEPS) <= set(LIFECYCLE.events)
