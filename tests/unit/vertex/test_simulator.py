"""The Vertex Gateway simulator, driven over HTTP in process (``httpx.ASGITransport``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from orderstate.adapters.vertex.client import AsyncVertexClient, CreateOrder, VertexConfig
from orderstate.adapters.vertex.errors import PreconditionFailed, SignatureVerificationError
from orderstate.adapters.vertex.models import OrderStatus
from orderstate.adapters.vertex.payloads import parse_json, parse_order
from orderstate.adapters.vertex.signatures import verify
from orderstate.adapters.vertex.simulator import (
    DEFAULT_SHOP,
    CallbackChaos,
    Fault,
    SimShop,
    SimulatedGateway,
    serve,
)
from orderstate.engine.money import Money

START = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
TOKEN = DEFAULT_SHOP.tokens[0]
SECRET = DEFAULT_SHOP.secret
SHOP = DEFAULT_SHOP.shop_id
BASE = "http://sim.test"


def make_sim(**knobs: Any) -> SimulatedGateway:
    """A simulator for these tests: paid orders complete at once unless a test names a
    ``clearing_delay`` (the simulator's own default is the seed's day of clearing)."""
    knobs.setdefault("start", START)
    knobs.setdefault("clearing_delay", timedelta(0))
    return SimulatedGateway(**knobs)


def call(
    sim: SimulatedGateway, method: str, path: str, *, token: str | None = TOKEN, **kwargs: Any
) -> httpx.Response:
    """One request to the simulator's app, in process."""
    headers = {} if token is None else {"Api-Access-Token": token}

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=sim.app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            return await client.request(method, path, headers=headers, **kwargs)

    return asyncio.run(send())


def create(
    sim: SimulatedGateway, number: str = "order-1", amount: str = "56.99", **settings: object
) -> httpx.Response:
    body: dict[str, object] = {
        "shopId": SHOP,
        "order": {"orderNumber": number, "cost": {"amount": amount, "currency": "PHP"}},
    }
    if settings:
        body["paymentSettings"] = settings
    return call(sim, "POST", "/order", json=body)


def page_action(sim: SimulatedGateway, number: str, action: str, **form: str) -> httpx.Response:
    """What the customer's browser does: POST a form of the payment page."""
    link = sim.order(number).payment_link or ""
    session = link.split("session-id=")[1].split("&")[0]
    return call(sim, "POST", f"/payment/{session}/{action}", token=None, data=form)


def operation(
    sim: SimulatedGateway, kind: str, number: str = "order-1", **extra: object
) -> httpx.Response:
    return call(
        sim, "POST", f"/order/{kind}", json={"shopId": SHOP, "orderNumber": number, **extra}
    )


def details(sim: SimulatedGateway, number: str = "order-1") -> dict[str, Any]:
    response = call(sim, "GET", f"/order/{SHOP}/{number}")
    assert response.status_code == 200
    data: dict[str, Any] = response.json()["data"]
    return data


def statuses(sim: SimulatedGateway) -> list[str]:
    return [callback.status.value for callback in sim.outbox]


def refund(sim: SimulatedGateway, amount: str, currency: str = "PHP") -> httpx.Response:
    cost = {"amount": amount, "currency": currency}
    return call(
        sim, "POST", "/order/refund", json={"shopId": SHOP, "orderNumber": "order-1", "cost": cost}
    )


# --- auth and payment methods -------------------------------------------------------------------


def test_lists_the_payment_methods_of_the_tokens_shop() -> None:
    sim = make_sim()

    response = call(sim, "GET", f"/shops/{SHOP}/payment-methods")

    assert response.status_code == 200
    methods = response.json()["data"]
    assert {(m["providerCode"], m["acquirerCode"], m["instrumentType"]) for m in methods} == {
        ("alps", "lyra", "card"),
        ("connectpay", "gcash", "wallet"),
        ("cleo", "cleo", "crypto_wallet"),
    }
    assert all(m["dataEntryModes"] for m in methods)


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_refuses_a_missing_or_unknown_token_with_401(token: str | None) -> None:
    sim = make_sim()

    response = call(sim, "GET", f"/shops/{SHOP}/payment-methods", token=token)

    assert response.status_code == 401
    assert response.json() == {
        "code": "401",
        "title": "Authentication failed",
        "detail": "Authentication failed. Verify that a valid Api-Access-Token is provided in "
        "the request headers.",
    }


