"""Signed webhook delivery: the official SDK verifies the signatures; the chaos knobs and the
retries behave as documented."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
import stripe

from orderstate.adapters.stripe.simulator import (
    SIGNATURE_HEADER,
    SimulatedStripe,
    WebhookChaos,
    sign_payload,
)

from .conftest import START, Api, make_sim

HOOK = "http://shop.test/callbacks/stripe/acct"


def pay(sim: SimulatedStripe) -> str:
    intent = Api(sim).intent(payment_method="pm_card_visa", confirm="true")
    return str(intent["id"])


def now_timestamp() -> int:
    return int(time.time())


def test_the_sdk_verifies_a_delivery_and_parses_its_event(sim: SimulatedStripe) -> None:
    endpoint = sim.add_webhook_endpoint(HOOK)
    intent_id = pay(sim)
    delivery = sim.webhooks.sent[-1]

    header = delivery.headers(now_timestamp())[SIGNATURE_HEADER]
    event = stripe.Webhook.construct_event(delivery.body.decode(), header, endpoint.secret)

    assert event.type == "payment_intent.succeeded"
    assert event.data.object.id == intent_id
    assert event.id == delivery.event_id
    assert stripe.WebhookSignature.verify_header(
        delivery.body.decode(), header, endpoint.secret, tolerance=300
    )


def test_the_sdk_refuses_a_delivery_with_another_secret(sim: SimulatedStripe) -> None:
    sim.add_webhook_endpoint(HOOK)
    pay(sim)
    delivery = sim.webhooks.sent[-1]

    header = delivery.headers(now_timestamp())[SIGNATURE_HEADER]

    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(delivery.body.decode(), header, "whsec_other")


def test_the_sdk_refuses_a_stale_signature(sim: SimulatedStripe) -> None:
    endpoint = sim.add_webhook_endpoint(HOOK)
    pay(sim)
    delivery = sim.webhooks.sent[-1]

    header = delivery.headers(now_timestamp() - 301)[SIGNATURE_HEADER]

    with pytest.raises(stripe.SignatureVerificationError, match="tolerance"):
        stripe.Webhook.construct_event(delivery.body.decode(), header, endpoint.secret)


def test_while_a_secret_is_rolled_both_sign(sim: SimulatedStripe) -> None:
    endpoint = sim.add_webhook_endpoint(HOOK)
    old = endpoint.secret
    new = endpoint.roll_secret()
    pay(sim)
    delivery = sim.webhooks.sent[-1]

    header = delivery.headers(now_timestamp())[SIGNATURE_HEADER]

    assert header.count("v1=") == 2
    for secret in (old, new):
        stripe.Webhook.construct_event(delivery.body.decode(), header, secret)
    endpoint.drop_old_secrets()
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(
            delivery.body.decode(), delivery.headers(now_timestamp())[SIGNATURE_HEADER], old
        )


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    header = sign_payload(b'{"id":"evt_1"}', ["whsec_test"], 1_700_000_000)

    assert header == (
        "t=1700000000,v1="
        + stripe.WebhookSignature._compute_signature('1700000000.{"id":"evt_1"}', "whsec_test")
    )


def test_every_event_goes_to_every_endpoint_that_wants_it(sim: SimulatedStripe) -> None:
    sim.add_webhook_endpoint(HOOK)
    sim.add_webhook_endpoint("http://other.test/hook", enabled_events=("charge.*",))

    pay(sim)

    sent = [(d.endpoint.url, d.event_type) for d in sim.webhooks.sent]
    assert sent == [
        (HOOK, "payment_intent.created"),
        (HOOK, "charge.succeeded"),
        ("http://other.test/hook", "charge.succeeded"),
        (HOOK, "payment_intent.succeeded"),
    ]
    body = sim.webhooks.sent[0].json()
    assert body["pending_webhooks"] == 1
    assert body["data"]["object"]["object"] == "payment_intent"


def test_an_event_body_is_a_snapshot_of_its_moment(sim: SimulatedStripe) -> None:
    sim.add_webhook_endpoint(HOOK)

    pay(sim)

    statuses = [d.json()["data"]["object"].get("status") for d in sim.webhooks.sent]
    assert statuses == ["requires_confirmation", "succeeded", "succeeded"]


def chaotic(**chaos: float) -> SimulatedStripe:
    sim = make_sim(seed=7, chaos=WebhookChaos(**chaos))  # type: ignore[arg-type]
    sim.add_webhook_endpoint(HOOK)
    for _ in range(20):
        pay(sim)
    return sim


def test_drop_loses_deliveries_but_not_events() -> None:
    sim = chaotic(drop=0.3)

    assert 0 < len(sim.webhooks.dropped) < 60
    assert len(sim.webhooks.sent) + len(sim.webhooks.dropped) == len(sim.events.events) == 60


def test_duplicate_sends_the_same_event_twice() -> None:
    sim = chaotic(duplicate=0.3)

    ids = [d.event_id for d in sim.webhooks.sent]
    assert len(ids) > len(set(ids)) == 60
    assert all(d.duplicate for d in sim.webhooks.sent if ids.count(d.event_id) > 1 and d.duplicate)


def test_reorder_sends_held_deliveries_after_later_ones() -> None:
    sim = chaotic(reorder=0.3)
    sim.advance(timedelta(0))

    order = [e.id for e in sim.events.events]
    sent = [d.event_id for d in sim.webhooks.sent]
    assert sorted(sent) == sorted(order)
    assert sent != order


def test_delay_holds_deliveries_back_for_delay_seconds() -> None:
    sim = make_sim(chaos=WebhookChaos(delay=1.0, delay_seconds=600))
    sim.add_webhook_endpoint(HOOK)
    pay(sim)
    assert sim.webhooks.sent == []

    sim.advance(timedelta(seconds=599))
    assert sim.webhooks.sent == []
    sim.advance(timedelta(seconds=1))

    assert [d.event_type for d in sim.webhooks.sent] == [
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
    ]
    assert all(d.delayed for d in sim.webhooks.sent)


def test_the_same_seed_tells_the_same_story() -> None:
    def story() -> list[tuple[str, bool]]:
        sim = chaotic(drop=0.2, duplicate=0.2, reorder=0.2)
        return [(d.event_type, d.duplicate) for d in sim.webhooks.sent]

    assert story() == story()


def test_refuses_a_probability_outside_0_to_1() -> None:
    with pytest.raises(ValueError, match="probability"):
        WebhookChaos(drop=1.5)


Receiver = Callable[[httpx.Request], httpx.Response]


def delivering(receiver: Receiver, **knobs: object) -> SimulatedStripe:
    sender = httpx.Client(transport=httpx.MockTransport(receiver))
    sim = make_sim(sender=sender, **knobs)
    sim.add_webhook_endpoint(HOOK)
    return sim


def test_deliver_posts_the_signed_bytes() -> None:
    received: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(200)

    sim = delivering(receiver, auto_deliver=False)
    secret = sim.webhooks.endpoints[0].secret
    pay(sim)

    assert sim.deliver() == 3
    assert sim.webhooks.pending == 0
    for request in received:
        event = stripe.Webhook.construct_event(
            request.content.decode(), request.headers[SIGNATURE_HEADER], secret, tolerance=None
        )
        assert event.object == "event"
    assert str(received[0].url) == HOOK
    timestamps = {r.headers[SIGNATURE_HEADER].split(",")[0] for r in received}
    assert timestamps == {f"t={int(START.timestamp())}"}


@pytest.mark.parametrize(
    "failure",
    [
        lambda request: httpx.Response(500),
        lambda request: httpx.Response(503),
        lambda request: (_ for _ in ()).throw(httpx.ReadTimeout("slow", request=request)),
        lambda request: (_ for _ in ()).throw(httpx.ConnectError("refused", request=request)),
    ],
    ids=["500", "503", "timeout", "refused"],
)
def test_a_failed_delivery_is_retried_after_its_delay(failure: Receiver) -> None:
    answers = iter([failure, lambda request: httpx.Response(200)])
    calls: list[int] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        calls.append(len(calls))
        return next(answers)(request)

    sim = delivering(receiver, retry_delays=(60,), auto_deliver=False)
    sim.create_intent(amount=100, currency="usd")
    assert sim.deliver() == 0

    sim.advance(timedelta(seconds=59))
    assert sim.webhooks.pending == 0
    sim.advance(timedelta(seconds=1))

    assert sim.deliver() == 1
    attempts = [(a.attempt, a.ok) for a in sim.webhooks.attempts]
    assert attempts == [(1, False), (2, True)]
    assert sim.webhooks.attempts[1].at == sim.webhooks.attempts[0].at + 60


def test_a_delivery_is_given_up_after_the_last_retry() -> None:
    sim = delivering(lambda request: httpx.Response(500), retry_delays=(60, 120))
    sim.create_intent(amount=100, currency="usd")

    sim.deliver()
    sim.advance(timedelta(seconds=60))
    sim.deliver()
    sim.advance(timedelta(seconds=120))
    sim.deliver()
    sim.advance(timedelta(days=1))

    assert [a.attempt for a in sim.webhooks.attempts] == [1, 2, 3]
    assert [d.event_type for d in sim.webhooks.failed] == ["payment_intent.created"]
    assert sim.webhooks.pending == sim.webhooks.scheduled == 0


def test_requests_deliver_after_their_response_with_an_async_sender() -> None:
    received: list[str] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        received.append(json.loads(request.content)["type"])
        return httpx.Response(200)

    sim = make_sim(sender=httpx.AsyncClient(transport=httpx.MockTransport(receiver)))
    sim.add_webhook_endpoint(HOOK)

    async def create() -> httpx.Response:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=sim.app),
            base_url="http://sim.test",
            headers={"Authorization": "Bearer sk_test_orderstate_simulator"},
        ) as http:
            return await http.post("/v1/payment_intents", data={"amount": "100", "currency": "usd"})

    created = asyncio.run(create())

    assert created.status_code == 200
    assert received == ["payment_intent.created"]


def test_a_late_answer_counts_as_a_timeout_and_the_event_comes_again() -> None:
    received: list[str] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        received.append(json.loads(request.content)["id"])
        return httpx.Response(200)

    sim = delivering(
        receiver, chaos=WebhookChaos(timeout=1.0), retry_delays=(60,), auto_deliver=False
    )
    sim.create_intent(amount=100, currency="usd")

    sim.deliver()
    sim.advance(timedelta(seconds=60))
    sim.deliver()

    assert len(received) == 2
    assert received[0] == received[1]
    assert [a.error for a in sim.webhooks.attempts] == ["timed out (simulated)"] * 2
    assert len(sim.webhooks.failed) == 1


def test_the_signature_timestamp_follows_the_signature_clock() -> None:
    received: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(200)

    sim = delivering(receiver, signature_clock=lambda: 1_800_000_000, auto_deliver=False)
    sim.create_intent(amount=100, currency="usd")

    sim.deliver()

    assert received[0].headers[SIGNATURE_HEADER].startswith("t=1800000000,v1=")
