"""Each outcome of a payment, through the simulator's HTTP API: statuses, amounts and the exact
event sequence Stripe sends for it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orderstate.adapters.stripe.simulator import SimulatedStripe

from .conftest import Api, make_sim


def test_a_card_that_succeeds_is_captured_at_once(api: Api, sim: SimulatedStripe) -> None:
    intent = api.intent(metadata={"order_number": "A1"})

    paid = api.post(f"/v1/payment_intents/{intent['id']}/confirm", payment_method="pm_card_visa")

    assert paid.status_code == 200
    assert paid.json()["status"] == "succeeded"
    assert paid.json()["amount_received"] == 1099
    assert paid.json()["metadata"] == {"order_number": "A1"}
    assert sim.event_types() == [
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
    ]


def test_creating_with_confirm_true_pays_in_one_request(api: Api) -> None:
    intent = api.intent(payment_method="pm_card_visa", confirm="true")

    assert intent["status"] == "succeeded"
    assert intent["latest_charge"].startswith("ch_")


def test_a_declined_card_answers_402_and_lets_the_customer_retry(
    api: Api, sim: SimulatedStripe
) -> None:
    intent = api.intent()

    declined = api.post(
        f"/v1/payment_intents/{intent['id']}/confirm", payment_method="pm_card_chargeDeclined"
    )

    error = declined.json()["error"]
    assert declined.status_code == 402
    assert (error["type"], error["code"], error["decline_code"]) == (
        "card_error",
        "card_declined",
        "generic_decline",
    )
    assert error["payment_intent"]["status"] == "requires_payment_method"
    assert error["payment_intent"]["last_payment_error"]["code"] == "card_declined"
    assert sim.event_types() == [
        "payment_intent.created",
        "charge.failed",
        "payment_intent.payment_failed",
    ]
    retried = api.post(f"/v1/payment_intents/{intent['id']}/confirm", payment_method="pm_card_visa")
    assert retried.json()["status"] == "succeeded"
    assert retried.json()["last_payment_error"] is None


@pytest.mark.parametrize(
    ("method", "code", "decline_code"),
    [
        ("pm_card_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"),
        ("pm_card_chargeDeclinedExpiredCard", "expired_card", None),
    ],
)
def test_names_the_decline(api: Api, method: str, code: str, decline_code: str | None) -> None:
    intent = api.intent()

    declined = api.post(f"/v1/payment_intents/{intent['id']}/confirm", payment_method=method)

    assert declined.json()["error"]["code"] == code
    assert declined.json()["error"].get("decline_code") == decline_code


@pytest.mark.parametrize(
    ("succeed", "status", "last"),
    [
        (True, "succeeded", "payment_intent.succeeded"),
        (False, "requires_payment_method", "payment_intent.payment_failed"),
    ],
)
def test_a_card_needing_authentication_waits_for_the_customer(
    api: Api, sim: SimulatedStripe, succeed: bool, status: str, last: str
) -> None:
    intent = api.intent(payment_method="pm_card_authenticationRequired", confirm="true")
    assert intent["status"] == "requires_action"
    assert intent["next_action"]["type"] == "redirect_to_url"

    action = "complete" if succeed else "fail"
    answered = api.http.post(f"/_sim/authenticate/{intent['id']}", data={"action": action})

    assert answered.json()["status"] == status
    assert sim.event_types()[:2] == ["payment_intent.created", "payment_intent.requires_action"]
    assert sim.event_types()[-1] == last


def test_the_authentication_page_is_served_to_the_customer(api: Api) -> None:
    intent = api.intent(payment_method="pm_card_threeDSecure2Required", confirm="true")

    page = api.http.get(intent["next_action"]["redirect_to_url"]["url"].split(".test", 1)[1])

    assert page.status_code == 200
    assert "Authenticate payment" in page.text


@pytest.mark.parametrize(
    ("method", "status", "events"),
    [
        ("pm_sepaDebit_succeeds", "succeeded", ["charge.succeeded", "payment_intent.succeeded"]),
        (
            "pm_sepaDebit_fails",
            "requires_payment_method",
            ["charge.failed", "payment_intent.payment_failed"],
        ),
    ],
)
def test_a_bank_debit_is_processing_until_processing_delay(
    method: str, status: str, events: list[str]
) -> None:
    sim = make_sim(processing_delay=timedelta(days=3))
    api = Api(sim)
    intent = api.intent(currency="eur", payment_method=method, confirm="true")
    assert intent["status"] == "processing"

    sim.advance(timedelta(days=3) - timedelta(seconds=1))
    assert sim.intent(intent["id"])["status"] == "processing"
    sim.advance(timedelta(seconds=1))

    assert sim.intent(intent["id"])["status"] == status
    assert sim.event_types() == [
        "payment_intent.created",
        "charge.pending",
        "payment_intent.processing",
        *events,
    ]


def test_manual_capture_takes_part_and_releases_the_rest(api: Api, sim: SimulatedStripe) -> None:
    intent = api.intent(
        amount=1500, capture_method="manual", payment_method="pm_card_visa", confirm="true"
    )
    assert (intent["status"], intent["amount_capturable"]) == ("requires_capture", 1500)

    captured = api.post(f"/v1/payment_intents/{intent['id']}/capture", amount_to_capture=1000)

    assert captured.json()["status"] == "succeeded"
    assert captured.json()["amount_received"] == 1000
    charge = sim.charge(intent["latest_charge"])
    assert (charge["amount_captured"], charge["amount_refunded"], charge["captured"]) == (
        1000,
        500,
        True,
    )
    assert sim.event_types() == [
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.amount_capturable_updated",
        "charge.captured",
        "payment_intent.succeeded",
    ]


def test_refuses_to_capture_more_than_was_authorized(api: Api) -> None:
    intent = api.intent(capture_method="manual", payment_method="pm_card_visa", confirm="true")

    refused = api.post(f"/v1/payment_intents/{intent['id']}/capture", amount_to_capture=1100)

    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "amount_to_capture"


def test_refuses_to_capture_an_intent_that_is_not_authorized(api: Api) -> None:
    intent = api.intent(payment_method="pm_card_visa", confirm="true")

    refused = api.post(f"/v1/payment_intents/{intent['id']}/capture")

    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "payment_intent_unexpected_state"


def test_an_uncaptured_authorization_expires_after_the_window(sim: SimulatedStripe) -> None:
    sim.authorization_window = timedelta(days=7)
    api = Api(sim)
    intent = api.intent(capture_method="manual", payment_method="pm_card_visa", confirm="true")

    sim.advance(timedelta(days=7))

    expired = sim.intent(intent["id"])
    assert (expired["status"], expired["cancellation_reason"]) == ("canceled", "automatic")
    assert sim.charge(intent["latest_charge"])["refunded"] is True
    assert sim.event_types()[-2:] == ["charge.expired", "payment_intent.canceled"]
    assert api.post(f"/v1/payment_intents/{intent['id']}/capture").status_code == 400


def test_a_captured_intent_does_not_expire(sim: SimulatedStripe) -> None:
    api = Api(sim)
    intent = api.intent(capture_method="manual", payment_method="pm_card_visa", confirm="true")
    api.post(f"/v1/payment_intents/{intent['id']}/capture")

    sim.advance(timedelta(days=8))

    assert sim.intent(intent["id"])["status"] == "succeeded"
    assert "payment_intent.canceled" not in sim.event_types()


def test_canceling_an_authorization_releases_it(api: Api, sim: SimulatedStripe) -> None:
    intent = api.intent(capture_method="manual", payment_method="pm_card_visa", confirm="true")

    canceled = api.post(
        f"/v1/payment_intents/{intent['id']}/cancel", cancellation_reason="requested_by_customer"
    )

    assert canceled.json()["status"] == "canceled"
    assert canceled.json()["cancellation_reason"] == "requested_by_customer"
    assert sim.event_types()[-2:] == ["charge.refunded", "payment_intent.canceled"]


def test_refuses_to_cancel_a_succeeded_intent(api: Api) -> None:
    intent = api.intent(payment_method="pm_card_visa", confirm="true")

    refused = api.post(f"/v1/payment_intents/{intent['id']}/cancel")

    assert refused.status_code == 400
    assert "status of succeeded" in refused.json()["error"]["message"]
