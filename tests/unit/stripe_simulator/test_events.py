"""``GET /v1/events``: newest first, cursors both ways, filters; how reconciliation after an
outage reads what it missed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from orderstate.adapters.stripe.simulator import SimulatedStripe

from .conftest import Api


def ids(page: dict[str, Any]) -> list[str]:
    return [event["id"] for event in page["data"]]


@pytest.fixture
def story(api: Api, sim: SimulatedStripe) -> list[str]:
    """Nine events, oldest first."""
    for _ in range(3):
        api.intent(payment_method="pm_card_visa", confirm="true")
    return [event.id for event in sim.events.events]


def test_lists_newest_first_with_a_limit(api: Api, story: list[str]) -> None:
    page = api.get("/v1/events", limit=4).json()

    assert ids(page) == story[::-1][:4]
    assert page["has_more"] is True


def test_starting_after_pages_towards_older_events(api: Api, story: list[str]) -> None:
    page = api.get("/v1/events", limit=4, starting_after=story[5]).json()

    assert ids(page) == [story[4], story[3], story[2], story[1]]
    assert page["has_more"] is True


def test_ending_before_reads_what_happened_since_a_known_event(api: Api, story: list[str]) -> None:
    page = api.get("/v1/events", limit=3, ending_before=story[2]).json()
    rest = api.get("/v1/events", limit=100, ending_before=page["data"][0]["id"]).json()

    assert ids(page) == [story[5], story[4], story[3]]
    assert page["has_more"] is True
    assert ids(rest) == story[::-1][:3]
    assert rest["has_more"] is False


def test_filters_by_type_and_prefix(api: Api, story: list[str]) -> None:
    exact = api.get("/v1/events", type="charge.succeeded").json()
    prefix = api.get("/v1/events", type="payment_intent.*").json()

    assert len(exact["data"]) == 3
    assert {e["type"] for e in prefix["data"]} == {
        "payment_intent.created",
        "payment_intent.succeeded",
    }


def test_filters_by_creation_time(api: Api, sim: SimulatedStripe, story: list[str]) -> None:
    sim.advance(timedelta(hours=1))
    later = api.intent()

    page = api.get("/v1/events", **{"created[gte]": sim._now()}).json()

    assert [e["data"]["object"]["id"] for e in page["data"]] == [later["id"]]


def test_an_unknown_cursor_is_a_404_naming_it(api: Api, story: list[str]) -> None:
    missing = api.get("/v1/events", starting_after="evt_nope")

    assert missing.status_code == 404
    assert missing.json()["error"]["param"] == "starting_after"


@pytest.mark.parametrize("limit", ["0", "101", "ten"])
def test_refuses_a_limit_outside_1_to_100(api: Api, limit: str) -> None:
    assert api.get("/v1/events", limit=limit).status_code == 400


def test_retrieves_one_event(api: Api, story: list[str]) -> None:
    event = api.get(f"/v1/events/{story[0]}").json()

    assert (event["id"], event["type"]) == (story[0], "payment_intent.created")


def test_an_event_made_by_a_request_names_its_idempotency_key(
    api: Api, sim: SimulatedStripe
) -> None:
    api.post("/v1/payment_intents", key="place-9", amount=100, currency="usd")

    event = sim.events.events[-1].to_json()

    assert event["request"]["idempotency_key"] == "place-9"
    assert event["request"]["id"].startswith("req_")


def test_the_simulators_own_routes_move_its_clock_and_add_endpoints(
    api: Api, sim: SimulatedStripe
) -> None:
    before = sim._now()

    moved = api.http.post("/_sim/advance", data={"seconds": "90"})
    endpoint = api.http.post("/_sim/webhook_endpoints", data={"url": "http://shop.test/hook"})

    assert moved.json()["now"] == before + 90
    assert endpoint.json()["secret"].startswith("whsec_")
    assert sim.webhooks.endpoints[0].url == "http://shop.test/hook"


def test_the_customer_pays_through_the_simulators_route(api: Api, sim: SimulatedStripe) -> None:
    intent = api.intent()

    paid = api.http.post(
        f"/_sim/payment_intents/{intent['id']}/pay",
        data={"payment_method": "pm_card_chargeDeclined"},
    )

    assert paid.status_code == 200
    assert paid.json()["status"] == "requires_payment_method"


def test_filters_by_several_types(api: Api, story: list[str]) -> None:
    page = api.get("/v1/events", types=["payment_intent.created", "charge.succeeded"]).json()

    assert len(page["data"]) == 6
    assert {e["type"] for e in page["data"]} == {"payment_intent.created", "charge.succeeded"}
