"""Expiry never ends an order the customer may still pay, and money taken after all reaches
``need_action`` (issue 10).

Before: ``expire`` stopped only on an "applied" poll, so a provider that was down (or answered
with a body it could not read) fell through to a local ``cancelled``; the customer's payment
then arrived as a callback that was ``rejected`` (money taken, order cancelled), and reconcile
skipped the order for good, since cancelled is final. Now an order whose provider state is
unknown is left alone ("unknown", tried again next run); one still open at the provider goes
to ``expired``, which is not final, so the provider's own end closes it, reconcile keeps polling
it, and a payment after all is a mismatch for a person (``need_action``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.service import OrderService, Outcome, Shop
from orderstate.adapters.vertex import VertexClient, VertexConfig
from orderstate.adapters.vertex.retry import RetryPolicy
from orderstate.engine import Money
from tests.unit.vertex.helpers import SECRET, order_json, signed

COST = Money.parse("56.99", "PHP")
LINK = "https://payment-page.stage.vertexgateway.com/payment?session-id=1&page-id=854"
PLACED_AT = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
DEADLINE = PLACED_AT + timedelta(hours=1)
Handler = Callable[[httpx.Request], httpx.Response]


class Provider:
    """The provider over ``httpx.MockTransport``: creates orders; polls answer ``poll``."""

    def __init__(self) -> None:
        self.poll: Handler = lambda request: httpx.Response(
            200, json={"data": order_json(payments=[])}
        )

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(
                200, json={"data": {"orderNumber": "test04", "paymentLink": LINK}}
            )
        return self.poll(request)


class Clock:
    def __init__(self) -> None:
        self.now = PLACED_AT

    def __call__(self) -> datetime:
        return self.now


def _service(provider: Provider | None, clock: Clock) -> OrderService:
    client = None
    if provider is not None:
        config = VertexConfig(token="test-token", retry=RetryPolicy(max_attempts=1))
        client = VertexClient(config, transport=httpx.MockTransport(provider))
    service = build_service(shops={115: Shop((SECRET,))}, vertex_client=client, clock=clock)
    service.place(shop_id=115, order_number="test04", amount=COST, time_limit=DEADLINE)
    clock.now = DEADLINE + timedelta(minutes=10)
    return service


def _callback(service: OrderService, **fields: object) -> Outcome:
    body = json.dumps(order_json(**fields)).encode()
    return service.handle_callback(115, body, list(signed(body).items())).outcome


def _unavailable(request: httpx.Request) -> httpx.Response:
    """A 5xx: the provider may have created the order, so it stays ``created``."""
    return httpx.Response(503, json={"code": "503", "title": "Unavailable"})


def _down(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


@pytest.mark.parametrize(
    "poll",
    [
        _down,
        lambda request: httpx.Response(503, json={"code": "503", "title": "Unavailable"}),
        lambda request: httpx.Response(200, text="<html>OK</html>"),
    ],
    ids=["unreachable", "503", "unreadable-200"],
)
def test_expiry_leaves_an_order_alone_while_the_provider_state_is_unknown(poll: Handler) -> None:
    provider, clock = Provider(), Clock()
    service = _service(provider, clock)
    provider.poll = poll

    counts = service.expire()

    assert counts == {"unknown": 1}
    assert service.view(115, "test04").state == "in_progress"


def test_an_order_still_open_at_the_provider_expires_without_ending() -> None:
    provider, clock = Provider(), Clock()
    service = _service(provider, clock)

    counts = service.expire()

    assert counts == {"expired": 1}
    view = service.view(115, "test04")
    assert (view.state, view.reason) == ("expired", "expired")
    assert service.expire() == {}  # expired once


def test_a_payment_after_expiry_reaches_need_action_by_callback() -> None:
    provider, clock = Provider(), Clock()
    service = _service(provider, clock)
    service.expire()

    outcome = _callback(service)  # the customer paid at the provider after all

    assert outcome is Outcome.APPLIED
    view = service.view(115, "test04")
    assert (view.state, service.orders.require(115, "test04").mismatch) == ("need_action", COST)


def test_reconcile_keeps_polling_an_expired_order_and_finds_the_payment() -> None:
    provider, clock = Provider(), Clock()
    service = _service(provider, clock)
    service.expire()
    provider.poll = lambda request: httpx.Response(
        200, json={"data": order_json(orderStatus="completed")}
    )

    clock.now = datetime.now(UTC) + timedelta(minutes=1)  # events carry the real time

    counts = service.reconcile(older_than=timedelta(0))

    assert counts == {"applied": 1}
    assert service.view(115, "test04").state == "need_action"


def test_an_expired_order_ends_as_the_provider_ends_it() -> None:
    provider, clock = Provider(), Clock()
    service = _service(provider, clock)
    service.expire()

    outcome = _callback(service, orderStatus="cancelled", payments=[])

    assert outcome is Outcome.APPLIED
    assert service.view(115, "test04").state == "cancelled"


def test_an_order_the_provider_never_had_ends_for_good_at_expiry() -> None:
    provider, clock = Provider(), Clock()
    provider.poll = lambda request: httpx.Response(404, json={"code": "404", "title": "Not Found"})
    service = build_service(
        shops={115: Shop((SECRET,))},
        vertex_client=VertexClient(
            VertexConfig(token="t", retry=RetryPolicy(max_attempts=1)),
            transport=httpx.MockTransport(
                lambda r: _unavailable(r) if r.method == "POST" else provider(r)
            ),
        ),
        clock=clock,
    )
    service.place(shop_id=115, order_number="test04", amount=COST, time_limit=DEADLINE)
    clock.now = DEADLINE + timedelta(minutes=10)

    counts = service.expire()

    assert counts == {"ended": 1}
    assert service.view(115, "test04").state == "cancelled"


def test_without_a_provider_to_ask_a_late_payment_still_reaches_need_action() -> None:
    clock = Clock()
    service = _service(None, clock)

    counts = service.expire()
    outcome = _callback(service)

    assert (counts, outcome) == ({"expired": 1}, Outcome.APPLIED)
    assert service.view(115, "test04").state == "need_action"