def test_refuses_a_token_of_another_shop_with_403() -> None:
    other = SimShop(shop_id=116, tokens=("token-116",), secret="secret-116")
    sim = make_sim(shops=(DEFAULT_SHOP, other))
    create(sim)

    response = call(
        sim,
        "POST",
        "/order/cancel",
        token="token-116",
        json={"shopId": SHOP, "orderNumber": "order-1"},
    )

    assert response.status_code == 403
    assert response.json()["detail"] == (
        "Access denied. The API token does not have permission to cancel orders for the "
        "specified shop."
    )


def test_answers_unknown_routes_with_an_error_body() -> None:
    sim = make_sim()

    response = call(sim, "GET", "/no/such/route")

    assert response.status_code == 404
    assert set(response.json()) == {"code", "title", "detail"}


# --- creating orders ----------------------------------------------------------------------------


def test_creates_an_order_in_progress_with_a_payment_link_and_no_registered_callback() -> None:
    sim = make_sim(public_base_url="https://pay.example")

    response = create(sim)

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["orderNumber"] == "order-1"
    assert data["paymentLink"].startswith("https://pay.example/payment?session-id=")
    assert "&page-id=" in data["paymentLink"]
    assert sim.history("order-1") == [OrderStatus.REGISTERED, OrderStatus.IN_PROGRESS]
    assert statuses(sim) == ["in_progress"]
    assert details(sim)["payments"] == []


def test_serves_the_api_under_the_providers_base_path_too() -> None:
    sim = make_sim()
    create(sim)

    response = call(sim, "GET", f"/api/v1/order/{SHOP}/order-1")

    assert response.status_code == 200
    assert response.json()["data"]["orderStatus"] == "in_progress"


def test_refuses_a_duplicate_order_number_in_the_shop_with_409() -> None:
    sim = make_sim()
    create(sim)

    response = create(sim, amount="10.00")

    assert response.status_code == 409
    assert response.json()["code"] == "409"
    assert len(sim.orders()) == 1


@pytest.mark.parametrize(
    ("order", "field"),
    [
        (
            {"orderNumber": "-starts-with-hyphen", "cost": {"amount": "1", "currency": "PHP"}},
            "order.orderNumber",
        ),
        (
            {"orderNumber": "ends-with-hyphen-", "cost": {"amount": "1", "currency": "PHP"}},
            "order.orderNumber",
        ),
        (
            {"orderNumber": "under_score", "cost": {"amount": "1", "currency": "PHP"}},
            "order.orderNumber",
        ),
        (
            {"orderNumber": "x" * 256, "cost": {"amount": "1", "currency": "PHP"}},
            "order.orderNumber",
        ),
        ({"cost": {"amount": "1", "currency": "PHP"}}, "order.orderNumber"),
        ({"orderNumber": "a1"}, "order.cost"),
        (
            {"orderNumber": "a1", "cost": {"amount": "56.999", "currency": "PHP"}},
            "order.cost.amount",
        ),
        ({"orderNumber": "a1", "cost": {"amount": "1.5", "currency": "CLP"}}, "order.cost.amount"),
        ({"orderNumber": "a1", "cost": {"amount": 56.99, "currency": "PHP"}}, "order.cost.amount"),
        ({"orderNumber": "a1", "cost": {"amount": "1", "currency": "XYZ"}}, "order.cost.currency"),
    ],
)
def test_refuses_an_invalid_order_with_400_naming_the_field(
    order: dict[str, object], field: str
) -> None:
    sim = make_sim()

    response = call(sim, "POST", "/order", json={"shopId": SHOP, "order": order})

    assert response.status_code == 400
    assert response.json()["detail"].startswith(f"Parameter {field} ")
    assert sim.orders() == []


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"customer": {"firstName": "John"}}, "customer.lastName"),
        ({"paymentSettings": {"autoCapture": "yes"}}, "paymentSettings.autoCapture"),
        ({"paymentSettings": {"timeLimit": "tomorrow"}}, "paymentSettings.timeLimit"),
        ({"paymentSettings": {"timeLimit": "2024-06-01T11:00:00Z"}}, "paymentSettings.timeLimit"),
        ({"paymentSettings": {"providerCode": "nobody"}}, "paymentSettings.providerCode"),
        ({"paymentSettings": {"webhookUrl": "ftp://x"}}, "paymentSettings.webhookUrl"),
    ],
)
def test_refuses_invalid_customer_or_payment_settings_with_400(
    extra: dict[str, object], field: str
) -> None:
    sim = make_sim()
    body = {
        "shopId": SHOP,
        "order": {"orderNumber": "a1", "cost": {"amount": "1", "currency": "PHP"}},
    }

    response = call(sim, "POST", "/order", json={**body, **extra})

    assert response.status_code == 400
    assert response.json()["detail"].startswith(f"Parameter {field} ")


