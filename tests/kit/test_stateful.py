"""``ShopIntegrationMachine``: a shop that does nothing passes, and each shop rule catches the
handler that breaks it.

The scripted tests drive the machine the way a pasted counterexample does (rules called by
hand, invariants checked explicitly); the Hypothesis runs use small, derandomized settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from hypothesis import settings
from hypothesis.stateful import invariant, run_state_machine_as_test

from orderstate.adapters.service import OrderUpdate
from orderstate.testing.stateful import (
    DEFAULT_SETTINGS,
    Shipper,
    ShopIntegrationMachine,
    machine_for,
)

QUICK = settings(DEFAULT_SETTINGS, max_examples=30, derandomize=True, database=None)


class AtOnce(ShopIntegrationMachine):
    """The newer docs' shortcut, opted into: a paid order completes without clearing."""

    clearing_delay = timedelta(0)


class ShipsOnEveryUpdate(ShopIntegrationMachine):
    def on_update(self, update: OrderUpdate) -> None:
        self.ship(update.view.order_number, key=update.key)


class ShipsWhenRefunded(AtOnce):
    def on_update(self, update: OrderUpdate) -> None:
        if update.view.state == "refunded":
            self.ship(update.view.order_number)


class ShipsOncePerCapture(ShopIntegrationMachine):
    def on_update(self, update: OrderUpdate) -> None:
        if "PaymentCaptured" in update.events:
            self.ship(update.view.order_number, key=update.key)


@pytest.fixture
def machine() -> Iterator[ShopIntegrationMachine]:
    state = AtOnce()
    yield state
    state.teardown()


def check_all(state: ShopIntegrationMachine) -> None:
    for name in (
        "engine_states_are_legal_and_money_is_conserved",
        "replay_equals_live",
        "goods_ship_at_most_once",
        "goods_ship_only_for_paid_orders",
        "refunded_or_cancelled_orders_never_ship",
        "money_refunded_never_exceeds_captured",
        "orders_agree_with_the_provider_after_reconciliation",
    ):
        getattr(state, name)()


def test_the_kit_defaults_follow_the_seed_and_shortcuts_are_opted_into() -> None:
    state = ShopIntegrationMachine()
    try:
        order = state.place(amount=1000, flow="single_stage", customer="pays")
        paid = state.sim.order(order)

        assert (state.sim.clearing_delay, state.sim.notify_payment_changes) == (
            timedelta(days=1),
            False,
        )
        assert paid.status.value == "in_progress"  # paid, clearing for a day
        assert "completed" not in [sent.status.value for sent in state.sim.outbox]
        state.advance_clock(hours=24)
        assert state.sim.order(order).status.value == "completed"
    finally:
        state.teardown()


def test_a_shop_with_no_side_effects_passes_every_invariant() -> None:
    run_state_machine_as_test(ShopIntegrationMachine, settings=QUICK)


def test_a_two_stage_shop_that_ships_once_per_capture_passes_with_clearing() -> None:
    class WithClearing(ShipsOncePerCapture):
        clearing_delay = timedelta(days=1)

    run_state_machine_as_test(WithClearing, settings=QUICK)


def test_catches_a_handler_that_ships_an_unpaid_order() -> None:
    with pytest.raises(AssertionError, match="goods_ship_only_for_paid_orders"):
        run_state_machine_as_test(ShipsOnEveryUpdate, settings=QUICK)


def test_catches_a_handler_that_ships_a_refunded_order() -> None:
    state = ShipsWhenRefunded()
    order = state.place(amount=1000, flow="single_stage", customer="pays")
    state.reconcile(order=order)
    state.refund(order=order, portion="all")
    state.advance_clock(hours=0)
    state.reconcile(order=order)
    state.work()

    with pytest.raises(AssertionError, match="refunded_or_cancelled_orders_never_ship"):
        check_all(state)
    state.teardown()


def test_catches_a_user_invariant_added_in_a_subclass() -> None:
    class EveryOrderGetsPaid(ShopIntegrationMachine):
        @invariant()
        def no_order_is_declined(self) -> None:
            assert all(self.view(n).state != "failed" for n in self.numbers), "declined"

    with pytest.raises(AssertionError, match="declined"):
        run_state_machine_as_test(EveryOrderGetsPaid, settings=QUICK)


