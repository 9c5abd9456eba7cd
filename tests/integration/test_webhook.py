"""The webhook app over HTTP: each outcome's status, what the inbox keeps, and no blocked loop."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import httpx
from starlette.applications import Starlette

from orderstate.adapters.bootstrap import build_service, providers_for
from orderstate.adapters.loopback import serve_app
from orderstate.adapters.service import (
    Backoff,
    OrderService,
    OrderUpdate,
    Shop,
)
from orderstate.adapters.service.inbox import InboxItem
from orderstate.adapters.vertex.signatures import SIGNATURE_HEADER
from orderstate.adapters.web import create_app
from orderstate.engine import Money
from tests.unit.vertex.helpers import SECRET, order_json, signed

URL = "/callbacks/vertex/115"
COST = Money.parse("56.99", "PHP")


def new_service(*, body_limit: int = 64 * 1024) -> OrderService:
    return build_service(store="memory", shops={115: Shop((SECRET,))}, body_limit=body_limit)


def placed_service(**options: int) -> OrderService:
    service = new_service(**options)
    service.place(shop_id=115, order_number="test04", amount=COST)
    return service


def body_of(data: object) -> bytes:
    return json.dumps(data).encode()


def client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://webhook.test", timeout=5
    )


def post(
    service: OrderService, body: bytes, headers: dict[str, str], url: str = URL
) -> httpx.Response:
    return asyncio.run(_send(create_app(service), [("POST", url, body, headers)]))[0]


def get(service: OrderService, url: str) -> httpx.Response:
    return asyncio.run(_send(create_app(service), [("GET", url, b"", {})]))[0]


async def _send(
    app: Starlette, requests: Sequence[tuple[str, str, bytes, dict[str, str]]]
) -> list[httpx.Response]:
    async with client(app) as http:
        return [
            await http.request(method, url, content=body, headers=headers)
            for method, url, body, headers in requests
        ]


def test_applies_a_signed_callback_and_answers_200_with_its_events() -> None:
    service = placed_service()
    body = body_of(order_json())

    response = post(service, body, signed(body))

    assert response.status_code == 200
    assert response.json()["outcome"] == "applied"
    assert "PaymentCaptured" in response.json()["events"]
    assert service.view(115, "test04").captured == COST


def test_answers_200_duplicate_to_the_same_callback_delivered_twice() -> None:
    service = placed_service()
    body = body_of(order_json())
    app = create_app(service)

    first, second = asyncio.run(
        _send(app, [("POST", URL, body, signed(body)), ("POST", URL, body, signed(body))])
    )

    assert (first.status_code, first.json()["outcome"]) == (200, "applied")
    assert (second.status_code, second.json()["outcome"]) == (200, "duplicate")
    assert second.json()["events"] == []
    assert second.json()["inbox_id"] != first.json()["inbox_id"]


def test_refuses_a_callback_with_a_wrong_signature_and_keeps_it_with_the_reason() -> None:
    service = placed_service()
    body = body_of(order_json())

    response = post(service, body, signed(body, "another-secret"))

    assert response.status_code == 401
    assert response.json()["outcome"] == "unauthenticated"
    [kept] = service.rejected_callbacks()
    assert str(kept.id) == response.json()["inbox_id"]
    assert kept.kind == "unauthenticated"
    assert kept.reason is not None
    assert "does not match" in kept.reason
    assert service.view(115, "test04").state == "created"


def test_refuses_a_callback_without_a_signature_and_keeps_it_with_the_reason() -> None:
    service = placed_service()
    body = body_of(order_json())

    response = post(service, body, {"content-type": "application/json"})

    assert response.status_code == 401
    [kept] = service.rejected_callbacks()
    assert kept.body == body
    assert f"{SIGNATURE_HEADER} header is missing" in str(kept.reason)


def test_refuses_a_callback_for_a_shop_with_no_secret_configured() -> None:
    service = placed_service()
    body = body_of(order_json(shopId=999))

    response = post(service, body, signed(body), url="/callbacks/vertex/999")

    assert response.status_code == 401
    [kept] = service.rejected_callbacks()
    assert "no callback secret is configured" in str(kept.reason)


def test_answers_400_naming_the_problem_for_a_signed_body_that_is_not_json() -> None:
    service = placed_service()
    body = b'{"orderNumber": "test04",'

    response = post(service, body, signed(body))

    assert response.status_code == 400
    assert response.json()["outcome"] == "malformed"
    assert "not JSON" in response.json()["reason"]


def test_answers_400_naming_the_field_for_an_amount_sent_as_a_number() -> None:
    service = placed_service()
    body = body_of(order_json(cost={"amount": 56.99, "currency": "PHP"}))

    response = post(service, body, signed(body))

    assert response.status_code == 400
    assert "cost.amount" in response.json()["reason"]
    assert [item.kind for item in service.rejected_callbacks()] == ["malformed"]


def test_answers_413_to_an_oversize_body_and_keeps_its_first_bytes_with_the_reason() -> None:
    service = placed_service(body_limit=1024)
    body = body_of(order_json(padding="x" * 5000))

    response = post(service, body, signed(body))

    assert response.status_code == 413
    assert response.json()["outcome"] == "too_large"
    assert "1024-byte limit" in response.json()["reason"]
    [kept] = service.rejected_callbacks()
    assert (kept.kind, kept.size, kept.body) == ("too_large", 1025, body[:1025])


def test_answers_404_to_a_provider_the_service_does_not_know_and_keeps_nothing() -> None:
    service = new_service()
    body = body_of(order_json())

    response = post(service, body, signed(body), url="/callbacks/acme/115")

    assert response.status_code == 404
    assert service.recorder.max_notification_id() in (None, 0)


def test_answers_202_to_a_callback_for_an_order_not_placed_yet_and_applies_it_later() -> None:
    service = new_service()
    body = body_of(order_json())

    response = post(service, body, signed(body))
    placed = service.place(shop_id=115, order_number="test04", amount=COST)

    assert (response.status_code, response.json()["outcome"]) == (202, "deferred")
    assert placed.captured == COST
    item: InboxItem = service.repository.get(UUID(response.json()["inbox_id"]))
    assert item.status == "applied"


def test_answers_healthz_once_the_store_answers() -> None:
    service = new_service()

    response = get(service, "/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert [f["name"] for f in response.json()["followers"]] == [
        "orderstate.readmodel.v3",
        "orderstate.confirmation-emails",
    ]


def test_a_failing_follower_leaves_the_callback_a_2xx_and_delivers_after_it_recovers() -> None:
    service = new_service()
    service.followers.backoff = Backoff(first=0.0, most=0.0)
    service.place(shop_id=115, order_number="test04", amount=COST)
    down = True
    shipped: list[str] = []

    def ship(update: OrderUpdate) -> None:
        if "PaymentCaptured" in update.events:
            if down:
                raise ConnectionError("warehouse unreachable")
            shipped.append(update.key)

    service.subscribe(ship, name="shipping")
    body = body_of(order_json())

    response = post(service, body, signed(body))
    service.work()
    health = get(service, "/healthz").json()
    down = False
    service.work()

    assert (response.status_code, response.json()["outcome"]) == (200, "applied")
    assert response.json()["outbox"] == ["confirmation_email"]
    shipping = next(f for f in health["followers"] if f["name"] == "shipping")
    assert shipping["last_error"] == "ConnectionError: warehouse unreachable"
    assert shipping["lag"] > 0
    assert len(shipped) == 1


def test_the_app_runs_the_followers_in_a_thread_while_it_serves() -> None:
    service = new_service()
    service.place(shop_id=115, order_number="test04", amount=COST)
    heard = threading.Event()
    service.subscribe(
        lambda update: heard.set() if "PaymentCaptured" in update.events else None, name="t"
    )
    body = body_of(order_json())

    with serve_app(create_app(service, run_followers=True), lifespan="on") as site:
        response = httpx.post(site.base_url + URL, content=body, headers=signed(body))
        delivered = heard.wait(timeout=10)

    assert response.status_code == 200
    assert delivered


class BlockingService(OrderService):
    """Holds every save of a callback (its inbox item) until the test lets it go."""

    def __init__(self) -> None:
        super().__init__(providers=providers_for(), store="memory", shops={115: Shop((SECRET,))})
        self.entered = threading.Event()
        self.release = threading.Event()

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        if any(isinstance(obj, InboxItem) for obj in objs):
            self.entered.set()
            if not self.release.wait(timeout=5):
                raise TimeoutError("the test never released the callback")
        return super().save(*objs, **kwargs)


def test_answers_healthz_while_a_callback_is_still_being_stored() -> None:
    service = BlockingService()
    service.place(shop_id=115, order_number="test04", amount=COST)
    body = body_of(order_json())

    async def scenario() -> tuple[httpx.Response, bool, httpx.Response]:
        async with client(create_app(service)) as http:
            pending = asyncio.create_task(http.post(URL, content=body, headers=signed(body)))
            assert await asyncio.to_thread(service.entered.wait, 5)
            health = await asyncio.wait_for(http.get("/healthz"), timeout=5)
            still_blocked = not pending.done()
            service.release.set()
            return health, still_blocked, await asyncio.wait_for(pending, timeout=5)

    health, still_blocked, callback = asyncio.run(scenario())

    assert health.status_code == 200
    assert still_blocked
    assert (callback.status_code, callback.json()["outcome"]) == (200, "applied")
