"""The Vertex façade keeps the port's promises: callbacks become facts or typed refusals, a
contradiction is ``FactRejected``, and the client's errors become the port's neutral ones."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from orderstate.adapters.port import (
    CallbackRefused,
    Checkout,
    FactRejected,
    Operation,
    Outcome,
    OutcomeUnknown,
    ProviderNotConfigured,
    ProviderRefused,
    ProviderUnreachable,
    Shop,
    UnknownAtProvider,
)
from orderstate.adapters.vertex import (
    SIGNATURE_HEADER,
    OrderSnapshot,
    VertexClient,
    VertexConfig,
    VertexProvider,
    sign,
)
from orderstate.adapters.vertex.retry import RetryPolicy
from orderstate.engine import Money, Order
from tests.unit.vertex.helpers import SECRET, order_json

NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)
SHOP = Shop((SECRET,))
PHP = Money.parse("56.99", "PHP")


def read(provider: VertexProvider, body: bytes, headers: dict[str, str]) -> object:
    return provider.read_callback(body, headers, shop_id=115, shop=SHOP, received_at=NOW)


def answering(status: int, payload: object) -> VertexProvider:
    """The façade over a real client whose every request gets this answer."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=payload)

    config = VertexConfig(
        token="t", base_url="http://vertex.test", retry=RetryPolicy(max_attempts=1)
    )
    return VertexProvider(VertexClient(config, transport=httpx.MockTransport(handler)))


def placed() -> Order:
    order = Order.place(shop_id=115, order_number="test04", amount=PHP)
    order.record_payment_link("https://pay.example/1")
    return order


def test_reads_a_signed_callback_into_a_fact_for_its_order() -> None:
    body = json.dumps(order_json()).encode()

    fact = read(VertexProvider(), body, {SIGNATURE_HEADER: sign(body, SECRET)})

    assert fact.provider == "vertex"
    assert (fact.shop_id, fact.order_number) == (115, "test04")
    assert isinstance(fact.detail, OrderSnapshot)


def test_refuses_a_wrongly_signed_callback_as_unauthenticated() -> None:
    body = json.dumps(order_json()).encode()

    with pytest.raises(CallbackRefused) as refused:
        read(VertexProvider(), body, {SIGNATURE_HEADER: sign(body, "another secret")})

    assert refused.value.outcome is Outcome.UNAUTHENTICATED


def test_refuses_a_verified_but_unreadable_callback_as_malformed() -> None:
    body = b'{"orderNumber": 7}'

    with pytest.raises(CallbackRefused) as refused:
        read(VertexProvider(), body, {SIGNATURE_HEADER: sign(body, SECRET)})

    assert refused.value.outcome is Outcome.MALFORMED


def test_verifies_with_the_signature_scheme_a_shop_names() -> None:
    body = json.dumps(order_json()).encode()
    shop = Shop((SECRET,), signature="sha512-body-secret")
    provider = VertexProvider()

    [(header, signature)] = provider.sign_callback(body, shop)
    fact = provider.read_callback(
        body, {header: signature}, shop_id=115, shop=shop, received_at=NOW
    )

    assert fact.order_number == "test04"


def test_an_unknown_signature_scheme_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown Vertex signature scheme 'md5'"):
        VertexProvider().sign_callback(b"{}", Shop((SECRET,), signature="md5"))


def test_brings_an_order_up_to_date_and_says_what_it_appended() -> None:
    body = json.dumps(order_json()).encode()
    provider = VertexProvider()
    fact = read(provider, body, {SIGNATURE_HEADER: sign(body, SECRET)})
    order = placed()

    update = provider.bring_up_to_date(order, fact)

    assert update.outcome is Outcome.APPLIED
    assert update.events[0] == "PaymentCaptured"
    assert provider.bring_up_to_date(order, fact).outcome is Outcome.DUPLICATE


def test_a_contradicting_snapshot_is_rejected_and_changes_nothing() -> None:
    cost = {"amount": "99.99", "currency": "PHP"}
    body = json.dumps(order_json(cost=cost)).encode()
    provider = VertexProvider()
    fact = read(provider, body, {SIGNATURE_HEADER: sign(body, SECRET)})
    order = placed()

    with pytest.raises(FactRejected, match=r"amount 99\.99 PHP"):
        provider.bring_up_to_date(order, fact)

    assert order.pending_events[-1].__class__.__name__ == "PaymentLinkIssued"


def test_without_a_client_a_call_is_refused_as_not_configured() -> None:
    provider = VertexProvider()

    with pytest.raises(ProviderNotConfigured, match="access token"):
        provider.poll(115, "test04")

    assert not provider.connected


def test_a_definitive_refusal_becomes_provider_refused() -> None:
    refusal = {"code": 412, "title": "Precondition Failed", "detail": "not capturable"}
    provider = answering(412, refusal)

    with pytest.raises(ProviderRefused, match="not capturable"):
        provider.request(Operation.CAPTURE, placed(), None)


def test_an_order_the_provider_does_not_have_becomes_unknown_at_provider() -> None:
    provider = answering(404, {"code": 404, "title": "Not Found", "detail": "no such order"})

    with pytest.raises(UnknownAtProvider):
        provider.poll(115, "test04")


def test_a_server_error_becomes_outcome_unknown() -> None:
    provider = answering(503, {"code": 503, "title": "Unavailable", "detail": "try later"})
    checkout = Checkout(
        shop_id=115,
        order_number="test04",
        amount=PHP,
        auto_capture=True,
        time_limit=None,
        webhook_url=None,
    )

    with pytest.raises(OutcomeUnknown):
        provider.request(Operation.REFUND, placed(), PHP)
    with pytest.raises((OutcomeUnknown, ProviderRefused)):
        provider.create(checkout)


def test_a_connection_never_made_becomes_provider_unreachable_not_outcome_unknown() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    config = VertexConfig(
        token="t", base_url="http://vertex.test", retry=RetryPolicy(max_attempts=1)
    )
    provider = VertexProvider(VertexClient(config, transport=httpx.MockTransport(handler)))
    checkout = Checkout(
        shop_id=115,
        order_number="test04",
        amount=PHP,
        auto_capture=True,
        time_limit=None,
        webhook_url=None,
    )

    with pytest.raises(ProviderUnreachable) as caught:
        provider.create(checkout)
    assert not isinstance(caught.value, OutcomeUnknown | ProviderRefused)
    with pytest.raises(ProviderUnreachable):
        provider.request(Operation.CAPTURE, placed(), None)
