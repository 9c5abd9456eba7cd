"""The pytest plugin: installed through the entry point, its three fixtures work together.

Each test writes a small test module into a scratch directory and runs pytest on it in this
process (``pytester``), the way a user's own suite would use the fixtures.
"""

from __future__ import annotations

import sys

import pytest

pytest_plugins = ["pytester"]

USES_ALL_THREE = """
from datetime import timedelta
from decimal import Decimal

from orderstate.adapters.vertex.simulator import NewOrder
from orderstate.engine.money import Money
from orderstate.testing.plugin import SHOP_ID, SIMULATOR_START


def test_a_simulated_payment_reaches_the_order_service(vertex_simulator, order_service):
    amount = Money.parse("56.99", "PHP")
    order_service.place(shop_id=SHOP_ID, order_number="order-1", amount=amount)
    vertex_simulator.create_order(NewOrder(SHOP_ID, "order-1", amount))
    vertex_simulator.pay("order-1")

    def deliver(sent_before):
        return [
            order_service.handle_callback(SHOP_ID, sent.body, list(sent.headers.items())).outcome
            for sent in vertex_simulator.outbox[sent_before:]
        ]

    outcomes = deliver(0)
    # The seed: clearing takes a day or more, and no status changed, so no callback said paid.
    assert order_service.view(SHOP_ID, "order-1").state == "in_progress"
    delivered = len(vertex_simulator.outbox)
    vertex_simulator.advance(timedelta(days=1))
    outcomes += deliver(delivered)

    assert vertex_simulator.clock.now() == SIMULATOR_START + timedelta(days=1)
    assert "unauthenticated" not in outcomes
    assert order_service.view(SHOP_ID, "order-1").state == "completed"


def test_signed_callbacks_are_accepted_and_bad_ones_refused(
    vertex_simulator, order_service, signed_callback
):
    amount = Money.parse("10.00", "USD")
    order_service.place(shop_id=SHOP_ID, order_number="order-2", amount=amount)
    snapshot = vertex_simulator.create_order(NewOrder(SHOP_ID, "order-2", amount))

    def outcome(body_and_headers):
        return order_service.handle_callback(SHOP_ID, *body_and_headers).outcome

    assert outcome(signed_callback(snapshot, forge=True)) == "unauthenticated"
    assert outcome(signed_callback(snapshot, omit=True)) == "unauthenticated"
    assert outcome(signed_callback(snapshot, secret="someone-else")) == "unauthenticated"
    assert order_service.view(SHOP_ID, "order-2").state == "created"
    assert outcome(signed_callback(snapshot)) == "applied"
    body, _ = signed_callback(snapshot)
    assert signed_callback(body) == signed_callback(snapshot)
    assert order_service.view(SHOP_ID, "order-2").state == "in_progress"
"""

PARAMETRIZED = """
import pytest

from orderstate.engine.money import Money


@pytest.mark.parametrize("order_service", ["memory", "sqlite"], indirect=True)
def test_keeps_an_order(order_service, tmp_path, request):
    order_service.place(shop_id=115, order_number="o", amount=Money(100, "JPY"))

    on_disk = (tmp_path / "orderstate.db").exists()

    assert order_service.view(115, "o").state == "created"
    assert on_disk is (request.node.callspec.params["order_service"] == "sqlite")


@pytest.mark.parametrize("order_service", ["postgres"], indirect=True)
def test_refuses_an_unknown_store(order_service):
    pass
"""


def test_the_fixtures_drive_a_payment_and_sign_callbacks(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_shop=USES_ALL_THREE)

    result = pytester.runpytest_inprocess("-W", "error", "-p", "no:cacheprovider")

    result.assert_outcomes(passed=2)


def test_order_service_runs_on_memory_or_sqlite_when_parametrized(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_stores=PARAMETRIZED)

    result = pytester.runpytest_inprocess("-W", "error", "-p", "no:cacheprovider")

    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*ValueError: order_service is one of*not 'postgres'*"])


def test_the_plugin_is_loaded_by_its_entry_point_named_orderstate(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_one="def test_one(order_service):\n    assert order_service\n")

    loaded = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--trace-config")
    disabled = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:orderstate")

    loaded.assert_outcomes(passed=1)
    loaded.stdout.fnmatch_lines(["*orderstate.testing.plugin*"])
    disabled.assert_outcomes(errors=1)
    disabled.stdout.fnmatch_lines(["*fixture 'order_service' not found*"])


def test_loading_the_plugin_imports_nothing_heavy(pytester: pytest.Pytester) -> None:
    check = (
        "import sys, orderstate.testing.plugin\n"
        "heavy = ['hypothesis', 'httpx', 'starlette', 'uvicorn', 'orderstate.adapters']\n"
        "print('loaded:', [name for name in heavy if name in sys.modules])\n"
    )

    result = pytester.run(sys.executable, "-c", check, timeout=60)

    assert result.ret == 0, result.stderr.str()
    result.stdout.fnmatch_lines(["loaded: []"])
