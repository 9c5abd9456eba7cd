"""Step 3 of the seed: list the shop's payment methods, place an order with one, and pass the
pages the customer returns to; a re-create after an ambiguous first create sends the same
choice (it is kept beside the order, like the customer)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orderstate.adapters.cli.app import app
from orderstate.adapters.port import PaymentOption
from orderstate.adapters.service import Polled
from orderstate.adapters.vertex.simulator import Fault, SimulatedGateway
from orderstate.engine import InvalidOrder, State
from orderstate.testing.plugin import SHOP_ID, SIMULATOR_START
from tests.integration.test_provider_gaps import COST, simulator_service

CARD = "card/alps/lyra/cnp"
WALLET = "wallet/connectpay/gcash"


def test_the_shop_s_payment_methods_are_listed_with_codes_place_takes() -> None:
    service, _ = simulator_service(SimulatedGateway(seed=0, start=SIMULATOR_START))

    options = service.payment_options(SHOP_ID)

    assert [option.code for option in options] == [CARD, WALLET, "crypto_wallet/cleo/cleo"]
    assert options[0] == PaymentOption(CARD, "card by alps via lyra (redirect)")


def test_place_sends_the_chosen_method_and_the_return_pages() -> None:
    service, sent = simulator_service(SimulatedGateway(seed=0, start=SIMULATOR_START))

    view = service.place(
        shop_id=SHOP_ID,
        order_number="M-1",
        amount=COST,
        payment_method=WALLET,
        success_url="https://shop.example/paid",
        failure_url="https://shop.example/retry",
    )

    assert view.state == State.IN_PROGRESS
    settings = sent.bodies[-1]["paymentSettings"]
    assert isinstance(settings, dict)
    assert (settings["instrumentType"], settings["providerCode"], settings["acquirerCode"]) == (
        "wallet",
        "connectpay",
        "gcash",
    )
    assert "entryMode" not in settings
    assert settings["redirectUrls"] == {
        "success": "https://shop.example/paid",
        "failure": "https://shop.example/retry",
    }


def test_a_method_the_shop_is_not_offered_is_refused_before_anything_is_recorded() -> None:
    service, sent = simulator_service(SimulatedGateway(seed=0, start=SIMULATOR_START))

    with pytest.raises(InvalidOrder, match="'card/alps/nope' is not offered to shop 115"):
        service.place(
            shop_id=SHOP_ID, order_number="M-2", amount=COST, payment_method="card/alps/nope"
        )

    assert sent.bodies == []
    assert service.list_orders() == []


def test_reconcile_re_creates_an_ambiguous_first_create_with_the_same_choice() -> None:
    sim = SimulatedGateway(seed=0, start=SIMULATOR_START)
    service, sent = simulator_service(sim)
    sim.faults.script("create", Fault.timed_out(applied=False))
    service.place(
        shop_id=SHOP_ID,
        order_number="M-3",
        amount=COST,
        payment_method=CARD,
        success_url="https://shop.example/paid",
    )
    assert service.view(SHOP_ID, "M-3").state == State.CREATED

    assert service.reconcile(older_than=timedelta(0)) == {Polled.CREATED: 1}

    first, again = sent.bodies[-2]["paymentSettings"], sent.bodies[-1]["paymentSettings"]
    assert first == again
    assert isinstance(again, dict)
    assert (again["instrumentType"], again["entryMode"]) == ("card", "cnp")
    assert again["redirectUrls"] == {"success": "https://shop.example/paid"}


def test_the_cli_lists_methods_and_places_with_one(
    sim: tuple[SimulatedGateway, str], tmp_path: Path
) -> None:
    _, url = sim
    settings = ["--db", str(tmp_path / "o.db"), "--vertex-url", url]
    settings += ["--vertex-token", "sim-token-115", "--shops", "115:sim-secret-115"]
    runner = CliRunner()

    listed = runner.invoke(app, [*settings, "methods", "115", "--json"])
    placed = runner.invoke(app, [*settings, "place", "115/M-4", "10.00", "PHP", "--method", CARD])
    refused = runner.invoke(app, [*settings, "place", "115/M-5", "10.00", "PHP", "--method", "x"])

    assert listed.exit_code == 0, listed.stderr
    assert [row["code"] for row in json.loads(listed.stdout)][:2] == [CARD, WALLET]
    assert placed.exit_code == 0, placed.stderr
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: 115/M-5: payment method 'x' is not offered")
