"""Idempotency keys and injected faults: the first answer is replayed, status and body."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from orderstate.adapters.stripe.simulator import Fault, SimulatedStripe

from .conftest import Api, make_sim

CREATE = {"amount": 2000, "currency": "eur", "metadata": {"order_number": "A7"}}


def intents(sim: SimulatedStripe) -> int:
    return len(sim.intents())


def test_a_retry_with_the_same_key_replays_the_first_answer(api: Api, sim: SimulatedStripe) -> None:
    first = api.post("/v1/payment_intents", key="place-A7", **CREATE)

    again = api.post("/v1/payment_intents", key="place-A7", **CREATE)

    assert again.status_code == first.status_code == 200
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert intents(sim) == 1
    assert sim.event_types() == ["payment_intent.created"]


def test_the_same_key_with_other_parameters_is_an_idempotency_error(
    api: Api, sim: SimulatedStripe
) -> None:
    api.post("/v1/payment_intents", key="place-A7", **CREATE)

    reused = api.post("/v1/payment_intents", key="place-A7", **{**CREATE, "amount": 2001})

    assert reused.status_code == 400
    assert reused.json()["error"]["type"] == "idempotency_error"
    assert intents(sim) == 1


def test_the_same_key_on_another_endpoint_is_an_idempotency_error(api: Api) -> None:
    intent = api.post("/v1/payment_intents", key="k", **CREATE).json()

    reused = api.post(f"/v1/payment_intents/{intent['id']}/cancel", key="k")

    assert reused.json()["error"]["type"] == "idempotency_error"


def test_a_decline_is_replayed_as_the_same_402(api: Api, sim: SimulatedStripe) -> None:
    intent = api.intent()
    path = f"/v1/payment_intents/{intent['id']}/confirm"

    first = api.post(path, key="pay-1", payment_method="pm_card_chargeDeclined")
    again = api.post(path, key="pay-1", payment_method="pm_card_chargeDeclined")

    assert again.status_code == first.status_code == 402
    assert again.content == first.content
    assert sim.event_types().count("charge.failed") == 1


def test_a_refund_retried_with_its_key_is_made_once(api: Api, sim: SimulatedStripe) -> None:
    intent = api.intent(payment_method="pm_card_visa", confirm="true")

    first = api.post("/v1/refunds", key="refund-1", payment_intent=intent["id"], amount=500)
    again = api.post("/v1/refunds", key="refund-1", payment_intent=intent["id"], amount=500)

    assert again.json()["id"] == first.json()["id"]
    assert sim.charge(intent["latest_charge"])["amount_refunded"] == 500


def test_a_request_refused_before_it_ran_is_not_remembered(api: Api) -> None:
    refused = api.post("/v1/payment_intents", key="k", amount=0, currency="usd")
    assert refused.status_code == 400

    fixed = api.post("/v1/payment_intents", key="k", amount=0, currency="usd")

    assert "idempotent-replayed" not in fixed.headers


def test_a_key_is_forgotten_after_a_day(api: Api, sim: SimulatedStripe) -> None:
    api.post("/v1/payment_intents", key="k", **CREATE)
    sim.advance(timedelta(hours=24, seconds=1))

    again = api.post("/v1/payment_intents", key="k", **CREATE)

    assert "idempotent-replayed" not in again.headers
    assert intents(sim) == 2


def test_keys_are_per_secret_key() -> None:
    sim = make_sim(api_keys=("sk_test_one", "sk_test_two"))
    one, two = Api(sim), Api(sim)
    one.http.headers["Authorization"] = "Bearer sk_test_one"
    two.http.headers["Authorization"] = "Bearer sk_test_two"

    one.post("/v1/payment_intents", key="k", **CREATE)
    two.post("/v1/payment_intents", key="k", **CREATE)

    assert intents(sim) == 2


def test_a_500_before_acting_does_nothing_and_is_not_remembered(
    api: Api, sim: SimulatedStripe
) -> None:
    sim.faults.script("create_intent", Fault.server_error(503))

    failed = api.post("/v1/payment_intents", key="k", **CREATE)
    retried = api.post("/v1/payment_intents", key="k", **CREATE)

    assert failed.status_code == 503
    assert failed.json()["error"]["type"] == "api_error"
    assert retried.status_code == 200
    assert intents(sim) == 1


def test_a_500_after_acting_is_replayed_as_stripe_keeps_500s(
    api: Api, sim: SimulatedStripe
) -> None:
    sim.faults.script("create_intent", Fault.server_error(500, applied=True))

    failed = api.post("/v1/payment_intents", key="k", **CREATE)
    retried = api.post("/v1/payment_intents", key="k", **CREATE)

    assert failed.status_code == retried.status_code == 500
    assert retried.headers["idempotent-replayed"] == "true"
    assert intents(sim) == 1


def test_a_timeout_after_acting_lets_the_retry_learn_what_happened(
    api: Api, sim: SimulatedStripe
) -> None:
    sim.faults.script("create_intent", Fault.timed_out(applied=True))

    with pytest.raises(httpx.ReadTimeout):
        api.post("/v1/payment_intents", key="k", **CREATE)
    retried = api.post("/v1/payment_intents", key="k", **CREATE)

    assert retried.status_code == 200
    assert retried.json()["id"] == sim.intents()[0]["id"]
    assert intents(sim) == 1


def test_a_timeout_before_acting_does_nothing(api: Api, sim: SimulatedStripe) -> None:
    sim.faults.script("create_refund", Fault.timed_out())

    with pytest.raises(httpx.ReadTimeout):
        api.post("/v1/refunds", payment_intent="pi_whatever")

    assert sim.event_types() == []


def test_drawn_faults_follow_the_rate_and_the_seed() -> None:
    def failures(seed: int) -> list[int]:
        api = Api(make_sim(seed=seed, fault_rates={"retrieve_intent": 0.5}))
        intent = api.intent()
        return [api.get(f"/v1/payment_intents/{intent['id']}").status_code for _ in range(40)]

    first = failures(3)

    assert first == failures(3)
    assert 5 < first.count(500) < 35
    assert set(first) == {200, 500}


def test_refuses_an_unknown_fault_endpoint(sim: SimulatedStripe) -> None:
    with pytest.raises(ValueError, match="unknown endpoint"):
        sim.faults.script("create_order", Fault())


def test_refuses_a_fault_that_is_not_a_5xx() -> None:
    with pytest.raises(ValueError, match="5xx"):
        Fault(status=404)
