"""The Stripe façade keeps the port's promises the same way against the simulator and against a
small ``httpx.MockTransport`` fake of Stripe (so the fake unit tests lean on behaves like it):
create is idempotent, polls read the order's state, requests move it, refusals are typed."""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from orderstate.adapters.port import (
    Checkout,
    Operation,
    ProviderRefused,
    UnknownAtProvider,
)
from orderstate.adapters.stripe import StripeCalls, StripeConfig, StripeProvider, StripeView
from orderstate.adapters.stripe.objects import view_of
from orderstate.adapters.stripe.simulator import DEFAULT_API_KEY, SimulatedStripe
from orderstate.engine import Money, Order

SHOP = 115
EXAMPLES = json.loads(
    (Path(__file__).parents[1] / "unit/stripe/fixtures/stripe_openapi_fixtures.json").read_text()
)["resources"]


class FakeStripe:
    """Just enough of Stripe's v1 API, in memory, from plain handler code: intents (create with
    idempotency-key replay, retrieve, search by metadata, confirm, capture, cancel), refunds
    and an empty dispute list. Objects start from Stripe's published examples."""

    def __init__(self) -> None:
        self.intents: dict[str, dict[str, Any]] = {}
        self.keys: dict[str, dict[str, Any]] = {}
        self.ids = itertools.count(1)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        parts = request.url.path.strip("/").split("/")[1:]
        key = request.headers.get("Idempotency-Key")
        if request.method == "POST" and key in self.keys:
            return httpx.Response(200, json=self.keys[key])
        status, body = self.route(request.method, parts, form, request.url.params)
        if request.method == "POST" and key is not None and status == 200:
            self.keys[key] = body
        return httpx.Response(status, json=body)

    def route(
        self, method: str, parts: list[str], form: dict[str, str], params: Any
    ) -> tuple[int, dict[str, Any]]:
        if parts == ["payment_intents"] and method == "POST":
            return 200, self.create(form)
        if parts == ["payment_intents", "search"]:
            found = [i for i in self.intents.values() if _matches(i, params["query"])]
            return 200, {"object": "search_result", "data": found, "has_more": False}
        if parts == ["disputes"]:
            return 200, {"object": "list", "data": [], "has_more": False}
        if parts == ["refunds"] and method == "POST":
            return self.refund(form)
        intent = self.intents.get(parts[1]) if len(parts) > 1 else None
        if intent is None:
            return 404, _error("invalid_request_error", "resource_missing")
        if len(parts) == 2:
            return 200, intent
        return self.act(intent, parts[2])

    def create(self, form: dict[str, str]) -> dict[str, Any]:
        number = next(self.ids)
        intent = copy.deepcopy(EXAMPLES["payment_intent"])
        intent.update(
            id=f"pi_fake{number}",
            client_secret=f"pi_fake{number}_secret_x",
            amount=int(form["amount"]),
            currency=form["currency"],
            capture_method=form["capture_method"],
            metadata={k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")},
            created=number,
            last_payment_error=None,
            latest_charge=None,
        )
        self.intents[intent["id"]] = intent
        return intent

    def act(self, intent: dict[str, Any], action: str) -> tuple[int, dict[str, Any]]:
        status = intent["status"]
        if action == "confirm":
            manual = intent["capture_method"] == "manual"
            intent["status"] = "requires_capture" if manual else "succeeded"
            intent["amount_capturable" if manual else "amount_received"] = intent["amount"]
        elif action == "capture" and status == "requires_capture":
            intent.update(status="succeeded", amount_received=intent["amount"])
            intent["amount_capturable"] = 0
        elif action == "cancel" and status not in {"succeeded", "canceled"}:
            intent.update(status="canceled", cancellation_reason="requested_by_customer")
        else:
            return 400, _error("invalid_request_error", "payment_intent_unexpected_state")
        if intent["status"] == "succeeded":
            charge = copy.deepcopy(EXAMPLES["charge"])
            charge.update(
                amount=intent["amount"], amount_captured=intent["amount"], captured=True,
                currency=intent["currency"], metadata=intent["metadata"], refunds=None,
                payment_intent=intent["id"], balance_transaction={"status": "pending"},
            )  # fmt: skip
            intent["latest_charge"] = charge
        return 200, intent

    def refund(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        charge = self.intents[form["payment_intent"]]["latest_charge"]
        charge["amount_refunded"] += int(form["amount"])
        refund = copy.deepcopy(EXAMPLES["refund"])
        refund.update(amount=int(form["amount"]), payment_intent=form["payment_intent"])
        return 200, refund

    def pay(self, intent_id: str) -> None:
        self.act(self.intents[intent_id], "confirm")


def _matches(intent: dict[str, Any], query: str) -> bool:
    clauses = [c.split(":", 1) for c in query.split(" AND ")]
    return all(intent["metadata"].get(k[10:-2]) == v.strip("'") for k, v in clauses)


def _error(kind: str, code: str) -> dict[str, Any]:
    return {"error": {"type": kind, "code": code, "message": code}}


@dataclass
class Backend:
    provider: StripeProvider
    pay: Callable[[str], object]
    """The customer confirms the intent with a card that succeeds."""


def _calls(transport: httpx.BaseTransport) -> StripeCalls:
    config = StripeConfig(
        api_key=DEFAULT_API_KEY, base_url="http://stripe.test", timeout=5.0, max_network_retries=0
    )
    return StripeCalls(config, http=httpx.Client(transport=transport))


@pytest.fixture(params=["simulator", "fake"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "simulator":
        sim = SimulatedStripe()
        provider = StripeProvider(_calls(sim.transport()))
        yield Backend(provider, sim.pay)
    else:
        fake = FakeStripe()
        yield Backend(StripeProvider(_calls(httpx.MockTransport(fake))), fake.pay)


def checkout(number: str, *, auto_capture: bool = True) -> Checkout:
    return Checkout(
        shop_id=SHOP,
        order_number=number,
        amount=Money(1999, "EUR"),
        auto_capture=auto_capture,
        time_limit=None,
        webhook_url=None,
    )


def view(backend: Backend, number: str) -> StripeView:
    detail = backend.provider.poll(SHOP, number).detail
    assert isinstance(detail, StripeView)
    return detail


def intent_of(link: str | None) -> str:
    assert link is not None
    return link.split("_secret_")[0]


def test_create_is_idempotent_by_order(backend: Backend) -> None:
    first = backend.provider.create(checkout("K-1"))
    again = backend.provider.create(checkout("K-1"))

    assert first.payment_link == again.payment_link
    assert intent_of(first.payment_link).startswith("pi_")


def test_a_new_order_polls_in_progress_and_paid_polls_clearing(backend: Backend) -> None:
    intent = intent_of(backend.provider.create(checkout("K-2")).payment_link)
    assert view(backend, "K-2").state == "in_progress"

    backend.pay(intent)

    paid = view(backend, "K-2")
    assert (paid.state, paid.captured) == ("clearing", Money(1999, "EUR"))


def test_two_stage_is_authorized_then_captured(backend: Backend) -> None:
    intent = intent_of(backend.provider.create(checkout("K-3", auto_capture=False)).payment_link)
    backend.pay(intent)
    assert view(backend, "K-3").state == "authorized"
    order = Order.place(shop_id=SHOP, order_number="K-3", amount=Money(1999, "EUR"))

    backend.provider.request(Operation.CAPTURE, order, None)

    assert view(backend, "K-3").state == "clearing"


def test_cancel_ends_an_unpaid_intent(backend: Backend) -> None:
    backend.provider.create(checkout("K-4"))
    order = Order.place(shop_id=SHOP, order_number="K-4", amount=Money(1999, "EUR"))

    backend.provider.request(Operation.CANCEL, order, None)

    assert view(backend, "K-4").state == "cancelled"


def test_a_refund_shows_in_the_next_poll(backend: Backend) -> None:
    intent = intent_of(backend.provider.create(checkout("K-5")).payment_link)
    backend.pay(intent)
    order = Order.place(shop_id=SHOP, order_number="K-5", amount=Money(1999, "EUR"))

    backend.provider.request(Operation.REFUND, order, Money(500, "EUR"))

    polled = view(backend, "K-5")
    assert (polled.state, polled.refunded) == ("partially_refunded", Money(500, "EUR"))


def test_capturing_an_unauthorized_intent_is_refused(backend: Backend) -> None:
    backend.provider.create(checkout("K-6"))
    order = Order.place(shop_id=SHOP, order_number="K-6", amount=Money(1999, "EUR"))

    with pytest.raises(ProviderRefused):
        backend.provider.request(Operation.CAPTURE, order, None)


def test_an_order_stripe_never_had_is_unknown(backend: Backend) -> None:
    with pytest.raises(UnknownAtProvider):
        backend.provider.poll(SHOP, "never-placed")


@pytest.mark.parametrize("kind", ["payment_intent", "charge", "refund", "dispute"])
def test_stripe_s_published_examples_parse_as_the_simulator_s_objects_do(kind: str) -> None:
    example = copy.deepcopy(EXAMPLES[kind])
    if kind == "payment_intent":
        example["status"] = "succeeded"
        example["amount_received"] = example["amount"]

    parsed = view_of(example, shop_id=SHOP, order_number="X", source="example")

    assert parsed.source == "example"
