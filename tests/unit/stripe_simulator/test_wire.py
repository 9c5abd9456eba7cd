"""The simulator's wire format: bracketed form params, the secret key, Stripe's error bodies."""

from __future__ import annotations

import asyncio
import base64

import httpx
import pytest

from orderstate.adapters.stripe.simulator import DEFAULT_API_KEY, SimulatedStripe
from orderstate.adapters.stripe.simulator.errors import StripeRefusal
from orderstate.adapters.stripe.simulator.wire import parse_form

from .conftest import Api


def test_reads_brackets_as_hashes_and_lists() -> None:
    params = parse_form("metadata[order_number]=A1&expand[0]=a&expand[1]=b.c&x[]=1&x[]=2")

    assert params == {"metadata": {"order_number": "A1"}, "expand": ["a", "b.c"], "x": ["1", "2"]}


@pytest.mark.parametrize("raw", ["a[b]=1&a=2", "a=1&a[b]=2", "[x]=1"])
def test_refuses_a_malformed_form(raw: str) -> None:
    with pytest.raises(StripeRefusal):
        parse_form(raw)


def test_refuses_a_request_without_the_secret_key(sim: SimulatedStripe) -> None:
    http = httpx.Client(transport=sim.transport(), base_url="http://sim.test")

    refused = http.post("/v1/payment_intents", data={"amount": "100", "currency": "usd"})

    assert refused.status_code == 401
    assert refused.json()["error"]["type"] == "invalid_request_error"
    assert sim.intents() == []


def test_refuses_an_unknown_secret_key_and_does_not_echo_it(api: Api) -> None:
    api.http.headers["Authorization"] = "Bearer sk_test_0123456789abcdef"

    refused = api.get("/v1/events")

    assert refused.status_code == 401
    assert "0123456789ab" not in refused.text


def test_accepts_the_key_as_a_basic_auth_user_name(api: Api) -> None:
    token = base64.b64encode(f"{DEFAULT_API_KEY}:".encode()).decode()
    api.http.headers["Authorization"] = f"Basic {token}"

    assert api.get("/v1/events").status_code == 200


def test_refuses_an_unknown_parameter(api: Api) -> None:
    refused = api.post("/v1/payment_intents", amount=100, currency="usd", amont=5)

    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "amont"


def test_a_missing_parameter_is_named(api: Api) -> None:
    refused = api.post("/v1/payment_intents", currency="usd")

    assert refused.json()["error"]["code"] == "parameter_missing"
    assert refused.json()["error"]["param"] == "amount"


@pytest.mark.parametrize(
    ("amount", "currency", "code"),
    [
        (150, "isk", "invalid_charge_amount_no_decimal_compatible"),
        (5125, "kwd", "parameter_invalid"),
        (100, "USD", "parameter_invalid"),
        (100, "btc", "parameter_invalid"),
        (100_000_000, "usd", "amount_too_large"),
    ],
)
def test_refuses_an_amount_stripe_would_refuse(
    api: Api, amount: int, currency: str, code: str
) -> None:
    refused = api.post("/v1/payment_intents", amount=amount, currency=currency)

    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == code


@pytest.mark.parametrize(("amount", "currency"), [(500, "isk"), (5120, "kwd"), (500, "jpy")])
def test_accepts_amounts_in_stripes_units(api: Api, amount: int, currency: str) -> None:
    assert api.intent(amount=amount, currency=currency)["amount"] == amount


def test_a_missing_object_is_a_404_resource_missing(api: Api) -> None:
    missing = api.get("/v1/payment_intents/pi_nope")

    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "resource_missing"


def test_an_unknown_route_is_a_404_in_stripes_shape(api: Api) -> None:
    missing = api.get("/v1/customers")

    assert missing.status_code == 404
    assert missing.json()["error"]["message"].startswith("Unrecognized request URL")


def test_refuses_a_json_body(api: Api) -> None:
    refused = api.http.post("/v1/payment_intents", json={"amount": 100, "currency": "usd"})

    assert refused.status_code == 400


def test_an_unknown_payment_method_is_named(api: Api) -> None:
    intent = api.intent()

    refused = api.post(f"/v1/payment_intents/{intent['id']}/confirm", payment_method="pm_nope")

    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "payment_method"


def test_every_answer_has_a_request_id(api: Api) -> None:
    assert api.get("/v1/events").headers["request-id"].startswith("req_")


def test_the_sync_transport_works_inside_a_running_event_loop(sim: SimulatedStripe) -> None:
    async def inside() -> int:
        with httpx.Client(transport=sim.transport(), base_url="http://sim.test") as http:
            return http.get("/v1/events").status_code

    assert asyncio.run(inside()) == 401