# --- paying -------------------------------------------------------------------------------------


def test_a_single_stage_payment_completes_after_clearing_with_signed_callbacks() -> None:
    sim = make_sim(clearing_delay=timedelta(days=2))
    create(sim)

    paid = page_action(sim, "order-1", "pay")
    during_clearing = details(sim)
    sim.advance(timedelta(days=2))

    assert paid.status_code == 200
    assert during_clearing["orderStatus"] == "in_progress"
    assert during_clearing["payments"][0]["paymentStatus"]["status"] == "completed"
    assert during_clearing["payments"][0]["cost"] == {"amount": "56.99", "currency": "PHP"}
    assert statuses(sim) == ["in_progress", "completed"]
    for callback in sim.outbox:
        verify(callback.body, callback.headers, [SECRET])
    final = parse_order(sim.outbox[-1].json())
    assert final.status is OrderStatus.COMPLETED
    assert final.charges()[0].amount == Money.parse("56.99", "PHP")


def test_a_callback_signature_does_not_verify_with_another_secret() -> None:
    sim = make_sim()
    create(sim)

    callback = sim.outbox[0]

    with pytest.raises(SignatureVerificationError):
        verify(callback.body, callback.headers, ["some-other-secret"])


def test_a_single_stage_payment_completes_at_once_without_a_clearing_delay() -> None:
    sim = make_sim(clearing_delay=timedelta(0))
    create(sim)

    page_action(sim, "order-1", "pay")

    assert details(sim)["orderStatus"] == "completed"
    assert statuses(sim) == ["in_progress", "completed"]


def test_paying_another_amount_than_ordered_needs_action() -> None:
    sim = make_sim()
    create(sim)

    page_action(sim, "order-1", "pay", amount="50.00")

    order = details(sim)
    assert order["orderStatus"] == "need_action"
    assert order["payments"][0]["cost"]["amount"] == "50.00"
    assert statuses(sim) == ["in_progress", "need_action"]


def test_a_declined_payment_fails_the_order() -> None:
    sim = make_sim()
    create(sim)

    page_action(sim, "order-1", "decline")

    assert details(sim)["orderStatus"] == "failed"
    assert statuses(sim) == ["in_progress", "failed"]


def test_the_payment_page_offers_pay_decline_and_abandon() -> None:
    sim = make_sim(public_base_url=BASE)
    link = create(sim).json()["data"]["paymentLink"]

    response = call(sim, "GET", link, token=None)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    for action in ("pay", "decline", "abandon"):
        assert f'/{action}"' in response.text


def test_paying_twice_is_refused_with_409() -> None:
    sim = make_sim(clearing_delay=timedelta(days=1))
    create(sim)
    page_action(sim, "order-1", "pay")

    response = page_action(sim, "order-1", "pay")

    assert response.status_code == 409


# --- deadlines ----------------------------------------------------------------------------------


