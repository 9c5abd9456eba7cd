"""The Stripe façade through the SDK over ``httpx.MockTransport``: keys, params, errors, polls."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from orderstate.adapters.port import (
    Checkout,
    Customer,
    Fact,
    Operation,
    Outcome,
    OutcomeUnknown,
    ProviderRefused,
    ProviderUnreachable,
    UnknownAtProvider,
)
from orderstate.adapters.stripe.calls import StripeCalls, StripeConfig
from orderstate.adapters.stripe.objects import StripeView
from orderstate.adapters.stripe.provider import StripeProvider

from .objects import AMOUNT, METADATA, NUMBER, SHOP, charge, dispute, intent, placed, usd

Handler = Callable[[httpx.Request], httpx.Response]
INTENT_ID = "pi_1PgafyB7WZ01zgkWSjxsAJo3"


class FakeStripe:
    """Answers like Stripe from plain handlers; keeps every request it saw."""

    def __init__(self, answer: Handler) -> None:
        self.answer = answer
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        return self.answer(request)

    def form(self, index: int = -1) -> dict[str, list[str]]:
        return parse_qs(self.seen[index].content.decode())


def provider_for(answer: Handler) -> tuple[StripeProvider, FakeStripe]:
    fake = FakeStripe(answer)
    http = httpx.Client(transport=httpx.MockTransport(fake))
    config = StripeConfig(api_key="sk_test_123", base_url="https://stripe.test", timeout=5.0)
    calls = StripeCalls(replace_retries(config), http=http)
    return StripeProvider(calls), fake


def replace_retries(config: StripeConfig) -> StripeConfig:
    return StripeConfig(
        api_key=config.api_key,
        base_url=config.base_url,
        timeout=config.timeout,
        max_network_retries=0,
    )


def ok(obj: dict[str, Any]) -> Handler:
    return lambda request: httpx.Response(200, json=obj)


def error(status: int, kind: str, code: str = "x") -> Handler:
    body = {"error": {"type": kind, "code": code, "message": f"{kind} {code}"}}
    return lambda request: httpx.Response(status, json=body)


def checkout(*, auto_capture: bool = True) -> Checkout:
    return Checkout(
        shop_id=SHOP,
        order_number=NUMBER,
        amount=usd(AMOUNT),
        auto_capture=auto_capture,
        time_limit=None,
        webhook_url=None,
        customer=Customer(first_name="Ada", last_name="L", email="ada@example.com"),
    )


def test_create_sends_the_intent_with_metadata_and_an_idempotency_key() -> None:
    provider, fake = provider_for(ok(intent("requires_payment_method")))

    created = provider.create(checkout(auto_capture=False))

    request = fake.seen[0]
    assert (request.method, request.url.path) == ("POST", "/v1/payment_intents")
    assert request.headers["Idempotency-Key"] == f"orderstate:{SHOP}:{NUMBER}:create"
    assert request.headers["Authorization"] == "Bearer sk_test_123"
    form = fake.form()
    assert form["amount"] == [str(AMOUNT)]
    assert form["currency"] == ["usd"]
    assert form["capture_method"] == ["manual"]
    assert form["metadata[shop_id]"] == [str(SHOP)]
    assert form["metadata[order_number]"] == [NUMBER]
    assert form["receipt_email"] == ["ada@example.com"]
    assert created.payment_link is not None
    assert created.payment_link.startswith(INTENT_ID + "_secret_")


def test_a_retried_create_sends_the_same_key() -> None:
    provider, fake = provider_for(ok(intent("requires_payment_method")))

    provider.create(checkout())
    provider.create(checkout())

    assert fake.seen[0].headers["Idempotency-Key"] == fake.seen[1].headers["Idempotency-Key"]


def test_a_refund_is_keyed_by_order_amount_and_what_was_refunded_before() -> None:
    provider, fake = provider_for(ok(intent("succeeded")))
    provider.create(checkout())
    order = placed()

    provider.request(Operation.REFUND, order, usd(100))
    provider.request(Operation.REFUND, order, usd(100))  # the same request, retried
    order.record_payment_link("x")
    order.record_capture()
    order.record_clearing_started()
    order.record_settlement()
    order.record_refund(usd(100))
    provider.request(Operation.REFUND, order, usd(100))  # the next refund

    keys = [r.headers["Idempotency-Key"] for r in fake.seen[1:]]
    assert keys[0] == keys[1] == f"orderstate:{SHOP}:{NUMBER}:refund:0:100"
    assert keys[2] == f"orderstate:{SHOP}:{NUMBER}:refund:100:100"
    assert fake.form()["payment_intent"] == [INTENT_ID]
    assert fake.form()["metadata[order_number]"] == [NUMBER]


def test_capture_and_cancel_post_to_the_intent_with_their_own_keys() -> None:
    provider, fake = provider_for(ok(intent("requires_capture")))
    provider.create(checkout(auto_capture=False))

    provider.request(Operation.CAPTURE, placed(), None)
    provider.request(Operation.CANCEL, placed(), None)

    assert [r.url.path for r in fake.seen[1:]] == [
        f"/v1/payment_intents/{INTENT_ID}/capture",
        f"/v1/payment_intents/{INTENT_ID}/cancel",
    ]
    assert fake.seen[1].headers["Idempotency-Key"].endswith(":capture:")
    assert fake.seen[2].headers["Idempotency-Key"].endswith(":cancel")


def test_stripe_has_no_reject_or_review_request() -> None:
    provider, _ = provider_for(ok(intent("requires_capture")))
    provider.create(checkout())

    with pytest.raises(ProviderRefused, match="no reject"):
        provider.request(Operation.REJECT, placed(), None)


@pytest.mark.parametrize(
    ("answer", "neutral"),
    [
        pytest.param(error(402, "card_error", "card_declined"), ProviderRefused, id="402"),
        pytest.param(error(400, "invalid_request_error"), ProviderRefused, id="400"),
        pytest.param(
            error(404, "invalid_request_error", "resource_missing"), UnknownAtProvider, id="404"
        ),
        pytest.param(
            error(429, "invalid_request_error", "rate_limit"), ProviderUnreachable, id="429"
        ),
        pytest.param(error(500, "api_error"), OutcomeUnknown, id="500"),
    ],
)
def test_sdk_errors_become_the_port_s_neutral_ones(answer: Handler, neutral: type) -> None:
    provider, _ = provider_for(answer)

    with pytest.raises(neutral):
        provider.create(checkout())


def test_a_connection_never_made_is_unreachable_and_a_timeout_is_unknown() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(ProviderUnreachable):
        provider_for(refuse)[0].create(checkout())
    with pytest.raises(OutcomeUnknown):
        provider_for(time_out)[0].create(checkout())


def test_poll_finds_the_intent_by_its_metadata_then_expands_charge_and_balance() -> None:
    settled = charge(balance_transaction={"id": "txn_1", "status": "available"})

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/search"):
            return httpx.Response(200, json=search_result(intent("succeeded")))
        return httpx.Response(200, json=intent("succeeded", latest_charge=settled))

    provider, fake = provider_for(answer)

    fact = provider.poll(SHOP, NUMBER)

    search = fake.seen[0].url.params["query"]
    assert search == f"metadata['shop_id']:'{SHOP}' AND metadata['order_number']:'{NUMBER}'"
    expand = fake.seen[1].url.params
    assert [expand["expand[0]"], expand["expand[1]"]] == [
        "latest_charge",
        "latest_charge.balance_transaction",
    ]
    assert isinstance(fact.detail, StripeView)
    assert fact.detail.state == "completed"


def test_poll_of_a_disputed_charge_reads_its_dispute() -> None:
    disputed = charge(disputed=True)

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/disputes":
            return httpx.Response(200, json=listing(dispute("under_review", -AMOUNT)))
        return httpx.Response(200, json=intent("succeeded", latest_charge=disputed))

    provider, _ = provider_for(answer)
    provider.create(checkout())
    order = placed()

    update = provider.bring_up_to_date(order, provider.poll(SHOP, NUMBER))

    assert update.events[-2:] == ("DisputeOpened", "DisputeFundsWithdrawn")
    assert order.state == "disputed"


def test_poll_of_an_order_stripe_never_saw_is_unknown() -> None:
    provider, _ = provider_for(ok(search_result()))

    with pytest.raises(UnknownAtProvider):
        provider.poll(SHOP, NUMBER)


def test_an_event_id_applied_once_is_a_duplicate_the_second_time() -> None:
    provider = StripeProvider()
    order = placed()
    view = StripeView(
        shop_id=SHOP,
        order_number=NUMBER,
        source="payment_intent.succeeded",
        event_id="evt_1",
        state=None,
    )
    fact = Fact("stripe", SHOP, NUMBER, view)

    provider.bring_up_to_date(order, fact)
    again = provider.bring_up_to_date(order, fact)

    assert again.outcome is Outcome.DUPLICATE


def search_result(*found: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "search_result",
        "data": list(found),
        "has_more": False,
        "next_page": None,
        "url": "/v1/payment_intents/search",
    }


def listing(*found: dict[str, Any]) -> dict[str, Any]:
    return {"object": "list", "data": list(found), "has_more": False, "url": "/v1/disputes"}


def dumps(obj: object) -> bytes:
    return json.dumps(obj).encode()


NOW = datetime(2026, 12, 7, 22, 0, tzinfo=UTC)
assert METADATA["order_number"] == NUMBER
