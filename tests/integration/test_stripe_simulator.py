"""The Stripe adapter end to end against the simulator: the order service creates intents
through the SDK, the simulator's signed webhooks reach the webhook app at
``/callbacks/stripe/{account}``, and polls read what events were lost."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.port import Operation, Shop
from orderstate.adapters.service import OrderService
from orderstate.adapters.stripe import StripeCalls, StripeConfig, StripeProvider
from orderstate.adapters.stripe.simulator import (
    DEFAULT_API_KEY,
    SimulatedStripe,
    WebhookChaos,
    sign_payload,
    sync_transport,
)
from orderstate.adapters.web import create_app
from orderstate.engine import Money

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SHOP = 201


@dataclass
class Rig:
    sim: SimulatedStripe
    service: OrderService

    def place(self, number: str, *, two_stage: bool = False, minor: int = 2500) -> str:
        view = self.service.place(
            shop_id=SHOP,
            order_number=number,
            amount=Money(minor, "EUR"),
            auto_capture=not two_stage,
        )
        assert view.payment_link is not None
        return view.payment_link.split("_secret_")[0]

    def state(self, number: str) -> str:
        return str(self.service.view(SHOP, number).state)

    def advance(self, delta: timedelta) -> None:
        self.sim.advance(delta)
        self.sim.deliver()


def rig(chaos: WebhookChaos | None = None, **knobs: timedelta) -> Iterator[Rig]:
    sim = SimulatedStripe(
        start=START,
        chaos=chaos or WebhookChaos(),
        **knobs,
        processing_delay=timedelta(hours=1),
        settlement_delay=timedelta(days=2),
    )
    endpoint = sim.add_webhook_endpoint(f"http://shop.test/callbacks/stripe/{SHOP}")
    config = StripeConfig(
        api_key=DEFAULT_API_KEY, base_url="http://stripe.sim", timeout=5.0, max_network_retries=0
    )
    calls = StripeCalls(config, http=httpx.Client(transport=sim.transport()))
    service = build_service(
        store="memory",
        shops={SHOP: Shop(tuple(endpoint.secrets), provider="stripe")},
        stripe_calls=calls,
        default_provider="stripe",
        clock=sim.clock.now,
    )
    sim.sender = httpx.Client(transport=sync_transport(create_app(service)))
    yield Rig(sim, service)
    service.close()


@pytest.fixture
def stripe_rig() -> Iterator[Rig]:
    yield from rig()


def test_a_card_payment_is_paid_by_webhook_and_completed_by_a_poll_of_its_balance(
    stripe_rig: Rig,
) -> None:
    intent = stripe_rig.place("A-1")

    stripe_rig.sim.pay(intent, "pm_card_visa")
    stripe_rig.sim.deliver()
    assert stripe_rig.state("A-1") == "clearing"
    stripe_rig.advance(timedelta(days=3))
    stripe_rig.service.refresh(SHOP, "A-1")

    assert stripe_rig.state("A-1") == "completed"


def test_a_declined_card_leaves_the_order_open_and_another_card_pays_it(stripe_rig: Rig) -> None:
    intent = stripe_rig.place("A-2")

    stripe_rig.sim.pay(intent, "pm_card_chargeDeclined")
    stripe_rig.sim.deliver()
    assert stripe_rig.state("A-2") == "in_progress"
    stripe_rig.sim.pay(intent, "pm_card_visa")
    stripe_rig.sim.deliver()

    assert stripe_rig.state("A-2") == "clearing"


def test_two_stage_capture_through_the_service(stripe_rig: Rig) -> None:
    intent = stripe_rig.place("A-3", two_stage=True)
    stripe_rig.sim.pay(intent, "pm_card_visa")
    stripe_rig.sim.deliver()
    assert stripe_rig.state("A-3") == "authorized"

    stripe_rig.service.request(Operation.CAPTURE, SHOP, "A-3")
    stripe_rig.sim.deliver()

    assert stripe_rig.state("A-3") == "clearing"


def test_an_authorization_left_to_expire_is_a_void(stripe_rig: Rig) -> None:
    intent = stripe_rig.place("A-4", two_stage=True)
    stripe_rig.sim.pay(intent, "pm_card_visa")

    stripe_rig.advance(timedelta(days=8))

    order = stripe_rig.service.view(SHOP, "A-4")
    assert (order.state, order.reason) == ("cancelled", "voided")


def test_partial_refunds_after_settlement(stripe_rig: Rig) -> None:
    intent = stripe_rig.place("A-5")
    stripe_rig.sim.pay(intent, "pm_card_visa")
    stripe_rig.advance(timedelta(days=3))
    stripe_rig.service.refresh(SHOP, "A-5")

    stripe_rig.service.request(Operation.REFUND, SHOP, "A-5", "5.00")
    stripe_rig.sim.deliver()
    stripe_rig.service.request(Operation.REFUND, SHOP, "A-5", "20.00")
    stripe_rig.sim.deliver()

    order = stripe_rig.service.view(SHOP, "A-5")
    assert (order.state, order.refunded) == ("refunded", Money(2500, "EUR"))


def test_a_refund_failing_while_pending_is_declined() -> None:
    for stripe_rig in rig(refund_delay=timedelta(hours=3)):
        intent = stripe_rig.place("A-6")
        stripe_rig.sim.pay(intent, "pm_card_refundFail")
        stripe_rig.advance(timedelta(days=3))
        stripe_rig.service.refresh(SHOP, "A-6")
        stripe_rig.service.request(Operation.REFUND, SHOP, "A-6", "5.00")
        assert stripe_rig.service.view(SHOP, "A-6").pending == "refund"

        stripe_rig.advance(timedelta(hours=2))

        order = stripe_rig.service.view(SHOP, "A-6")
        assert (order.state, order.pending, order.refunded) == ("completed", None, Money(0, "EUR"))


def test_a_dispute_is_opened_and_decided_by_webhook(stripe_rig: Rig) -> None:
    intent = stripe_rig.place("A-7")
    stripe_rig.sim.pay(intent, "pm_card_createDispute")

    stripe_rig.advance(timedelta(hours=2))
    assert stripe_rig.state("A-7") == "disputed"
    stripe_rig.advance(timedelta(days=10))

    order = stripe_rig.service.view(SHOP, "A-7")
    assert order.state in {"charged_back", "clearing", "completed"}
    assert order.state != "disputed"


def test_chaotic_delivery_converges_once_reconciled() -> None:
    chaos = WebhookChaos(drop=0.3, duplicate=0.3, reorder=0.3)
    for stripe_rig in rig(chaos):
        numbers = [f"C-{n}" for n in range(8)]
        methods = ["pm_card_visa", "pm_card_chargeDeclined", "pm_card_createDispute"]
        for n, number in enumerate(numbers):
            stripe_rig.sim.pay(stripe_rig.place(number), methods[n % len(methods)])
        stripe_rig.advance(timedelta(days=12))
        for number in numbers:
            stripe_rig.service.refresh(SHOP, number)

        states = {number: stripe_rig.state(number) for number in numbers}

        assert states["C-1"] == "in_progress"  # declined: still open
        assert states["C-0"] == "completed"
        assert set(states.values()) <= {"in_progress", "completed", "charged_back", "disputed"}


def test_missed_events_lists_what_came_after_the_last_one_seen_oldest_first(
    stripe_rig: Rig,
) -> None:
    intent = stripe_rig.place("A-8")
    provider = stripe_rig.service.providers.named("stripe")
    assert isinstance(provider, StripeProvider)
    seen = provider.missed_events(None)[-1]["id"]  # the newest so far: payment_intent.created

    stripe_rig.sim.pay(intent, "pm_card_visa")
    missed = provider.missed_events(seen)

    assert [event["type"] for event in missed] == [
        "charge.succeeded",
        "payment_intent.succeeded",
    ]


def test_a_forged_or_stale_stripe_webhook_is_a_401_kept_with_its_reason_and_appends_nothing(
    stripe_rig: Rig,
) -> None:
    """Bad input over HTTP: a body signed with another secret, a genuine signature replayed past
    the tolerance, or no signature, is answered 401 (the same body for each, but for the kept
    item's id); the inbox keeps each with its body, and the order is left as it was."""
    sent: list[httpx.Request] = []
    stripe_rig.sim.sender = httpx.Client(
        transport=httpx.MockTransport(
            lambda request: (sent.append(request), httpx.Response(200))[1]
        )
    )
    intent = stripe_rig.place("F-1")
    stripe_rig.sim.pay(intent, "pm_card_visa")
    stripe_rig.sim.deliver()
    assert sent, "the simulator delivered the payment's events"
    body = sent[0].content
    secrets = stripe_rig.service.providers.shop(SHOP).secrets  # type: ignore[union-attr]
    now = int(START.timestamp())
    before = stripe_rig.service.history(SHOP, "F-1")
    web = httpx.Client(
        transport=sync_transport(create_app(stripe_rig.service)), base_url="http://t"
    )
    url = f"/callbacks/stripe/{SHOP}"
    answers = [
        web.post(
            url, content=body, headers={"Stripe-Signature": sign_payload(body, ["whsec_x"], now)}
        ),
        web.post(
            url, content=body, headers={"Stripe-Signature": sign_payload(body, secrets, now - 3600)}
        ),
        web.post(url, content=body),
    ]
    assert [answer.status_code for answer in answers] == [401, 401, 401]
    said = [{k: v for k, v in answer.json().items() if k != "inbox_id"} for answer in answers]
    assert said[0] == said[1] == said[2]
    kept = stripe_rig.service.inbox_items(status="unauthenticated")
    assert len(kept) == 3
    assert all(item.body == body for item in kept)
    assert stripe_rig.service.history(SHOP, "F-1") == before
    fresh = sign_payload(body, secrets, int(stripe_rig.sim.clock.now().timestamp()))
    assert web.post(url, content=body, headers={"Stripe-Signature": fresh}).status_code == 200