@pytest.mark.parametrize("expiry", [OrderStatus.CANCELLED, OrderStatus.FAILED])
def test_an_abandoned_order_expires_at_its_time_limit(expiry: OrderStatus) -> None:
    sim = make_sim(expiry_status=expiry)
    create(sim, timeLimit="2024-06-01T13:00:00.000Z")
    page_action(sim, "order-1", "abandon")

    sim.advance(timedelta(minutes=59))
    before = details(sim)["orderStatus"]
    sim.advance(timedelta(minutes=1))

    assert before == "in_progress"
    assert details(sim)["orderStatus"] == expiry.value
    assert statuses(sim) == ["in_progress", expiry.value]


def test_a_paid_order_does_not_expire() -> None:
    sim = make_sim(clearing_delay=timedelta(days=3))
    create(sim, timeLimit="2024-06-01T13:00:00Z")
    page_action(sim, "order-1", "pay")

    sim.advance(timedelta(days=1))

    assert details(sim)["orderStatus"] == "in_progress"


# --- two-stage: capture, cancel, reject -------------------------------------------------------


def test_a_two_stage_payment_is_authorized_then_captured_asynchronously() -> None:
    sim = make_sim()
    create(sim, autoCapture=False)
    page_action(sim, "order-1", "pay")
    authorized = details(sim)

    accepted = operation(sim, "capture")
    before_applying = details(sim)["orderStatus"]
    sim.run_pending()

    assert authorized["orderStatus"] == "in_progress"
    assert authorized["payments"][0]["paymentStatus"]["status"] == "authorized"
    assert accepted.status_code == 202
    assert accepted.json() == {"data": {"orderNumber": "order-1", "operationType": "capture"}}
    assert before_applying == "in_progress"
    order = details(sim)
    assert order["orderStatus"] == "completed"
    assert order["payments"][0]["paymentStatus"]["status"] == "completed"
    assert statuses(sim) == ["in_progress", "completed"]


def test_a_captured_payment_clears_like_a_single_stage_one_when_clearing_is_slow() -> None:
    sim = make_sim(clearing_delay=timedelta(days=1), immediate_operations=True)
    create(sim, autoCapture=False)
    page_action(sim, "order-1", "pay")

    operation(sim, "capture")
    captured = details(sim)["orderStatus"]
    sim.advance(timedelta(days=1))

    assert captured == "in_progress"
    assert details(sim)["orderStatus"] == "completed"


@pytest.mark.parametrize(
    ("auto_capture", "pay"),
    [(True, True), (False, False)],
    ids=["single-stage", "not-authorized-yet"],
)
def test_refuses_a_capture_without_an_authorized_payment_with_412(
    auto_capture: bool, pay: bool
) -> None:
    sim = make_sim(clearing_delay=timedelta(days=1))
    create(sim, autoCapture=auto_capture)
    if pay:
        page_action(sim, "order-1", "pay")

    response = operation(sim, "capture")

    assert response.status_code == 412
    assert response.json()["title"] == "Precondition failed"


def test_cancel_voids_an_authorized_payment() -> None:
    sim = make_sim(immediate_operations=True)
    create(sim, autoCapture=False)
    page_action(sim, "order-1", "pay")

    response = operation(sim, "cancel")

    assert response.status_code == 202
    order = details(sim)
    assert order["orderStatus"] == "cancelled"
    assert order["payments"][0]["paymentStatus"]["status"] == "cancelled"


def test_cancel_is_refused_with_412_once_the_payment_completed() -> None:
    sim = make_sim(clearing_delay=timedelta(days=1))
    create(sim)
    page_action(sim, "order-1", "pay")

    response = operation(sim, "cancel")

    assert response.status_code == 412


def test_a_capture_accepted_before_a_cancel_wins_and_the_cancel_is_dropped() -> None:
    sim = make_sim()
    create(sim, autoCapture=False)
    page_action(sim, "order-1", "pay")
    operation(sim, "capture")
    operation(sim, "cancel")

    sim.run_pending()

    assert details(sim)["orderStatus"] == "completed"
    assert [kind for kind, _, outcome in sim.operation_log if outcome.startswith("dropped")] == [
        "cancel"
    ]


