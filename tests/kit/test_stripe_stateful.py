"""The Stripe shop machine: a shop that ships once per paid order with the update's key holds
every invariant against the Stripe simulator; a shop that ships without the key is caught."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from orderstate.adapters.service import OrderUpdate
from orderstate.testing.stateful import PAID_STATES, Shipper
from orderstate.testing.stripe_stateful import StripeShopMachine, stripe_machine_for

RUN = settings(
    max_examples=30,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def careful(shop: Shipper, update: OrderUpdate) -> None:
    """Ships when the order is first paid, with the update's key (the warehouse dedupes)."""
    if "PaymentCaptured" in update.events and update.view.state in PAID_STATES:
        shop.ship(update.view.order_number, key=update.key)


def naive(shop: Shipper, update: OrderUpdate) -> None:
    """Ships on every capture it hears of, without the key."""
    if "PaymentCaptured" in update.events:
        shop.ship(update.view.order_number)


CarefulStripeShop = stripe_machine_for(careful, name="CarefulStripeShop")
NaiveStripeShop = stripe_machine_for(naive, name="NaiveStripeShop")


def test_the_base_machine_holds_every_invariant_against_the_stripe_simulator() -> None:
    run_state_machine_as_test(StripeShopMachine, settings=RUN)


def test_a_shop_shipping_with_the_update_key_holds_every_invariant() -> None:
    run_state_machine_as_test(CarefulStripeShop, settings=RUN)


def test_a_shop_shipping_without_the_key_ships_twice_after_a_worker_crash() -> None:
    with pytest.raises(AssertionError, match="goods_ship_at_most_once"):
        run_state_machine_as_test(
            NaiveStripeShop,
            settings=settings(
                RUN, max_examples=600, derandomize=True, database=None, phases=[Phase.generate]
            ),
        )


def test_machine_for_runs_the_same_shop_handler_against_either_provider() -> None:
    """One handler, two providers: ``machine_for(..., provider=)`` picks the world it runs in."""
    from orderstate.testing.stateful import ShopIntegrationMachine, machine_for

    on_vertex = machine_for(careful, name="CarefulVertexShop")
    on_stripe = machine_for(careful, name="CarefulStripeShopToo", provider="stripe")
    assert issubclass(on_vertex, ShopIntegrationMachine)
    assert issubclass(on_stripe, StripeShopMachine)
    run_state_machine_as_test(on_stripe, settings=settings(RUN, max_examples=10))
    with pytest.raises(ValueError, match="no shop machine for provider 'adyen'"):
        machine_for(careful, name="Nope", provider="adyen")  # type: ignore[call-overload]
