"""The kit's strategies generate legal things, and hostile ones are refused.

Every generated delivery is played against a real ``OrderService`` (in memory, no provider):
honest deliveries, however dropped, duplicated or reordered, end where the provider's final
view says; forged, unsigned and tampered callbacks are refused and change nothing. The
coverage tests tie the strategies to the adapter's mapping and the life-cycle spec, so a status
or state added there without a history fails here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from itertools import product
from typing import Literal, TypeVar

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.service import OrderService, Shop
from orderstate.adapters.vertex.models import (
    OrderSnapshot,
    OrderStatus,
    Payment,
    PaymentStatus,
    PaymentType,
)
from orderstate.adapters.vertex.payloads import parse_json, parse_order
from orderstate.adapters.vertex.translate import ORDER_STATUSES, PAYMENT_STATUSES, provider_view
from orderstate.engine import LIFECYCLE
from orderstate.engine.currencies import EXPONENTS
from orderstate.engine.money import Money
from orderstate.testing import (
    REFUSED_OUTCOMES,
    Deliver,
    Delivery,
    Forged,
    Interleaving,
    ProviderHistory,
    Reconcile,
    Stale,
    Tampered,
    Unsigned,
    adversarial_deliveries,
    deliveries,
    histories,
    interleavings,
    money,
    run_delivery,
    to_callback,
)
from orderstate.testing.vertex_histories import OUTCOMES, TWO_STAGE, HistorySpec
from orderstate.testing.vertex_histories import history as provider_history

SECRET = "kit-secret"
SHOP = 115

NOT_PRODUCED_ORDER_STATUSES = {OrderStatus.REGISTERED}
"""Provider statuses no documented outcome emits (a just-created order is in_progress)."""
NOT_PRODUCED_PAYMENT_STATUSES = {PaymentStatus.IN_PROGRESS}
"""Charge statuses no history shows (a charge appears once it is authorized or settled)."""
TRANSIT_STATES = {"created", "paid", "expired"}
"""Local states no provider view maps to: before the provider knows the order, the instant
between capture and clearing or settlement, and the shop's own expiry while the provider's
order is still open."""
DISPUTE_ONLY_STATES = set(LIFECYCLE.states) - LIFECYCLE.reachable(
    LIFECYCLE.initial, avoiding={"DisputeOpened"}
)
"""States only a dispute leads to: Vertex documents no disputes, so no Vertex history does."""

T = TypeVar("T")

SETTLED = {"completed", "partially_refunded", "refunded"}

NAMESPACE: dict[str, object] = {
    "Deliver": Deliver,
    "Forged": Forged,
    "Interleaving": Interleaving,
    "ProviderHistory": ProviderHistory,
    "Reconcile": Reconcile,
    "Stale": Stale,
    "Tampered": Tampered,
    "Unsigned": Unsigned,
    "HistorySpec": HistorySpec,
    "Money": Money,
    "OrderSnapshot": OrderSnapshot,
    "OrderStatus": OrderStatus,
    "Payment": Payment,
    "PaymentStatus": PaymentStatus,
    "PaymentType": PaymentType,
}
"""What a pasted repr needs in scope (``from orderstate.testing import *`` plus the models)."""

kit_settings = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def find_(strategy: st.SearchStrategy[T], condition: Callable[[T], bool]) -> T:
    """The simplest example Hypothesis finds, the same on every run."""
    return find(strategy, condition, settings=settings(derandomize=True, database=None))


def every_spec_variant() -> list[HistorySpec]:
    """One spec per combination of the knobs that change which statuses appear."""
    return [
        HistorySpec(SHOP, "order-1", Money(1000, "USD"), clearing_visible=visible, expiry_status=s)
        for visible, s in product((True, False), (OrderStatus.CANCELLED, OrderStatus.FAILED))
    ]


def all_snapshots() -> list[OrderSnapshot]:
    variants = product(OUTCOMES, every_spec_variant())
    return [snapshot for o, spec in variants for snapshot in provider_history(o, spec)]


def placed(history: ProviderHistory, service: OrderService) -> None:
    service.place(
        shop_id=SHOP,
        order_number=history.spec.order_number,
        amount=history.spec.cost,
        auto_capture=history.auto_capture,
    )


def new_service() -> OrderService:
    return build_service(store="memory", shops={SHOP: Shop((SECRET,))})


def assert_agrees_with_the_provider(service: OrderService, history: ProviderHistory) -> None:
    """Same state, same refunds, and the same captured amount once money was settled (in
    need_action the engine records the mismatched payment, not a capture)."""
    view = service.view(SHOP, history.spec.order_number)
    final = provider_view(history.final)
    local = (view.state, view.refunded, view.captured if view.state in SETTLED else None)
    remote = (final.state, final.refunded, final.captured if final.state in SETTLED else None)
    assert local == remote, f"{history.outcome}: local {view} vs provider {final}"


# --- derived from the mapping and the spec ------------------------------------------------------


def test_every_mapped_order_status_is_emitted_by_some_outcome_unless_listed_as_not() -> None:
    emitted = {snapshot.status for snapshot in all_snapshots()}

    missing = set(ORDER_STATUSES) - emitted - NOT_PRODUCED_ORDER_STATUSES

    assert not missing, f"statuses in ORDER_STATUSES that no history emits: {missing}"
    assert not NOT_PRODUCED_ORDER_STATUSES & emitted, "a status listed as not emitted is emitted"


def test_every_mapped_payment_status_is_shown_by_some_outcome_unless_listed_as_not() -> None:
    shown = {payment.status for snapshot in all_snapshots() for payment in snapshot.payments}

    missing = set(PAYMENT_STATUSES) - shown - NOT_PRODUCED_PAYMENT_STATUSES

    assert not missing, f"statuses in PAYMENT_STATUSES that no history shows: {missing}"
    assert not NOT_PRODUCED_PAYMENT_STATUSES & shown


def test_every_life_cycle_state_is_some_outcomes_provider_view_unless_only_passed_through() -> None:
    viewed = {provider_view(snapshot).state for snapshot in all_snapshots()}

    missing = set(LIFECYCLE.states) - viewed - TRANSIT_STATES - DISPUTE_ONLY_STATES

    assert not missing, f"life-cycle states no history leads to: {missing}"
    assert not TRANSIT_STATES & viewed
    assert {"disputed", "charged_back"} == DISPUTE_ONLY_STATES
    assert not DISPUTE_ONLY_STATES & viewed


@pytest.mark.parametrize("outcome", sorted(OUTCOMES))
def test_the_histories_strategy_draws_every_outcome_by_default(outcome: str) -> None:
    found = find_(histories(), lambda h: h.outcome == outcome)

    assert found.snapshots == tuple(provider_history(outcome, found.spec))
    assert found.auto_capture is (outcome not in TWO_STAGE)


def test_the_histories_strategy_refuses_an_unknown_outcome() -> None:
    with pytest.raises(ValueError, match="unknown outcomes"):
        histories(["paid_twice"])


# --- money ------------------------------------------------------------------------------------


@kit_settings
@given(money())
def test_money_respects_its_currencys_precision(amount: Money) -> None:
    text = amount.format_amount()

    places = len(text.partition(".")[2])

    assert places == EXPONENTS[amount.currency]
    assert Money.parse(text, amount.currency) == amount


@kit_settings
@given(money("BHD", min_minor=5, max_minor=7))
def test_money_stays_within_the_bounds_in_minor_units(amount: Money) -> None:
    assert amount.currency == "BHD"
    assert 5 <= amount.minor <= 7


def test_money_refuses_a_negative_lower_bound() -> None:
    with pytest.raises(ValueError, match="negative"):
        money("USD", min_minor=-1)


# --- honest deliveries ------------------------------------------------------------------------


@kit_settings
@given(st.data())
def test_every_delivery_of_a_history_ends_where_the_provider_says(data: st.DataObject) -> None:
    history = data.draw(histories(), label="history")
    delivery = data.draw(deliveries(history), label="delivery")
    service = new_service()
    placed(history, service)

    results = run_delivery(service, history, delivery, secret=SECRET)

    for step, result in zip(delivery, results, strict=True):
        outcome = result if isinstance(result, str) else result.outcome
        assert outcome in {"applied", "duplicate", "stale"}, (step, result)
    assert_agrees_with_the_provider(service, history)


def test_deliveries_shrink_to_every_snapshot_once_in_order() -> None:
    history = find_(histories(["fully_refunded"]), lambda h: True)

    smallest = find_(deliveries(history), lambda d: True)

    assert smallest == tuple(Deliver(i) for i in range(len(history.snapshots)))


def test_a_delivery_that_drops_the_last_snapshot_ends_with_a_reconciliation() -> None:
    history = find_(histories(["paid_and_cleared"]), lambda h: True)
    last = len(history.snapshots) - 1

    delivery = find_(deliveries(history), lambda d: Deliver(last) not in d)

    assert delivery[-1] == Reconcile()


# --- adversarial deliveries -------------------------------------------------------------------


@kit_settings
@given(st.data())
def test_forged_unsigned_tampered_and_stale_callbacks_change_nothing(
    data: st.DataObject,
) -> None:
    history = data.draw(histories(), label="history")
    delivery = data.draw(adversarial_deliveries(history), label="delivery")
    service = new_service()
    placed(history, service)

    for step in delivery:
        before = service.view(SHOP, history.spec.order_number)
        [result] = run_delivery(service, history, (step,), secret=SECRET)
        after = service.view(SHOP, history.spec.order_number)

        if isinstance(step, Forged | Unsigned | Tampered):
            assert not isinstance(result, str)
            assert result.outcome in REFUSED_OUTCOMES, (step, result)
            assert after == before
        if isinstance(step, Stale):
            assert after == before, step
    assert_agrees_with_the_provider(service, history)


@pytest.mark.parametrize("field", ["amount", "currency"])
def test_a_tampered_body_still_parses_so_only_its_signature_can_refuse_it(
    field: Literal["amount", "currency"],
) -> None:
    history = find_(histories(["paid_and_cleared"], currency="PHP"), lambda h: True)
    last = len(history.snapshots) - 1
    original = history.snapshots[last]

    body, _ = to_callback(Tampered(last, field), history.snapshots, SECRET)
    tampered = parse_order(parse_json(body))

    assert (tampered.cost.minor, tampered.cost.currency) != (
        original.cost.minor,
        original.cost.currency,
    )
    assert tampered.payments == original.payments or field == "currency"


def test_a_forged_callback_carries_a_signature_made_with_another_secret() -> None:
    history = find_(histories(["declined"]), lambda h: True)

    honest = to_callback(Deliver(1), history.snapshots, SECRET)
    forged = to_callback(Forged(1), history.snapshots, SECRET)
    unsigned = to_callback(Unsigned(1), history.snapshots, SECRET)

    assert honest[0] == forged[0] == unsigned[0]
    assert dict(honest[1])["api-notification-sign"] != dict(forged[1])["api-notification-sign"]
    assert "api-notification-sign" not in dict(unsigned[1])
    assert json.loads(honest[0])["orderStatus"] == "failed"


def test_a_reconciliation_is_not_a_callback() -> None:
    history = find_(histories(["declined"]), lambda h: True)

    with pytest.raises(TypeError, match="poll"):
        to_callback(Reconcile(), history.snapshots, SECRET)


# --- several orders ---------------------------------------------------------------------------


@kit_settings
@given(interleavings(3, adversarial=True))
def test_interleaved_orders_each_end_where_the_provider_says(interleaving: Interleaving) -> None:
    service = new_service()
    for history in interleaving.histories:
        placed(history, service)

    for order, step in interleaving.steps:
        run_delivery(service, interleaving.histories[order], (step,), secret=SECRET)

    for history in interleaving.histories:
        assert_agrees_with_the_provider(service, history)


@kit_settings
@given(interleavings(3))
def test_an_interleaving_keeps_each_orders_own_delivery(interleaving: Interleaving) -> None:
    orders = {order for order, _ in interleaving.steps}

    numbers = [h.spec.order_number for h in interleaving.histories]

    assert numbers == ["order-1", "order-2", "order-3"]
    assert orders == {0, 1, 2}  # every order gets at least a Deliver or a Reconcile
    for order, history in enumerate(interleaving.histories):
        delivery = interleaving.delivery(order)
        last = len(history.snapshots) - 1
        assert Deliver(last) in delivery or delivery[-1] == Reconcile()


# --- reproducible reprs -----------------------------------------------------------------------


@kit_settings
@given(st.data())
def test_a_delivery_and_its_history_paste_back_as_python(data: st.DataObject) -> None:
    history = data.draw(histories(), label="history")
    delivery: Delivery = data.draw(adversarial_deliveries(history), label="delivery")

    pasted_history = eval(repr(history), dict(NAMESPACE))
    pasted_delivery = eval(repr(delivery), dict(NAMESPACE))

    assert pasted_history == history
    assert pasted_delivery == delivery


@kit_settings
@given(interleavings(2, adversarial=True))
def test_an_interleaving_pastes_back_as_python(interleaving: Interleaving) -> None:
    pasted = eval(repr(interleaving), dict(NAMESPACE))

    assert pasted == interleaving


# --- the package's public names ---------------------------------------------------------------


def test_the_package_exports_exactly_the_public_names_of_its_modules() -> None:
    from orderstate import testing
    from orderstate.testing import stateful, strategies

    exported = {name: getattr(testing, name) for name in testing.__all__}

    assert set(testing.__all__) == {*strategies.__all__, *stateful.__all__}
    for name, value in exported.items():
        home = stateful if name in stateful.__all__ else strategies
        assert value is getattr(home, name), name
