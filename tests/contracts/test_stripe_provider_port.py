"""One contract for the Stripe provider, as the port sees it, run against two backends.

- ``simulator``: ``SimulatedStripe`` served by uvicorn on loopback (``serve``), reached by the
  adapter's ``StripeCalls`` (the official SDK) over a real socket;
- ``mock``: ``httpx.MockTransport`` over ``FakeStripe``, a few dicts of intents, charges and
  refunds behind a plain handler function, the kind of fake unit tests script by hand.

Each behaviour is written once and must hold on both, so the fake is proven to behave like the
simulator for the adapter (STYLE rule 3), and the simulator like what the adapter expects. The
simulator alone then shows that its signed events read into facts that bring an order to the
state a poll gives.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from orderstate.adapters.port import (
    Checkout,
    Created,
    Fact,
    Operation,
    OutcomeUnknown,
    ProviderRefused,
    Shop,
    UnknownAtProvider,
)
from orderstate.adapters.stripe import EVENT_TYPES, StripeCalls, StripeConfig, StripeProvider
from orderstate.adapters.stripe.objects import StripeView
from orderstate.adapters.stripe.simulator import (
    DEFAULT_API_KEY,
    Fault,
    SimulatedStripe,
    WebhookChaos,
    serve,
)
from orderstate.engine import Money, Order, State

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SHOP = 31
EUR_25 = Money(2500, "EUR")
JPY_5000 = Money(5000, "JPY")


# --- the MockTransport backend -------------------------------------------------------------------


def error(
    status: int, message: str, code: str | None = None, kind: str = "invalid_request_error"
) -> httpx.Response:
    body: dict[str, Any] = {"type": kind, "message": message}
    if code is not None:
        body["code"] = code
    return httpx.Response(status, json={"error": body})


@dataclass
class FakeStripe:
    """Intents, charges and refunds in dicts, answered in Stripe's wire format; only what the
    contract exercises: no events, no settlement, no disputes (an empty list)."""

    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    charges: dict[str, dict[str, Any]] = field(default_factory=dict)
    answers: dict[str, httpx.Response] = field(default_factory=dict)
    """Idempotency: the first answer to each key."""
    failing: list[str] = field(default_factory=list)
    """Paths whose next request answers 500 before acting."""
    counter: int = 0

    _ONE = re.compile(r"/v1/payment_intents/(?P<id>pi_\w+)(?:/(?P<verb>capture|cancel))?")

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != f"Bearer {DEFAULT_API_KEY}":
            return error(401, "Invalid API Key provided")
        path = request.url.path
        for failing in self.failing:
            if path.startswith(failing):
                self.failing.remove(failing)
                return error(500, "injected", kind="api_error")
        key = request.headers.get("idempotency-key")
        if request.method == "POST" and key in self.answers:
            return self.answers[key]
        answer = self._answer(request, path, dict(parse_qsl(request.content.decode())))
        if request.method == "POST" and key is not None:
            self.answers[key] = answer
        return answer

    def _answer(self, request: httpx.Request, path: str, form: dict[str, str]) -> httpx.Response:
        if path == "/v1/payment_intents" and request.method == "POST":
            return self._create(form)
        if path == "/v1/payment_intents/search":
            return self._search(request.url.params["query"])
        if path == "/v1/refunds":
            return self._refund(form)
        if path == "/v1/disputes":
            return httpx.Response(200, json={"object": "list", "data": [], "has_more": False})
        one = self._ONE.fullmatch(path)
        if one is None or one["id"] not in self.intents:
            return error(404, "No such payment_intent", "resource_missing")
        intent = self.intents[one["id"]]
        if one["verb"] == "capture":
            return self._capture(intent, form)
        if one["verb"] == "cancel":
            return self._cancel(intent)
        return httpx.Response(200, json=self._expanded(intent))

    def _new_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}_fake{self.counter}"

    def _create(self, form: dict[str, str]) -> httpx.Response:
        intent_id = self._new_id("pi")
        metadata = {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")}
        self.intents[intent_id] = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": int(form["amount"]),
            "currency": form["currency"],
            "amount_capturable": 0,
            "amount_received": 0,
            "capture_method": form["capture_method"],
            "cancellation_reason": None,
            "client_secret": f"{intent_id}_secret_fake",
            "created": self.counter,
            "latest_charge": None,
            "metadata": metadata,
            "status": "requires_payment_method",
        }
        return httpx.Response(200, json=self.intents[intent_id])

    def _search(self, query: str) -> httpx.Response:
        wanted = dict(re.findall(r"metadata\['(\w+)'\]:'([^']*)'", query))
        found = [
            i
            for i in self.intents.values()
            if all(i["metadata"].get(k) == v for k, v in wanted.items())
        ]
        return httpx.Response(
            200, json={"object": "search_result", "data": found, "has_more": False}
        )

    def pay(self, intent_id: str) -> None:
        """The customer pays with a card that succeeds."""
        intent = self.intents[intent_id]
        charge_id = self._new_id("ch")
        manual = intent["capture_method"] == "manual"
        self.charges[charge_id] = {
            "id": charge_id,
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": 0 if manual else intent["amount"],
            "amount_refunded": 0,
            "balance_transaction": None if manual else {"status": "pending"},
            "captured": not manual,
            "currency": intent["currency"],
            "disputed": False,
            "metadata": intent["metadata"],
            "payment_intent": intent_id,
            "refunded": False,
            "refunds": {"object": "list", "data": [], "has_more": False},
            "status": "succeeded",
        }
        intent["latest_charge"] = charge_id
        if manual:
            intent.update(status="requires_capture", amount_capturable=intent["amount"])
        else:
            intent.update(status="succeeded", amount_received=intent["amount"])

    def _capture(self, intent: dict[str, Any], form: dict[str, str]) -> httpx.Response:
        if intent["status"] != "requires_capture":
            return error(400, "cannot be captured", "payment_intent_unexpected_state")
        amount = int(form.get("amount_to_capture", intent["amount_capturable"]))
        if amount > intent["amount_capturable"]:
            return error(400, "amount_to_capture is too large", "amount_too_large")
        charge = self.charges[intent["latest_charge"]]
        charge.update(
            captured=True,
            amount_captured=amount,
            amount_refunded=charge["amount"] - amount,  # the rest is released, as on Stripe
            balance_transaction={"status": "pending"},
        )
        intent.update(status="succeeded", amount_capturable=0, amount_received=amount)
        return httpx.Response(200, json=intent)

    def _cancel(self, intent: dict[str, Any]) -> httpx.Response:
        if intent["status"] in ("succeeded", "canceled", "processing"):
            return error(400, "cannot be canceled", "payment_intent_unexpected_state")
        if intent["latest_charge"] is not None:
            charge = self.charges[intent["latest_charge"]]
            charge.update(amount_refunded=charge["amount"], refunded=True)
        intent.update(status="canceled", cancellation_reason=None, amount_capturable=0)
        return httpx.Response(200, json=intent)

    def _refund(self, form: dict[str, str]) -> httpx.Response:
        intent = self.intents.get(form["payment_intent"])
        if intent is None or intent["status"] != "succeeded":
            return error(400, "nothing to refund", "charge_not_refundable")
        charge = self.charges[intent["latest_charge"]]
        left = charge["amount_captured"] - sum(r["amount"] for r in charge["refunds"]["data"])
        amount = int(form.get("amount", left))
        if amount > left:
            return error(400, "Refund amount is greater than unrefunded amount", "amount_too_large")
        refund = {
            "id": self._new_id("re"),
            "object": "refund",
            "amount": amount,
            "status": "succeeded",
            "created": self.counter,
            "failure_reason": None,
        }
        charge["refunds"]["data"].insert(0, refund)
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        return httpx.Response(200, json=refund)

    def _expanded(self, intent: dict[str, Any]) -> dict[str, Any]:
        charge = intent["latest_charge"]
        return {**intent, "latest_charge": None if charge is None else self.charges[charge]}


# --- the two backends ----------------------------------------------------------------------------


@dataclass
class Backend:
    """The provider over one backend, and the world around it (the customer, failures)."""

    name: str
    provider: StripeProvider
    pay: Callable[[str], None]
    fail_next: Callable[[str], None]
    """Make the next call of this kind (``create``, ``capture``, ``refund``) answer 500."""
    close: Callable[[], None]
    sim: SimulatedStripe | None = None


def calls_over(http: httpx.Client, base_url: str) -> StripeCalls:
    config = StripeConfig(
        api_key=DEFAULT_API_KEY, base_url=base_url, timeout=5.0, max_network_retries=0
    )
    return StripeCalls(config, http=http)


_SIM_ENDPOINTS = {"create": "create_intent", "capture": "capture_intent", "refund": "create_refund"}
_FAKE_PATHS = {
    "create": "/v1/payment_intents",
    "capture": "/v1/payment_intents/",
    "refund": "/v1/refunds",
}


def simulator_backend() -> Backend:
    sim = SimulatedStripe(start=START, settlement_delay=timedelta(days=2))
    running = serve(sim)
    provider = StripeProvider(calls_over(httpx.Client(), running.base_url))

    def close() -> None:
        provider.close()
        running.stop()

    return Backend(
        "simulator",
        provider,
        pay=lambda intent_id: sim.pay(intent_id, "pm_card_visa"),
        fail_next=lambda kind: sim.faults.script(_SIM_ENDPOINTS[kind], Fault.server_error(500)),
        close=close,
        sim=sim,
    )


def mock_backend() -> Backend:
    fake = FakeStripe()
    http = httpx.Client(transport=httpx.MockTransport(fake.handle))
    provider = StripeProvider(calls_over(http, "https://api.stripe.test"))
    return Backend(
        "mock",
        provider,
        pay=fake.pay,
        fail_next=lambda kind: fake.failing.append(_FAKE_PATHS[kind]),
        close=provider.close,
    )


@pytest.fixture(params=["simulator", "mock"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    made = simulator_backend() if request.param == "simulator" else mock_backend()
    yield made
    made.close()


def checkout(number: str, amount: Money = EUR_25, *, two_stage: bool = False) -> Checkout:
    return Checkout(
        shop_id=SHOP,
        order_number=number,
        amount=amount,
        auto_capture=not two_stage,
        time_limit=None,
        webhook_url=None,
    )


def intent_of(created: Created) -> str:
    assert created.payment_link is not None
    return created.payment_link.split("_secret_")[0]


def view(fact: Fact) -> StripeView:
    assert isinstance(fact.detail, StripeView)
    return fact.detail


def placed(number: str, amount: Money = EUR_25, *, two_stage: bool = False) -> Order:
    order = Order.place(
        shop_id=SHOP, order_number=number, amount=amount, auto_capture=not two_stage
    )
    order.record_payment_link("client secret")
    return order


# --- the contract --------------------------------------------------------------------------------


def test_creates_an_intent_whose_client_secret_is_the_payment_link(backend: Backend) -> None:
    created = backend.provider.create(checkout("C-1"))

    assert created.payment_link is not None
    assert created.payment_link.startswith("pi_")
    assert "_secret_" in created.payment_link


def test_creating_the_same_order_twice_makes_one_intent(backend: Backend) -> None:
    first = backend.provider.create(checkout("C-2"))

    again = backend.provider.create(checkout("C-2"))

    assert again == first


@pytest.mark.parametrize("amount", [EUR_25, JPY_5000], ids=["EUR", "JPY"])
def test_polls_a_new_order_in_progress_for_its_exact_amount(
    backend: Backend, amount: Money
) -> None:
    backend.provider.create(checkout("C-3", amount))

    polled = view(backend.provider.poll(SHOP, "C-3"))

    assert (polled.state, polled.amount) == (State.IN_PROGRESS, amount)


def test_polls_a_paid_order_as_captured_and_clearing(backend: Backend) -> None:
    backend.pay(intent_of(backend.provider.create(checkout("C-4"))))

    polled = view(backend.provider.poll(SHOP, "C-4"))

    assert (polled.state, polled.captured) == (State.CLEARING, EUR_25)


def test_a_polled_fact_brings_the_local_order_to_the_providers_state(backend: Backend) -> None:
    backend.pay(intent_of(backend.provider.create(checkout("C-5"))))
    order = placed("C-5")

    update = backend.provider.bring_up_to_date(order, backend.provider.poll(SHOP, "C-5"))

    assert update.events[:2] == ("PaymentCaptured", "ClearingStarted")
    assert order.state == State.CLEARING
    assert order.captured == EUR_25


def test_captures_an_authorization_in_full(backend: Backend) -> None:
    backend.pay(intent_of(backend.provider.create(checkout("C-6", two_stage=True))))
    order = placed("C-6", two_stage=True)
    backend.provider.bring_up_to_date(order, backend.provider.poll(SHOP, "C-6"))
    assert order.state == State.AUTHORIZED
    order.request_capture()

    backend.provider.request(Operation.CAPTURE, order, None)
    backend.provider.bring_up_to_date(order, backend.provider.poll(SHOP, "C-6"))

    assert (order.state, order.captured) == (State.CLEARING, EUR_25)


def test_captures_part_of_an_authorization_and_refunds_nothing(backend: Backend) -> None:
    backend.pay(intent_of(backend.provider.create(checkout("C-7", two_stage=True))))
    order = placed("C-7", two_stage=True)
    backend.provider.bring_up_to_date(order, backend.provider.poll(SHOP, "C-7"))
    order.request_capture()

    backend.provider.request(Operation.CAPTURE, order, Money(1000, "EUR"))
    backend.provider.bring_up_to_date(order, backend.provider.poll(SHOP, "C-7"))

    assert order.captured == Money(1000, "EUR")
    assert order.refunded == Money(0, "EUR")


def test_cancels_an_authorization(backend: Backend) -> None:
    backend.pay(intent_of(backend.provider.create(checkout("C-8", two_stage=True))))
    order = placed("C-8", two_stage=True)
    backend.provider.bring_up_to_date(order, backend.provider.poll(SHOP, "C-8"))
    order.request_cancel()

    backend.provider.request(Operation.CANCEL, order, None)
    polled = view(backend.provider.poll(SHOP, "C-8"))

    assert polled.state == State.CANCELLED


def test_refunds_part_and_then_the_rest(backend: Backend) -> None:
    backend.pay(intent_of(backend.provider.create(checkout("C-9"))))
    order = placed("C-9")
    backend.provider.bring_up_to_date(order, backend.provider.poll(SHOP, "C-9"))

    backend.provider.request(Operation.REFUND, order, Money(1000, "EUR"))
    first = view(backend.provider.poll(SHOP, "C-9"))
    backend.provider.bring_up_to_date(order, backend.provider.poll(SHOP, "C-9"))
    backend.provider.request(Operation.REFUND, order, Money(1500, "EUR"))
    rest = view(backend.provider.poll(SHOP, "C-9"))

    assert (first.state, first.refunded) == (State.PARTIALLY_REFUNDED, Money(1000, "EUR"))
    assert (rest.state, rest.refunded) == (State.REFUNDED, EUR_25)


def test_a_refund_larger_than_what_is_left_is_provider_refused(backend: Backend) -> None:
    backend.pay(intent_of(backend.provider.create(checkout("C-10"))))
    order = placed("C-10")

    with pytest.raises(ProviderRefused):
        backend.provider.request(Operation.REFUND, order, Money(2501, "EUR"))


def test_capturing_an_order_that_is_not_authorized_is_provider_refused(backend: Backend) -> None:
    backend.pay(intent_of(backend.provider.create(checkout("C-11"))))

    with pytest.raises(ProviderRefused):
        backend.provider.request(Operation.CAPTURE, placed("C-11"), None)


def test_an_order_stripe_does_not_have_is_unknown_at_provider(backend: Backend) -> None:
    with pytest.raises(UnknownAtProvider):
        backend.provider.poll(SHOP, "never-placed")


def test_a_server_error_is_outcome_unknown_and_a_retry_makes_one_intent(backend: Backend) -> None:
    backend.fail_next("create")

    with pytest.raises(OutcomeUnknown):
        backend.provider.create(checkout("C-12"))
    created = backend.provider.create(checkout("C-12"))

    assert view(backend.provider.poll(SHOP, "C-12")).client_secret == created.payment_link


def test_a_server_error_on_a_refund_is_outcome_unknown(backend: Backend) -> None:
    backend.pay(intent_of(backend.provider.create(checkout("C-13"))))
    backend.fail_next("refund")

    with pytest.raises(OutcomeUnknown):
        backend.provider.request(Operation.REFUND, placed("C-13"), Money(100, "EUR"))


def test_a_wrong_secret_key_is_provider_refused(backend: Backend) -> None:
    backend.provider.create(checkout("C-14"))
    calls = backend.provider.calls
    assert calls is not None
    stranger = StripeProvider(
        StripeCalls(
            StripeConfig(
                api_key="sk_test_wrong",
                base_url=calls.config.base_url,
                timeout=5.0,
                max_network_retries=0,
            ),
            http=calls._http,
        ),
        close=False,
    )

    with pytest.raises(ProviderRefused):
        stranger.poll(SHOP, "C-14")


# --- the simulator's events ----------------------------------------------------------------------


@pytest.fixture
def evented() -> Iterator[tuple[SimulatedStripe, StripeProvider, Shop]]:
    """An in-process simulator whose webhook endpoint wants the events the adapter reads."""
    sim = SimulatedStripe(start=START, chaos=WebhookChaos(duplicate=0.5, reorder=0.5), seed=4)
    endpoint = sim.add_webhook_endpoint(
        f"http://shop.test/callbacks/stripe/{SHOP}", enabled_events=sorted(EVENT_TYPES)
    )
    provider = StripeProvider(calls_over(httpx.Client(transport=sim.transport()), "http://sim"))
    yield sim, provider, Shop(tuple(endpoint.secrets))
    provider.close()


def facts(sim: SimulatedStripe, provider: StripeProvider, shop: Shop) -> list[Fact]:
    """Every delivery so far, verified and read by the provider as the webhook app would."""
    now = sim.clock.now()
    return [
        provider.read_callback(
            d.body, d.headers(int(now.timestamp())), shop_id=SHOP, shop=shop, received_at=now
        )
        for d in sim.webhooks.sent
    ]


def test_every_signed_event_reads_into_a_fact_for_its_order(
    evented: tuple[SimulatedStripe, StripeProvider, Shop],
) -> None:
    sim, provider, shop = evented
    sim.pay(intent_of(provider.create(checkout("E-1"))), "pm_card_visa")

    read = facts(sim, provider, shop)

    assert {(f.provider, f.shop_id, f.order_number) for f in read} == {("stripe", SHOP, "E-1")}
    assert len(read) == len(sim.webhooks.sent) >= 3


def refund_part(sim: SimulatedStripe, intent_id: str) -> None:
    sim.create_refund(payment_intent=intent_id, amount=1000)


def dispute(won: bool | None, *, inquiry: bool = False) -> Callable[[SimulatedStripe, str], None]:
    def story(sim: SimulatedStripe, intent_id: str) -> None:
        opened = sim.open_dispute(intent_id, inquiry=inquiry)
        if won is not None:
            sim.resolve_dispute(opened["id"], won=won)

    return story


def later(delta: timedelta) -> Callable[[SimulatedStripe, str], None]:
    return lambda sim, intent_id: sim.advance(delta)


def cancel(sim: SimulatedStripe, intent_id: str) -> None:
    sim.cancel_intent(intent_id)


def nothing(sim: SimulatedStripe, intent_id: str) -> None:
    """The payment is all there is."""


# (payment method, two-stage, what happens next, the state a poll and the events both give)
STORIES = {
    "captured": ("pm_card_visa", False, nothing, State.CLEARING),
    "authorized": ("pm_card_visa", True, nothing, State.AUTHORIZED),
    "declined, open for a retry": ("pm_card_chargeDeclined", False, nothing, State.IN_PROGRESS),
    "authentication pending": ("pm_card_authenticationRequired", False, nothing, State.IN_PROGRESS),
    "processing": ("pm_sepaDebit_succeeds", False, nothing, State.IN_PROGRESS),
    "processed": ("pm_sepaDebit_succeeds", False, later(timedelta(days=1)), State.CLEARING),
    "authorization expired": ("pm_card_visa", True, later(timedelta(days=7)), State.CANCELLED),
    "partly refunded": ("pm_card_visa", False, refund_part, State.PARTIALLY_REFUNDED),
    "disputed": ("pm_card_visa", False, dispute(None), State.DISPUTED),
    "dispute lost": ("pm_card_visa", False, dispute(False), State.CHARGED_BACK),
    "dispute won": ("pm_card_visa", False, dispute(True), State.CLEARING),
    "inquiry open": ("pm_card_visa", False, dispute(None, inquiry=True), State.DISPUTED),
    "inquiry closed": ("pm_card_visa", False, dispute(True, inquiry=True), State.CLEARING),
    "inquiry escalated and lost": (
        "pm_card_visa",
        False,
        lambda sim, intent_id: (
            dispute(None, inquiry=True)(sim, intent_id),
            later(timedelta(days=14))(sim, intent_id),
        ),
        State.CHARGED_BACK,
    ),
    "canceled authorization": ("pm_card_visa", True, cancel, State.CANCELLED),
}


@pytest.mark.parametrize(
    "story",
    sorted(STORIES),
)
def test_events_in_any_order_bring_an_order_where_a_poll_does(
    evented: tuple[SimulatedStripe, StripeProvider, Shop], story: str
) -> None:
    sim, provider, shop = evented
    method, two_stage, then, state = STORIES[story]
    intent_id = intent_of(provider.create(checkout("E-2", two_stage=two_stage)))
    sim.pay(intent_id, method)
    then(sim, intent_id)
    sim.advance(timedelta(0))  # deliveries held back for reordering go out now
    read = facts(sim, provider, shop)
    wanted = {e.id for e in sim.events.events if e.type in EVENT_TYPES}
    assert {d.event_id for d in sim.webhooks.sent} == wanted
    polled = placed("E-2", two_stage=two_stage)
    provider.bring_up_to_date(polled, provider.poll(SHOP, "E-2"))

    for seed in range(5):  # a fresh provider each time: it remembers the event ids it applied
        order, fresh = placed("E-2", two_stage=two_stage), StripeProvider()
        for fact in random.Random(seed).sample(read, len(read)):
            fresh.bring_up_to_date(order, fact)
        assert (order.state, order.captured, order.refunded) == (
            polled.state,
            polled.captured,
            polled.refunded,
        )
    assert polled.state == state


def test_missed_events_are_listed_after_the_last_one_seen(
    evented: tuple[SimulatedStripe, StripeProvider, Shop],
) -> None:
    sim, provider, _ = evented
    provider.create(checkout("E-3"))
    seen = sim.events.events[-1].id
    sim.pay(intent_of(provider.create(checkout("E-4"))), "pm_card_visa")

    missed = provider.missed_events(seen)

    assert [e["id"] for e in missed] == [e.id for e in sim.events.events[-len(missed) :]]
    assert [e["type"] for e in missed][-1] == "payment_intent.succeeded"
    assert json.dumps(missed)  # plain JSON, as a store would keep it