def test_reject_turns_an_unpaid_order_rejected() -> None:
    sim = make_sim(immediate_operations=True)
    create(sim)

    response = operation(sim, "reject")

    assert response.status_code == 202
    assert details(sim)["orderStatus"] == "rejected"


def test_reject_of_a_finished_order_is_refused_with_409() -> None:
    sim = make_sim()
    create(sim)
    page_action(sim, "order-1", "decline")

    response = operation(sim, "reject")

    assert response.status_code == 409


# --- refunds ------------------------------------------------------------------------------------


def test_refunds_partially_then_fully() -> None:
    sim = make_sim(immediate_operations=True)
    create(sim)
    page_action(sim, "order-1", "pay")

    first = refund(sim, "6.99")
    partial = details(sim)
    second = refund(sim, "50.00")

    assert (first.status_code, second.status_code) == (202, 202)
    assert partial["orderStatus"] == "partially_refunded"
    order = details(sim)
    assert order["orderStatus"] == "refunded"
    refunds = [p for p in order["payments"] if p["paymentType"] == "refund"]
    assert [r["cost"]["amount"] for r in refunds] == ["6.99", "50.00"]
    assert statuses(sim) == ["in_progress", "completed", "partially_refunded", "refunded"]


def test_every_partial_refund_is_called_back_even_without_a_status_change() -> None:
    sim = make_sim(immediate_operations=True)
    create(sim)
    page_action(sim, "order-1", "pay")

    refund(sim, "1.00")
    refund(sim, "2.00")

    assert statuses(sim)[-2:] == ["partially_refunded", "partially_refunded"]


def test_refuses_an_over_refund_with_412_counting_refunds_not_yet_applied() -> None:
    sim = make_sim()
    create(sim)
    page_action(sim, "order-1", "pay")
    refund(sim, "50.00")

    response = refund(sim, "7.00")

    assert response.status_code == 412
    sim.run_pending()
    assert details(sim)["orderStatus"] == "partially_refunded"


def test_refuses_a_refund_before_completion_with_412_and_in_another_currency_with_400() -> None:
    sim = make_sim(clearing_delay=timedelta(days=1))
    create(sim)
    page_action(sim, "order-1", "pay")

    too_early = refund(sim, "1.00")
    sim.advance(timedelta(days=1))
    wrong_currency = refund(sim, "1.00", "BRL")

    assert too_early.status_code == 412
    assert wrong_currency.status_code == 400
    assert "cost.currency" in wrong_currency.json()["detail"]


# --- antifraud review ---------------------------------------------------------------------------


def review_decision(sim: SimulatedGateway, decision: str) -> httpx.Response:
    return call(
        sim,
        "POST",
        "/order/review/result",
        json={"shopId": SHOP, "orderNumber": "order-1", "decision": decision},
    )


def test_a_reviewed_payment_resumes_when_accepted() -> None:
    sim = make_sim(review_orders={"order-1"})
    create(sim)
    page_action(sim, "order-1", "pay")
    in_review = sim.outbox[-1].json()

    response = review_decision(sim, "accept")

    assert in_review["orderStatus"] == "review"
    assert in_review["reviewTimeout"] == 24
    assert response.status_code == 200
    assert response.json()["data"]["operationType"] == "review"
    assert statuses(sim) == ["in_progress", "review", "in_progress", "completed"]


def test_a_reviewed_payment_fails_when_declined() -> None:
    sim = make_sim(review_predicate=lambda order: order.cost.minor > 1000)
    create(sim)
    page_action(sim, "order-1", "pay")

    review_decision(sim, "decline")

    assert statuses(sim) == ["in_progress", "review", "failed"]


def test_a_review_without_a_decision_fails_at_its_timeout_and_ignores_the_deadline() -> None:
    sim = make_sim(review_orders={"order-1"}, review_timeout=timedelta(hours=48))
    create(sim, timeLimit="2024-06-01T13:00:00Z")
    page_action(sim, "order-1", "pay")

    sim.advance(timedelta(hours=47))
    still = details(sim)["orderStatus"]
    sim.advance(timedelta(hours=1))

    assert still == "review"
    assert statuses(sim) == ["in_progress", "review", "failed"]