def test_a_duplicate_callback_stores_nothing_so_no_follower_hears_it_again(
    machine: ShopIntegrationMachine,
) -> None:
    heard: list[OrderUpdate] = []
    machine.service.subscribe(heard.append, name="heard")
    machine.place(amount=1000, flow="single_stage", customer="pays")
    machine.drop_next()
    completed = machine.deliver_next()
    machine.work()
    before = len(heard)

    machine.deliver_again(callback=completed)
    machine.work()

    assert len(heard) == before
    assert heard[-1].events == ("OrderSettled",)
    assert machine.view("order-1").state == "completed"
    check_all(machine)


def test_a_worker_crash_redelivers_the_same_keys_and_the_keyed_shop_ships_once() -> None:
    state = ShipsOncePerCapture()
    heard: list[OrderUpdate] = []
    state.service.subscribe(heard.append, name="heard")
    state.place(amount=1000, flow="single_stage", customer="pays")
    state.reconcile_all()

    state.worker_crashes()
    state.work()

    captured = [u.key for u in heard if u.events == ("PaymentCaptured",)]
    assert state.shop.keys == {captured[0]}
    assert state.shipments == {"order-1": 1}
    check_all(state)
    state.teardown()


def test_a_shipment_the_warehouse_refused_is_retried_and_goes_out_once() -> None:
    state = ShipsOncePerCapture()
    state.place(amount=1000, flow="single_stage", customer="pays")
    state.reconcile_all()
    state.warehouse_fails_next()

    state.work()
    failing = {s.name: s for s in state.service.follower_status()}["shop"]
    state.work()

    assert failing.failures == 1
    assert failing.last_error is not None
    assert "WarehouseDown" in failing.last_error
    assert state.shipments == {"order-1": 1}
    assert {s.name: s.failures for s in state.service.follower_status()}["shop"] == 0
    check_all(state)
    state.teardown()


def test_holding_a_callback_back_delivers_it_after_the_newer_one(
    machine: ShopIntegrationMachine,
) -> None:
    machine.place(amount=1000, flow="single_stage", customer="pays")

    machine.hold_back()
    first = machine.deliver_next()
    second = machine.deliver_next()

    assert (first.status.value, second.status.value) == ("completed", "in_progress")
    assert machine.view("order-1").state == "completed"


def test_forged_callbacks_are_refused_and_reach_no_shop(machine: ShopIntegrationMachine) -> None:
    heard: list[OrderUpdate] = []
    machine.service.subscribe(heard.append, name="heard")
    machine.place(amount=1000, flow="single_stage", customer="waits")
    callback = machine.deliver_next()
    machine.work()
    before = len(heard)

    machine.deliver_forged(callback=callback, tamper=True)
    machine.deliver_forged(callback=callback, tamper=False)
    machine.work()

    assert len(heard) == before


def test_after_reconciling_everything_the_shop_agrees_with_the_provider(
    machine: ShopIntegrationMachine,
) -> None:
    machine.place(amount=1000, flow="two_stage", customer="pays")
    machine.place(amount=999, flow="single_stage", customer="declines")
    machine.drop_next()
    machine.drop_next()

    machine.reconcile_all()

    states = {n: machine.view(n).state for n in machine.numbers}
    assert states == {"order-1": "authorized", "order-2": "failed"}
    machine.orders_agree_with_the_provider_after_reconciliation()


def test_every_subclass_runs_with_the_kits_settings_unless_it_says_otherwise() -> None:
    @settings(max_examples=7)
    class Overridden(ShopIntegrationMachine):
        pass

    assert ShipsOnEveryUpdate.TestCase.settings.max_examples == DEFAULT_SETTINGS.max_examples
    assert ShipsOnEveryUpdate.TestCase.settings.deadline is None
    assert Overridden.TestCase.settings.max_examples == 7


def test_machine_for_wraps_a_handler_function_in_a_named_machine() -> None:
    def ship_everything(shop: Shipper, update: OrderUpdate) -> None:
        shop.ship(update.view.order_number)

    machine_class = machine_for(ship_everything, name="ShipEverythingMachine")
    state = machine_class()
    state.place(amount=1000, flow="single_stage", customer="waits")
    state.work()
    state.teardown()

    assert machine_class.__name__ == "ShipEverythingMachine"
    assert state.shipments == {"order-1": 2}  # OrderPlaced, PaymentLinkIssued: no key, two


def test_the_loopback_machine_reaches_the_simulator_over_a_real_socket() -> None:
    class OverLoopback(AtOnce):
        loopback = True

    state = OverLoopback()
    try:
        state.place(amount=1000, flow="single_stage", customer="pays")
        state.reconcile_all()

        assert state.view("order-1").state == "completed"
        assert state.client.config.base_url.startswith("http://127.0.0.1:")
    finally:
        state.teardown()
