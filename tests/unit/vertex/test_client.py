"""The Vertex HTTP clients against ``httpx.MockTransport``: request shapes, decoding, errors,
retries and idempotent creation. Every behaviour runs against both ``VertexClient`` and
``AsyncVertexClient`` (the ``connect`` fixture), which share one core. The client is held to
``specs/vertex/openapi.yaml`` in tests/specs/test_vertex_openapi.py.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from orderstate.adapters.vertex.client import (
    Accepted,
    AsyncVertexClient,
    CreatedOrder,
    CreateOrder,
    Customer,
    VertexClient,
    VertexConfig,
)
from orderstate.adapters.vertex.errors import (
    AuthenticationFailed,
    Conflict,
    Forbidden,
    NotConnected,
    OrderNotFound,
    PreconditionFailed,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    TransportFailed,
    UnreadableAnswer,
    Unsupported,
    ValidationFailed,
)
from orderstate.adapters.vertex.models import OrderStatus, PaymentMethod
from orderstate.adapters.vertex.payloads import parse_order
from orderstate.adapters.vertex.retry import RetryPolicy
from orderstate.engine.money import Money

from .helpers import order_json

Handler = Callable[[httpx.Request], httpx.Response]

TOKEN = "0b6f3a52-test-token"
BASE = "/api/v1"
LINK = "https://payment-page.stage.vertexgateway.com/payment?session-id=1&page-id=854"
PHP_56_99 = Money.parse("56.99", "PHP")
NEW_ORDER = CreateOrder(shop_id=115, order_number="test04", amount=PHP_56_99)
POLICY = RetryPolicy(max_attempts=3, base_delay=0.2, max_delay=5.0, jitter=0.5)


def ok(data: object, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json={"data": data})


def failure(status: int, code: str = "1-03-02", title: str = "Nope", detail: str = "") -> Handler:
    body: dict[str, str] = {"code": code, "title": title}
    if detail:
        body["detail"] = detail

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body)

    return handler


def created() -> httpx.Response:
    return ok({"orderNumber": "test04", "paymentLink": LINK})


def accepted(operation: str) -> httpx.Response:
    return ok({"orderNumber": "test04", "operationType": operation}, status=202)


def line(request: httpx.Request) -> str:
    return f"{request.method} {request.url.path}"


class Api:
    """One client, sync or async, over a mock transport; its methods are called the same way."""

    def __init__(self, handler: Handler, *, asynchronous: bool, **settings: Any) -> None:
        settings.setdefault("retry", POLICY)
        self.config = VertexConfig(token=TOKEN, **settings)
        self.transport = httpx.MockTransport(handler)
        self.asynchronous = asynchronous
        self.sleeps: list[float] = []

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def invoke(*args: Any, **kwargs: Any) -> Any:
            if self.asynchronous:
                return asyncio.run(self._invoke_async(name, *args, **kwargs))
            client = VertexClient(
                self.config,
                transport=self.transport,
                sleep=self.sleeps.append,
                rng=random.Random(0),
            )
            with client:
                return getattr(client, name)(*args, **kwargs)

        return invoke

    async def _invoke_async(self, name: str, *args: Any, **kwargs: Any) -> Any:
        async def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)

        client = AsyncVertexClient(
            self.config, transport=self.transport, sleep=sleep, rng=random.Random(0)
        )
        async with client:
            return await getattr(client, name)(*args, **kwargs)


Connect = Callable[..., Api]


@pytest.fixture(params=["sync", "async"])
def connect(request: pytest.FixtureRequest) -> Connect:
    def make(handler: Handler, **settings: Any) -> Api:
        return Api(handler, asynchronous=request.param == "async", **settings)

    return make


# --- request shapes ---------------------------------------------------------------------------

ACTION_BODY = {"shopId": 115, "orderNumber": "test04"}

SHAPES = [
    pytest.param(
        "payment_methods", (115,), "GET", "/shops/115/payment-methods", None, id="methods"
    ),
    pytest.param("order_details", (115, "test04"), "GET", "/order/115/test04", None, id="details"),
    pytest.param("capture", (115, "test04"), "POST", "/order/capture", ACTION_BODY, id="capture"),
    pytest.param("cancel", (115, "test04"), "POST", "/order/cancel", ACTION_BODY, id="cancel"),
    pytest.param("reject", (115, "test04"), "POST", "/order/reject", ACTION_BODY, id="reject"),
    pytest.param(
        "refund",
        (115, "test04", PHP_56_99),
        "POST",
        "/order/refund",
        {**ACTION_BODY, "cost": {"amount": "56.99", "currency": "PHP"}},
        id="refund",
    ),
    pytest.param(
        "refund",
        (115, "test04", Money.parse("100", "JPY")),
        "POST",
        "/order/refund",
        {**ACTION_BODY, "cost": {"amount": "100", "currency": "JPY"}},
        id="refund-jpy",
    ),
    pytest.param(
        "review_decision",
        (115, "test04", True),
        "POST",
        "/order/review/result",
        {**ACTION_BODY, "decision": "accept"},
        id="review-accept",
    ),
    pytest.param(
        "review_decision",
        (115, "test04", False),
        "POST",
        "/order/review/result",
        {**ACTION_BODY, "decision": "decline"},
        id="review-decline",
    ),
    pytest.param(
        "create_order",
        (NEW_ORDER,),
        "POST",
        "/order",
        {
            "shopId": 115,
            "order": {"orderNumber": "test04", "cost": {"amount": "56.99", "currency": "PHP"}},
            "paymentSettings": {"autoCapture": True},
        },
        id="create",
    ),
]


def answer_anything(request: httpx.Request) -> httpx.Response:
    """A plausible success for whichever endpoint was called."""
    path = request.url.path
    if path.endswith("/payment-methods"):
        return ok([])
    if request.method == "GET":
        return ok(order_json())
    if path == f"{BASE}/order":
        return created()
    return accepted(path.rsplit("/", 1)[-1])


@pytest.mark.parametrize(("name", "args", "method", "path", "body"), SHAPES)
def test_sends_each_endpoint_its_documented_request(
    connect: Connect,
    name: str,
    args: tuple[object, ...],
    method: str,
    path: str,
    body: dict[str, object] | None,
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer_anything(request)

    getattr(connect(handler), name)(*args)

    [request] = seen
    assert request.method == method
    assert request.url.host == "gateway.stage.vertexgateway.com"
    assert request.url.path == BASE + path
    assert request.headers["Api-Access-Token"] == TOKEN
    assert request.headers["Accept"] == "application/json"
    if body is None:
        assert request.content == b""
    else:
        assert request.headers["Content-Type"] == "application/json"
        assert json.loads(request.content) == body


def test_sends_every_create_order_field_as_documented(connect: Connect) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return created()

    order = CreateOrder(
        shop_id=115,
        order_number="test04",
        amount=PHP_56_99,
        auto_capture=False,
        time_limit=datetime(2024, 6, 15, 12, 51, 49, 86_000, tzinfo=timezone(timedelta(hours=2))),
        webhook_url="https://example.com/webhook",
        success_url="https://example.com/success",
        failure_url="https://example.com/failure",
        customer=Customer(
            customer_id="1",
            first_name="John",
            last_name="Doe",
            middle_name="James",
            phone="79221110500",
            email="john.doe@mymail.com",
        ),
        instrument_type="card",
        provider_code="alps",
        acquirer_code="lyra",
        entry_mode="cnp",
        data_entry_mode="redirect",
        page_design_alias="default",
        page_design_format="redirect",
    )

    connect(handler).create_order(order)

    assert json.loads(seen[0].content) == {
        "shopId": 115,
        "order": {"orderNumber": "test04", "cost": {"amount": "56.99", "currency": "PHP"}},
        "customer": {
            "customerId": "1",
            "firstName": "John",
            "lastName": "Doe",
            "middleName": "James",
            "phone": "79221110500",
            "email": "john.doe@mymail.com",
        },
        "paymentSettings": {
            "instrumentType": "card",
            "providerCode": "alps",
            "acquirerCode": "lyra",
            "entryMode": "cnp",
            "dataEntryMode": "redirect",
            "autoCapture": False,
            "timeLimit": "2024-06-15T10:51:49.086Z",
            "redirectUrls": {
                "success": "https://example.com/success",
                "failure": "https://example.com/failure",
            },
            "webhookUrl": "https://example.com/webhook",
        },
        "paymentPageDesign": {"alias": "default", "format": "redirect"},
    }


def test_sends_a_zero_decimal_currency_without_a_decimal_point(connect: Connect) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return created()

    order = CreateOrder(shop_id=115, order_number="test04", amount=Money.parse("100", "JPY"))

    connect(handler).create_order(order)

    body = json.loads(seen[0].content)
    assert body["order"]["cost"] == {"amount": "100", "currency": "JPY"}


def test_reads_order_details_from_the_configured_path(connect: Connect) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok(order_json())

    api = connect(handler, order_details_path="/orders?shopId={shop_id}&orderNumber={order_number}")

    api.order_details(115, "test04")

    assert seen[0].url.path == f"{BASE}/orders"
    assert dict(seen[0].url.params) == {"shopId": "115", "orderNumber": "test04"}


def test_escapes_an_order_number_inside_the_path(connect: Connect) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok(order_json(orderNumber="a/b c"))

    connect(handler).order_details(115, "a/b c")

    assert seen[0].url.raw_path == b"/api/v1/order/115/a%2Fb%20c"


def test_sends_a_refund_payment_reference_under_the_configured_field(connect: Connect) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return accepted("refund")

    api = connect(handler, refund_payment_field="paymentId")

    api.refund(115, "test04", PHP_56_99, payment_reference="pay-1")

    assert json.loads(seen[0].content)["paymentId"] == "pay-1"


def test_refuses_a_refund_payment_reference_without_a_configured_field(
    connect: Connect,
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return accepted("refund")

    with pytest.raises(ValueError, match="refund_payment_field"):
        connect(handler).refund(115, "test04", PHP_56_99, payment_reference="pay-1")

    assert seen == []


def test_puts_the_configured_timeouts_on_every_request(connect: Connect) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return accepted("capture")

    api = connect(handler, timeout=httpx.Timeout(7.0, connect=2.0))

    api.capture(115, "test04")

    assert seen[0].extensions["timeout"] == {"connect": 2.0, "read": 7.0, "write": 7.0, "pool": 7.0}


# --- decoding ---------------------------------------------------------------------------------


def test_decodes_payment_methods_keeping_unknown_fields(connect: Connect) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return ok(
            [
                {
                    "providerCode": "alps",
                    "acquirerCode": "lyra",
                    "instrumentType": "card",
                    "entryMode": "cnp",
                    "dataEntryModes": ["redirect", "h2h"],
                    "isDefault": True,
                },
                {
                    "providerCode": "connectpay",
                    "acquirerCode": "gcash",
                    "instrumentType": "wallet",
                    "entryMode": None,
                    "dataEntryModes": ["redirect"],
                },
            ]
        )

    methods = connect(handler).payment_methods(115)

    assert methods == (
        PaymentMethod("alps", "lyra", "card", ("redirect", "h2h"), "cnp"),
        PaymentMethod("connectpay", "gcash", "wallet", ("redirect",), None),
    )
    assert methods[0].extra == {"isDefault": True}


def test_decodes_order_details_with_the_shared_parser(connect: Connect) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return ok(order_json(orderStatus="completed"))

    snapshot = connect(handler).order_details(115, "test04")

    assert snapshot == parse_order(order_json(orderStatus="completed"), shop_id=115)
    assert snapshot.status is OrderStatus.COMPLETED
    assert snapshot.cost == PHP_56_99


def test_returns_the_order_number_and_payment_link_of_a_created_order(connect: Connect) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return created()

    result = connect(handler).create_order(NEW_ORDER)

    assert result == CreatedOrder("test04", LINK)


# Factories, not responses: a response is read once, and each test runs twice (sync, async).
@pytest.mark.parametrize(
    "response",
    [
        lambda: accepted("capture"),
        lambda: httpx.Response(202),
        lambda: ok({"orderNumber": "test04"}, status=200),
    ],
    ids=["envelope", "empty-202", "old-200"],
)
def test_accepts_an_operation_answered_with_or_without_a_body(
    connect: Connect, response: Callable[[], httpx.Response]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return response()

    result = connect(handler).capture(115, "test04")

    assert result == Accepted("test04", "capture")


@pytest.mark.parametrize(
    "response",
    [
        lambda: httpx.Response(200, json={"orderNumber": "test04", "paymentLink": LINK}),
        lambda: httpx.Response(200, json=[{"orderNumber": "test04"}]),
        lambda: httpx.Response(200, text="<html>ok</html>"),
        lambda: httpx.Response(200),
    ],
    ids=["no-envelope", "list", "html", "empty"],
)
def test_reads_a_success_without_the_data_envelope_as_an_unknown_outcome(
    connect: Connect, response: Callable[[], httpx.Response]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return response()

    with pytest.raises(UnreadableAnswer, match=r"envelope|not JSON") as caught:
        connect(handler).create_order(NEW_ORDER)

    assert caught.value.status == 200
    assert caught.value.ambiguous  # the provider acted: poll, never record a refusal


def test_refuses_order_details_the_shared_parser_cannot_read(connect: Connect) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(line(request))
        return ok(order_json(cost={"amount": "56.991", "currency": "PHP"}))

    with pytest.raises(ProviderError, match=r"order details.*cost\.amount"):
        connect(handler).order_details(115, "test04")

    assert len(calls) == 1


def test_refuses_payment_methods_of_the_wrong_shape(connect: Connect) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return ok([{"providerCode": "alps", "acquirerCode": "lyra", "instrumentType": "card"}])

    with pytest.raises(ProviderError, match=r"data\[0\]\.dataEntryModes"):
        connect(handler).payment_methods(115)


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, ValidationFailed),
        (401, AuthenticationFailed),
        (403, Forbidden),
        (404, OrderNotFound),
        (409, Conflict),
        (412, PreconditionFailed),
        (422, Unsupported),
        (500, ProviderUnavailable),
        (502, ProviderUnavailable),
        (503, ProviderUnavailable),
    ],
)
def test_raises_the_error_class_of_each_status_with_the_error_body(
    connect: Connect, status: int, error: type[ProviderError]
) -> None:
    handler = failure(status, code="1-03-02", title="Input data validation error", detail="Bad")

    with pytest.raises(error) as caught:
        connect(handler).capture(115, "test04")

    assert type(caught.value) is error
    assert caught.value.status == status
    assert caught.value.code == "1-03-02"
    assert caught.value.title == "Input data validation error"
    assert caught.value.detail == "Bad"
    assert caught.value.request is not None
    assert caught.value.request.url.path == f"{BASE}/order/capture"
    assert "Input data validation error" in str(caught.value)


def test_reads_an_error_body_without_detail(connect: Connect) -> None:
    handler = failure(401, code="401", title="Authentication failed")

    with pytest.raises(AuthenticationFailed) as caught:
        connect(handler).cancel(115, "test04")

    assert (caught.value.code, caught.value.detail) == ("401", None)


def test_keeps_a_non_json_error_body_as_its_detail(connect: Connect) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="<html>502 Bad Gateway</html>")

    with pytest.raises(ProviderUnavailable) as caught:
        connect(handler).reject(115, "test04")

    assert caught.value.code is None
    assert caught.value.title is None
    assert caught.value.detail == "<html>502 Bad Gateway</html>"


def test_reports_a_timeout_as_an_ambiguous_provider_timeout(connect: Connect) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(ProviderTimeout) as caught:
        connect(handler).capture(115, "test04")

    assert caught.value.ambiguous
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)


@pytest.mark.parametrize(
    "failure_class", [httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError]
)
def test_reports_a_connection_failure_as_transport_failed(
    connect: Connect, failure_class: type[httpx.TransportError]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise failure_class("connection reset", request=request)

    with pytest.raises(TransportFailed) as caught:
        connect(handler).refund(115, "test04", PHP_56_99)

    assert isinstance(caught.value.__cause__, failure_class)


@pytest.mark.parametrize("failure_class", [httpx.ConnectError, httpx.ConnectTimeout])
def test_a_connection_never_made_is_not_ambiguous(
    connect: Connect, failure_class: type[httpx.TransportError]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise failure_class("[Errno 111] Connection refused", request=request)

    with pytest.raises(NotConnected) as caught:
        connect(handler).capture(115, "test04")

    assert not caught.value.ambiguous
    assert "could not connect to" in str(caught.value)


def test_creating_over_a_refused_connection_neither_looks_up_nor_posts_again(
    connect: Connect,
) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(line(request))
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with pytest.raises(NotConnected):
        connect(handler).create_order(NEW_ORDER)

    assert calls == [f"POST {BASE}/order"]


# --- retries ----------------------------------------------------------------------------------


def test_retries_a_read_until_it_succeeds(connect: Connect) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(line(request))
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        if len(calls) == 2:
            return failure(503)(request)
        return ok(order_json())

    api = connect(handler)

    snapshot = api.order_details(115, "test04")

    assert snapshot.order_number == "test04"
    assert len(calls) == 3
    assert len(api.sleeps) == 2
    assert all(0 < pause <= 5.0 for pause in api.sleeps)


def test_gives_up_on_a_read_after_the_policy_s_attempts(connect: Connect) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(line(request))
        return httpx.Response(429, json={"code": "429", "title": "Too many requests"})

    with pytest.raises(ProviderError) as caught:
        connect(handler).payment_methods(115)

    assert caught.value.status == 429
    assert len(calls) == 3


def test_does_not_retry_a_read_refused_with_a_client_error(connect: Connect) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(line(request))
        return failure(404)(request)

    with pytest.raises(OrderNotFound):
        connect(handler).order_details(115, "test04")

    assert len(calls) == 1


@pytest.mark.parametrize("operation", ["capture", "cancel", "reject"])
def test_never_retries_an_operation_the_provider_may_have_taken(
    connect: Connect, operation: str
) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(line(request))
        return failure(503)(request)

    api = connect(handler)

    with pytest.raises(ProviderUnavailable):
        getattr(api, operation)(115, "test04")

    assert calls == [f"POST {BASE}/order/{operation}"]
    assert api.sleeps == []


# --- idempotent creation ----------------------------------------------------------------------


def test_adopts_the_order_found_after_a_timed_out_creation_without_posting_again(
    connect: Connect,
) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(line(request))
        if request.method == "POST":
            raise httpx.ReadTimeout("timed out", request=request)
        return ok(order_json())

    result = connect(handler).create_order(NEW_ORDER)

    assert result == CreatedOrder("test04", LINK)
    assert calls == [f"POST {BASE}/order", f"GET {BASE}/order/115/test04"]


def test_adopts_a_found_order_without_a_payment_link(connect: Connect) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            raise httpx.ReadError("reset", request=request)
        return ok(order_json(paymentLink=None))

    result = connect(handler).create_order(NEW_ORDER)

    assert result == CreatedOrder("test04", None)


def test_posts_again_only_when_the_lookup_proves_the_order_absent(connect: Connect) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(line(request))
        if request.method == "GET":
            return failure(404, title="Order not found")(request)
        if calls.count(f"POST {BASE}/order") == 1:
            return failure(503)(request)
        return created()

    api = connect(handler)

    result = api.create_order(NEW_ORDER)

    assert result == CreatedOrder("test04", LINK)
    assert calls == [
        f"POST {BASE}/order",
        f"GET {BASE}/order/115/test04",
        f"POST {BASE}/order",
    ]
    assert len(api.sleeps) == 1


def test_stops_posting_after_the_policy_s_attempts(connect: Connect) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(line(request))
        if request.method == "GET":
            return failure(404)(request)
        return failure(502)(request)

    with pytest.raises(ProviderUnavailable):
        connect(handler).create_order(NEW_ORDER)

    assert calls.count(f"POST {BASE}/order") == 3
    assert calls.count(f"GET {BASE}/order/115/test04") == 3


def test_gives_up_with_the_original_error_when_the_lookup_is_ambiguous_too(
    connect: Connect,
) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(line(request))
        if request.method == "POST":
            raise httpx.ReadTimeout("timed out", request=request)
        return failure(503)(request)

    with pytest.raises(ProviderTimeout) as caught:
        connect(handler).create_order(NEW_ORDER)

    assert calls.count(f"POST {BASE}/order") == 1
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert any("looking the order up failed" in note for note in caught.value.__notes__)


def test_gives_up_with_the_original_error_when_the_lookup_is_refused(connect: Connect) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(line(request))
        if request.method == "POST":
            return failure(500)(request)
        return failure(403)(request)

    with pytest.raises(ProviderUnavailable):
        connect(handler).create_order(NEW_ORDER)

    assert calls == [f"POST {BASE}/order", f"GET {BASE}/order/115/test04"]


def test_refuses_an_order_found_after_a_timeout_that_asks_for_another_amount(
    connect: Connect,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            raise httpx.ReadTimeout("timed out", request=request)
        return ok(order_json(cost={"amount": "99.00", "currency": "PHP"}, payments=[]))

    with pytest.raises(Conflict, match="already exists"):
        connect(handler).create_order(NEW_ORDER)


def test_adopts_a_duplicate_that_asks_for_the_same_amount(connect: Connect) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(line(request))
        if request.method == "POST":
            return failure(409, title="Duplicate order number")(request)
        return ok(order_json(cost={"amount": "56.990", "currency": "PHP"}))

    result = connect(handler).create_order(NEW_ORDER)

    assert result == CreatedOrder("test04", LINK)
    assert calls == [f"POST {BASE}/order", f"GET {BASE}/order/115/test04"]


@pytest.mark.parametrize(
    "cost",
    [{"amount": "56.98", "currency": "PHP"}, {"amount": "56.99", "currency": "USD"}],
    ids=["amount", "currency"],
)
def test_refuses_a_duplicate_that_asks_for_another_amount(
    connect: Connect, cost: dict[str, str]
) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(line(request))
        if request.method == "POST":
            return failure(409, code="1-01-09", title="Duplicate order number")(request)
        return ok(order_json(cost=cost, payments=[]))

    with pytest.raises(Conflict, match="already exists") as caught:
        connect(handler).create_order(NEW_ORDER)

    assert caught.value.status == 409
    assert caught.value.code == "1-01-09"
    assert calls.count(f"POST {BASE}/order") == 1


def test_does_not_look_up_after_a_definite_refusal(connect: Connect) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(line(request))
        return failure(400, title="Input data validation error")(request)

    with pytest.raises(ValidationFailed):
        connect(handler).create_order(NEW_ORDER)

    assert calls == [f"POST {BASE}/order"]


# --- configuration and construction -----------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/order/{shop_id}", "/order/{order_number}", "/order/{shop_id}/{order_number}/{extra}"],
)
def test_refuses_an_order_details_path_it_could_not_fill(path: str) -> None:
    with pytest.raises(ValueError, match="order_details_path"):
        VertexConfig(token=TOKEN, order_details_path=path)


def test_refuses_a_configuration_without_a_token() -> None:
    with pytest.raises(ValueError, match="Api-Access-Token"):
        VertexConfig(token="")


def test_keeps_the_token_out_of_the_configuration_repr() -> None:
    config = VertexConfig(token=TOKEN)

    text = repr(config)

    assert TOKEN not in text
    assert "gateway.stage.vertexgateway.com" in text


def test_refuses_a_time_limit_without_a_time_zone() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CreateOrder(
            shop_id=115,
            order_number="test04",
            amount=PHP_56_99,
            time_limit=datetime(2024, 6, 15, 10, 51),  # naive on purpose
        )


@pytest.mark.parametrize("number", ["", "x" * 256])
def test_refuses_an_order_number_the_provider_would_refuse(number: str) -> None:
    with pytest.raises(ValueError, match="order_number"):
        CreateOrder(shop_id=115, order_number=number, amount=PHP_56_99)


def test_uses_an_injected_http_client_and_leaves_it_open() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return accepted("cancel")

    http = httpx.Client(transport=httpx.MockTransport(handler))

    with VertexClient(VertexConfig(token=TOKEN), http=http) as client:
        client.cancel(115, "test04")

    assert len(seen) == 1
    assert not http.is_closed
    http.close()


def test_refuses_both_an_http_client_and_a_transport() -> None:
    transport = httpx.MockTransport(answer_anything)

    with httpx.Client() as http, pytest.raises(ValueError, match="not both"):
        VertexClient(VertexConfig(token=TOKEN), http=http, transport=transport)


def test_times_are_sent_in_utc() -> None:
    order = CreateOrder(
        shop_id=115,
        order_number="test04",
        amount=PHP_56_99,
        time_limit=datetime(2024, 1, 1, tzinfo=UTC),
    )

    body = order.to_json()

    assert body["paymentSettings"] == {"autoCapture": True, "timeLimit": "2024-01-01T00:00:00.000Z"}