def test_a_review_decision_for_an_order_not_in_review_is_refused_with_412() -> None:
    sim = make_sim()
    create(sim)

    response = review_decision(sim, "accept")

    assert response.status_code == 412


# --- callback chaos -----------------------------------------------------------------------------


def story(seed: int, chaos: CallbackChaos) -> SimulatedGateway:
    """Three orders through create, pay and clearing: six callbacks before chaos."""
    sim = make_sim(seed=seed, chaos=chaos, clearing_delay=timedelta(hours=1))
    for number in ("a1", "a2", "a3"):
        create(sim, number)
        page_action(sim, number, "pay")
    sim.advance(timedelta(hours=1))
    return sim


def trace(sim: SimulatedGateway) -> list[tuple[int, str, bool]]:
    return [(c.sequence, c.status.value, c.duplicate) for c in sim.outbox]


def test_drops_every_callback_when_told_to() -> None:
    sim = story(0, CallbackChaos(drop=1.0))

    assert sim.outbox == []
    assert len(sim.callbacks.dropped) == 6


def test_duplicates_every_callback_when_told_to() -> None:
    sim = story(0, CallbackChaos(duplicate=1.0))

    assert len(sim.outbox) == 12
    assert [c.body for c in sim.outbox[::2]] == [c.body for c in sim.outbox[1::2]]


def test_callback_chaos_is_the_same_for_the_same_seed_and_varies_across_seeds() -> None:
    chaos = CallbackChaos(drop=0.2, duplicate=0.3, reorder=0.4)

    traces = [trace(story(seed, chaos)) for seed in range(8)]
    again = [trace(story(seed, chaos)) for seed in range(8)]

    assert traces == again
    assert len({tuple(t) for t in traces}) > 1
    reordered = [t for t in traces if [s for s, _, _ in t] != sorted(s for s, _, _ in t)]
    assert reordered, "some seed should deliver a callback after a later one"


# --- injected faults ----------------------------------------------------------------------------


def test_an_injected_503_before_acting_creates_nothing() -> None:
    sim = make_sim()
    sim.faults.script("create", Fault.unavailable(503))

    failed = create(sim)
    retried = create(sim)

    assert failed.status_code == 503
    assert failed.json()["code"] == "503"
    assert retried.status_code == 200
    assert len(sim.orders()) == 1


def test_an_injected_503_after_acting_leaves_the_order_created() -> None:
    sim = make_sim()
    sim.faults.script("create", Fault.unavailable(503, applied=True))

    failed = create(sim)

    assert failed.status_code == 503
    assert details(sim)["orderStatus"] == "in_progress"


def test_injected_fault_rates_are_the_same_for_the_same_seed() -> None:
    def codes(seed: int) -> list[int]:
        sim = make_sim(seed=seed, fault_rates={"payment_methods": 0.5})
        return [call(sim, "GET", f"/shops/{SHOP}/payment-methods").status_code for _ in range(12)]

    first = codes(3)

    assert first == codes(3)
    assert set(first) == {200, 503}


def test_an_injected_timeout_reaches_the_caller_as_a_read_timeout() -> None:
    sim = make_sim()
    sim.faults.script("details", Fault.timed_out())
    create(sim)

    with pytest.raises(httpx.ReadTimeout):
        call(sim, "GET", f"/order/{SHOP}/order-1")


# --- delivering callbacks -----------------------------------------------------------------------


def merchant_app(received: list[tuple[str, str]]) -> Starlette:
    """A merchant's webhook endpoint: verifies the signature, records (path, status)."""

    async def webhook(request: Request) -> Response:
        body = await request.body()
        try:
            verify(body, request.headers, [SECRET])
        except SignatureVerificationError:
            return Response(status_code=401)
        received.append((request.url.path, parse_order(parse_json(body)).status.value))
        return Response(status_code=200)

    return Starlette(routes=[Route("/hooks/{name}", webhook, methods=["POST"])])


