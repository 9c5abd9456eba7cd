"""One contract for the provider, as ``VertexClient`` sees it, run against two backends.

- ``simulator``: ``SimulatedGateway`` served by uvicorn on loopback (``serve``), reached by the
  sync client over a real socket at the provider's ``/api/v1`` base path;
- ``mock``: ``httpx.MockTransport`` over ``FakeGateway``, a tiny dict of orders behind a plain
  handler function, the kind of fake unit tests script by hand.

Each behaviour is written once and must hold on both, so the fake is proven to behave like the
simulator for the client (STYLE rule 3), and the simulator like what the client expects.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from orderstate.adapters.vertex.client import CreateOrder, VertexClient, VertexConfig
from orderstate.adapters.vertex.errors import (
    AuthenticationFailed,
    OrderNotFound,
    PreconditionFailed,
)
from orderstate.adapters.vertex.models import OrderSnapshot, OrderStatus, PaymentMethod
from orderstate.adapters.vertex.payloads import order_to_json
from orderstate.adapters.vertex.retry import RetryPolicy
from orderstate.adapters.vertex.simulator import (
    API_PREFIX,
    DEFAULT_PAYMENT_METHODS,
    DEFAULT_SHOP,
    SimulatedGateway,
    serve,
)
from orderstate.engine.money import Money

SHOP = DEFAULT_SHOP.shop_id
TOKEN = DEFAULT_SHOP.tokens[0]
START = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
PHP_56_99 = Money.parse("56.99", "PHP")
CARD = PaymentMethod("alps", "lyra", "card", ("redirect",), entry_mode="cnp")
MOCK_BASE = "https://gateway.test" + API_PREFIX


# --- the MockTransport backend -------------------------------------------------------------------


def refusal(status: int, title: str, detail: str) -> httpx.Response:
    return httpx.Response(status, json={"code": str(status), "title": title, "detail": detail})


def method_json(method: PaymentMethod) -> dict[str, object]:
    return {
        "providerCode": method.provider_code,
        "acquirerCode": method.acquirer_code,
        "instrumentType": method.instrument_type,
        "entryMode": method.entry_mode,
        "dataEntryModes": list(method.data_entry_modes),
    }


class FakeGateway:
    """Orders in a dict, answered as the wire format says; only what the contract exercises.

    A new order is ``in_progress`` with no payment and nothing ever pays it, so capture and
    refund are always refused with 412, as the provider refuses them before a payment.
    """

    _DETAILS = re.compile(r"/order/(?P<shop>\d+)/(?P<number>[^/]+)")
    _METHODS = re.compile(r"/shops/(?P<shop>\d+)/payment-methods")

    def __init__(self) -> None:
        self.orders: dict[tuple[int, str], OrderSnapshot] = {}
        self.auto_capture: dict[tuple[int, str], bool] = {}

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("Api-Access-Token") != TOKEN:
            return refusal(401, "Authentication failed", "no valid Api-Access-Token")
        path = request.url.path.removeprefix(API_PREFIX)
        if request.method == "GET":
            return self._read(path)
        body = json.loads(request.content)
        if path == "/order":
            return self._create(body)
        key = (body["shopId"], body["orderNumber"])
        if key not in self.orders:
            return refusal(404, "Order not found", f"no order {key[1]!r} in shop {key[0]}")
        if path == "/order/capture" and self.auto_capture[key]:
            return refusal(412, "Precondition failed", "capture needs autoCapture false")
        if path in ("/order/capture", "/order/refund"):
            return refusal(412, "Precondition failed", "the order holds no payment to act on")
        return refusal(404, "Not found", path)

    def _read(self, path: str) -> httpx.Response:
        if self._METHODS.fullmatch(path):
            return httpx.Response(
                200, json={"data": [method_json(m) for m in DEFAULT_PAYMENT_METHODS]}
            )
        found = self._DETAILS.fullmatch(path)
        key = (int(found["shop"]), found["number"]) if found else None
        if key is None or key not in self.orders:
            return refusal(404, "Order not found", path)
        return httpx.Response(200, json={"data": order_to_json(self.orders[key])})

    def _create(self, body: Any) -> httpx.Response:
        shop, number = body["shopId"], body["order"]["orderNumber"]
        if (shop, number) in self.orders:
            return refusal(409, "Order already exists", f"orderNumber {number!r} is used")
        cost = Money.parse(body["order"]["cost"]["amount"], body["order"]["cost"]["currency"])
        link = f"https://pay.test/payment?session-id={len(self.orders) + 1}"
        self.orders[shop, number] = OrderSnapshot(
            shop_id=shop,
            order_number=number,
            status=OrderStatus.IN_PROGRESS,
            cost=cost,
            gateway_id=len(self.orders) + 1,
            payment_link=link,
        )
        settings = body.get("paymentSettings") or {}
        self.auto_capture[shop, number] = settings.get("autoCapture", True) is not False
        return httpx.Response(200, json={"data": {"orderNumber": number, "paymentLink": link}})


# --- the backends ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Backend:
    """A provider to talk to: a client for a token, and how many orders the provider holds."""

    connect: Callable[[str], VertexClient]
    order_count: Callable[[], int]


def config(token: str, base_url: str) -> VertexConfig:
    return VertexConfig(
        token=token,
        base_url=base_url,
        timeout=httpx.Timeout(5.0, connect=2.0),
        retry=RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.05),
    )


@pytest.fixture(params=["simulator", "mock"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "simulator":
        sim = SimulatedGateway(start=START, clearing_delay=timedelta(0))
        with serve(sim) as running:
            base = running.base_url + API_PREFIX
            yield Backend(
                lambda token: VertexClient(config(token, base)), lambda: len(sim.orders())
            )
    else:
        fake = FakeGateway()
        transport = httpx.MockTransport(fake.handle)
        yield Backend(
            lambda token: VertexClient(config(token, MOCK_BASE), transport=transport),
            lambda: len(fake.orders),
        )


@pytest.fixture
def client(backend: Backend) -> Iterator[VertexClient]:
    with backend.connect(TOKEN) as opened:
        yield opened


def new_order(*, auto_capture: bool = True) -> CreateOrder:
    return CreateOrder(
        shop_id=SHOP, order_number="order-1", amount=PHP_56_99, auto_capture=auto_capture
    )


# --- the contract ------------------------------------------------------------------------------


def test_lists_the_payment_methods_of_the_shop(client: VertexClient) -> None:
    methods = client.payment_methods(SHOP)

    assert CARD in methods
    assert all(method.data_entry_modes for method in methods)


def test_creates_an_order_and_returns_its_payment_link(client: VertexClient) -> None:
    created = client.create_order(new_order())

    assert created.order_number == "order-1"
    assert created.payment_link is not None
    assert created.payment_link.startswith(("http://", "https://"))


def test_shows_a_new_order_in_progress_for_the_exact_amount(client: VertexClient) -> None:
    client.create_order(new_order())

    details = client.order_details(SHOP, "order-1")

    assert details.order_number == "order-1"
    assert details.shop_id == SHOP
    assert details.status is OrderStatus.IN_PROGRESS
    assert details.cost == PHP_56_99
    assert details.payments == ()


def test_creating_the_same_order_twice_returns_the_one_order(
    backend: Backend, client: VertexClient
) -> None:
    first = client.create_order(new_order())

    again = client.create_order(new_order())

    assert again == first
    assert backend.order_count() == 1


def test_refuses_to_capture_a_single_stage_order(client: VertexClient) -> None:
    client.create_order(new_order(auto_capture=True))

    with pytest.raises(PreconditionFailed) as refused:
        client.capture(SHOP, "order-1")

    assert refused.value.status == 412


def test_refuses_to_refund_an_order_that_is_not_completed(client: VertexClient) -> None:
    client.create_order(new_order())

    with pytest.raises(PreconditionFailed) as refused:
        client.refund(SHOP, "order-1", PHP_56_99)

    assert refused.value.status == 412


def test_reports_an_unknown_order_as_not_found(client: VertexClient) -> None:
    with pytest.raises(OrderNotFound) as refused:
        client.order_details(SHOP, "never-created")

    assert refused.value.status == 404


def test_refuses_a_wrong_token(backend: Backend) -> None:
    with (
        backend.connect("not-the-token") as stranger,
        pytest.raises(AuthenticationFailed) as refused,
    ):
        stranger.payment_methods(SHOP)

    assert refused.value.status == 401
    assert refused.value.code == "401"
