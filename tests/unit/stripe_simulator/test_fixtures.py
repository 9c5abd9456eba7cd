"""The simulator's objects have the keys and value types of Stripe's published example objects
(``fixtures/stripe_openapi_fixtures.json``: stripe/openapi ``openapi/fixtures3.json`` at commit
f6c2a48f, MIT License, Copyright Stripe; copied from shared/stripe/fixtures.json)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from orderstate.adapters.stripe.simulator import SimulatedStripe

from .conftest import Api, make_sim

FIXTURES: dict[str, Any] = json.loads(
    (Path(__file__).parent / "fixtures" / "stripe_openapi_fixtures.json").read_text()
)["resources"]

# Fields the simulator sends that the published example lacks; Stripe's API reference has them.
EXTRAS = {"refund": {"failure_reason", "failure_balance_transaction"}}
# Free-form hashes: their keys are the merchant's or depend on the method, not the schema.
FREE = {
    "metadata",
    "fraud_details",
    "shipping",
    "tip",
    "enhanced_eligibility",
    "payment_method_options",
}


def shape_errors(ours: Any, theirs: Any, path: str) -> list[str]:
    """Where ``ours`` differs in keys or JSON types from ``theirs`` (null matches anything)."""
    if ours is None or theirs is None:
        return []
    if isinstance(theirs, dict) and isinstance(ours, dict):
        if path == "event.data.object":  # the example's is a plan: compare with its own kind
            return shape_errors(ours, FIXTURES[ours["object"]], ours["object"])
        if path.rsplit(".", 1)[-1] in FREE or not theirs:
            return []
        errors = [f"{path}.{key}: missing" for key in sorted(set(theirs) - set(ours))]
        extra = set(ours) - set(theirs) - EXTRAS.get(path, set())
        errors += [f"{path}.{key}: not in Stripe's example" for key in sorted(extra)]
        for key in sorted(set(theirs) & set(ours)):
            errors += shape_errors(ours[key], theirs[key], f"{path}.{key}")
        return errors
    if isinstance(theirs, list) and isinstance(ours, list):
        if theirs and ours:
            return shape_errors(ours[0], theirs[0], f"{path}[]")
        return []
    if type(ours) is not type(theirs):
        return [f"{path}: {type(ours).__name__}, Stripe's example has {type(theirs).__name__}"]
    return []


def every_kind() -> dict[str, dict[str, Any]]:
    """One of each object, from a story that makes them all."""
    sim: SimulatedStripe = make_sim()
    api = Api(sim)
    intent = api.intent(payment_method="pm_card_visa", confirm="true", metadata={"order": "A1"})
    refund = api.post("/v1/refunds", payment_intent=intent["id"], amount=99).json()
    dispute = api.http.post(f"/_sim/charges/{intent['latest_charge']}/dispute").json()
    sim.advance(timedelta(days=3))
    charge = sim.charge(intent["latest_charge"])
    return {
        "payment_intent": sim.intent(intent["id"]),
        "charge": charge,
        "refund": refund,
        "dispute": sim.dispute(dispute["id"]),
        "balance_transaction": sim.balance_transaction(charge["balance_transaction"]),
        "event": sim.events.events[0].to_json(),
    }


OBJECTS = every_kind()


@pytest.mark.parametrize("kind", sorted(OBJECTS))
def test_objects_have_the_keys_and_types_of_stripes_examples(kind: str) -> None:
    assert shape_errors(OBJECTS[kind], FIXTURES[kind], kind) == []


@pytest.mark.parametrize("kind", sorted(OBJECTS))
def test_every_object_names_its_kind(kind: str) -> None:
    assert OBJECTS[kind]["object"] == kind


def test_event_snapshots_have_the_shape_of_their_kind() -> None:
    sim = make_sim()
    api = Api(sim)
    intent = api.intent(payment_method="pm_card_visa", confirm="true")
    api.post("/v1/refunds", payment_intent=intent["id"], amount=5)

    events = [event.to_json() for event in sim.events.events]

    assert {e["data"]["object"]["object"] for e in events} == {"payment_intent", "charge", "refund"}
    assert [shape_errors(e, FIXTURES["event"], "event") for e in events] == [[]] * len(events)


def test_the_comparison_notices_a_missing_key_and_a_wrong_type() -> None:
    broken = {**OBJECTS["refund"], "amount": "99"}
    del broken["charge"]

    assert shape_errors(broken, FIXTURES["refund"], "refund") == [
        "refund.charge: missing",
        "refund.amount: str, Stripe's example has int",
    ]


def test_a_nested_list_is_compared_by_its_items() -> None:
    charge = OBJECTS["charge"]

    assert charge["refunds"]["data"][0]["object"] == "refund"
    assert shape_errors(charge["refunds"]["data"][0], FIXTURES["refund"], "refund") == []