def test_posts_signed_callbacks_to_the_order_webhook_through_an_async_sender() -> None:
    received: list[tuple[str, str]] = []
    sender = httpx.AsyncClient(transport=httpx.ASGITransport(app=merchant_app(received)))
    sim = make_sim(sender=sender)

    create(sim, webhookUrl="http://merchant.test/hooks/order")
    page_action(sim, "order-1", "pay")

    assert received == [("/hooks/order", "in_progress"), ("/hooks/order", "completed")]
    assert all(attempt.ok for attempt in sim.callbacks.deliveries)


def test_falls_back_to_the_shops_standard_callback_url_and_retries_failures() -> None:
    answers = iter([500, 200, 200])
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(next(answers))

    shop = SimShop(shop_id=SHOP, tokens=(TOKEN,), secret=SECRET, callback_url="http://m.test/cb")
    sim = make_sim(
        shops=(shop,),
        sender=httpx.Client(transport=httpx.MockTransport(handler)),
        auto_deliver=False,
        delivery_attempts=2,
    )
    create(sim)

    first = sim.deliver()
    second = sim.deliver()

    assert (first, second) == (0, 1)
    assert seen == ["http://m.test/cb", "http://m.test/cb"]
    assert [a.attempt for a in sim.callbacks.deliveries] == [1, 2]


def test_can_send_callbacks_in_the_older_spelling() -> None:
    sim = make_sim(legacy_callbacks=True)

    create(sim)

    body = sim.outbox[0].json()
    assert (body["number"], body["status"]) == ("order-1", "in_progress")
    assert "orderNumber" not in body
    assert parse_order(body).order_number == "order-1"


# --- direct use, loopback, and the real client -------------------------------------------------


def test_direct_calls_refuse_like_the_http_api() -> None:
    sim = make_sim()
    create(sim)

    with pytest.raises(PreconditionFailed) as refused:
        sim.capture("order-1")

    assert refused.value.status == 412


def test_serves_on_loopback_with_uvicorn() -> None:
    sim = make_sim()

    with serve(sim) as running:
        response = httpx.get(
            f"{running.base_url}/shops/{SHOP}/payment-methods",
            headers={"Api-Access-Token": TOKEN},
            timeout=5.0,
        )
        created = create(sim).json()["data"]["paymentLink"]

    assert response.status_code == 200
    assert created.startswith(running.base_url)


def run_client(sim: SimulatedGateway, steps: Callable[[AsyncVertexClient], Any]) -> Any:
    async def go() -> Any:
        config = VertexConfig(token=TOKEN, base_url=f"{BASE}/api/v1")

        async def no_sleep(seconds: float) -> None:
            return None

        transport = httpx.ASGITransport(app=sim.app)
        async with AsyncVertexClient(config, transport=transport, sleep=no_sleep) as client:
            return await steps(client)

    return asyncio.run(go())


def test_the_async_client_runs_a_two_stage_order_against_the_simulator() -> None:
    sim = make_sim(immediate_operations=True)
    order = CreateOrder(
        shop_id=SHOP,
        order_number="client-1",
        amount=Money.parse("56.99", "PHP"),
        auto_capture=False,
    )

    async def steps(client: AsyncVertexClient) -> Any:
        created = await client.create_order(order)
        sim.pay("client-1")
        await client.capture(SHOP, "client-1")
        return created, await client.order_details(SHOP, "client-1")

    created, snapshot = run_client(sim, steps)

    assert created.payment_link == sim.order("client-1").payment_link
    assert snapshot.status is OrderStatus.COMPLETED
    assert snapshot.cost == Money.parse("56.99", "PHP")


@pytest.mark.parametrize(
    "fault",
    [Fault.unavailable(503, applied=True), Fault.timed_out(applied=True)],
    ids=["503", "timeout"],
)
def test_the_async_client_adopts_an_order_created_despite_a_failed_answer(fault: Fault) -> None:
    sim = make_sim()
    sim.faults.script("create", fault)
    order = CreateOrder(shop_id=SHOP, order_number="client-2", amount=Money.parse("5.00", "PHP"))

    async def steps(client: AsyncVertexClient) -> Any:
        return await client.create_order(order)

    created = run_client(sim, steps)

    assert created.order_number == "client-2"
    assert len(sim.orders()) == 1
