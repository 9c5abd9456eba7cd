"""The kit earns its keep: it finds the naive shop's bug, shrinks it, and passes the fixed shop.

Both runs use the kit's default settings, derandomized and without the example database, so
they are deterministic: the same code always finds (and shrinks to) the same counterexample.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from examples.shop import fixed, naive
from orderstate.adapters.service import OrderUpdate
from orderstate.testing.stateful import DEFAULT_SETTINGS, ShopIntegrationMachine

DETERMINISTIC = settings(DEFAULT_SETTINGS, derandomize=True, database=None)


class NaiveShopMachine(ShopIntegrationMachine):
    # The shortcuts this recorded story was found in: no clearing, a callback per payment change.
    clearing_delay = timedelta(0)
    notify_payment_changes = True

    def on_update(self, update: OrderUpdate) -> None:
        naive.on_order_update(self, update)


class FixedShopMachine(ShopIntegrationMachine):
    clearing_delay = timedelta(0)
    notify_payment_changes = True

    def on_update(self, update: OrderUpdate) -> None:
        fixed.on_order_update(self, update)


@pytest.fixture(scope="module")
def naive_failure() -> AssertionError:
    """One run of the kit against the naive shop (about ten seconds, shrinking included)."""
    with pytest.raises(AssertionError) as caught:
        run_state_machine_as_test(NaiveShopMachine, settings=DETERMINISTIC)
    return caught.value


def snippet(failure: AssertionError) -> str:
    """The reproducible program Hypothesis attached to the failure, without its heading."""
    lines = getattr(failure, "__notes__", [])
    start = next(i for i, line in enumerate(lines) if line.startswith("state = "))
    end = next((i for i, line in enumerate(lines) if line == "state.teardown()"), len(lines) - 1)
    # Under CI Hypothesis appends a "@reproduce_failure(...)" hint after the program: not code.
    return "\n".join(lines[start : end + 1])


def test_finds_the_naive_shop_shipping_an_order_twice(naive_failure: AssertionError) -> None:
    message = str(naive_failure)

    assert message.startswith("goods_ship_at_most_once:")
    assert "shipped more than once" in message


def test_shrinks_the_naive_shop_failure_to_a_redelivery_after_a_worker_crash(
    naive_failure: AssertionError,
) -> None:
    program = snippet(naive_failure)
    steps = [line for line in program.splitlines() if not line.startswith("state.") or "(" in line]
    rules = [line for line in steps if _is_rule(line)]

    assert program.startswith("state = NaiveShopMachine()")
    assert "state.place(amount=1000, customer='pays', flow='single_stage')" in program
    assert "state.worker_crashes()" in program
    assert program.index("state.worker_crashes()") < program.rindex("state.work()")
    assert len(rules) <= 6, rules  # place, a drop per callback sent (two), reconcile, crash, work


def _is_rule(line: str) -> bool:
    invariants = ("engine_", "replay_", "goods_", "refunded_", "money_", "orders_agree", "teardown")
    return "state." in line and not any(f"state.{name}" in line for name in invariants)


def test_the_printed_counterexample_runs_as_a_regression_test(
    naive_failure: AssertionError,
) -> None:
    namespace: dict[str, object] = {"NaiveShopMachine": NaiveShopMachine}

    with pytest.raises(AssertionError, match="goods_ship_at_most_once"):
        exec(snippet(naive_failure), namespace)

    machine = namespace["state"]
    assert isinstance(machine, NaiveShopMachine)
    machine.teardown()


def test_the_fixed_shop_passes_the_same_run() -> None:
    run_state_machine_as_test(FixedShopMachine, settings=DETERMINISTIC)


def test_the_fixed_shop_ships_once_after_the_warehouse_failed_once_and_the_worker_crashed() -> None:
    state = FixedShopMachine()
    state.place(amount=1000, flow="single_stage", customer="pays")
    state.reconcile_all()
    state.warehouse_fails_next()

    state.work()
    shipped_while_down = dict(state.shipments)
    state.work()
    state.worker_crashes()
    state.work()

    assert state.view("order-1").state == "completed"
    assert shipped_while_down == {}
    assert state.shipments == {"order-1": 1}
    state.goods_ship_at_most_once()
    state.teardown()
