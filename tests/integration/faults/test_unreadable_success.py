"""A 2xx answer whose body cannot be read is "outcome unknown", never a refusal (issue 10).

The provider acted (it answered with a success status); only its body was garbled in transit
or by a proxy. Treating that as a refusal marked an order ``failed`` that the provider had
created, and recorded a refund the provider carried out as declined, which let the merchant
send the same refund again: two refund POSTs reached the provider.
"""

from __future__ import annotations

import json

import httpx
import pytest

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.service import Operation, OrderService, Shop
from orderstate.adapters.vertex import VertexClient, VertexConfig
from orderstate.adapters.vertex.retry import RetryPolicy
from orderstate.engine import Money, OperationPending
from tests.unit.vertex.helpers import SECRET, order_json, signed

COST = Money.parse("56.99", "PHP")
LINK = "https://payment-page.stage.vertexgateway.com/payment?session-id=1&page-id=854"
GARBLED = httpx.Response(200, text="<html>OK</html>")


def _service(handler: httpx.MockTransport) -> OrderService:
    client = VertexClient(
        VertexConfig(token="test-token", retry=RetryPolicy(max_attempts=1)), transport=handler
    )
    return build_service(shops={115: Shop((SECRET,))}, vertex_client=client)


def _completed(service: OrderService) -> None:
    body = json.dumps(order_json(orderStatus="completed")).encode()
    service.handle_callback(115, body, list(signed(body).items()))


def test_an_unreadable_refund_acknowledgement_leaves_the_refund_pending_and_posts_once() -> None:
    refund_posts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/order") and request.method == "POST":
            return httpx.Response(
                200, json={"data": {"orderNumber": "test04", "paymentLink": LINK}}
            )
        if request.url.path.endswith("/order/refund"):
            refund_posts.append(request.content.decode())
            return GARBLED
        return httpx.Response(404, json={"code": "404", "title": "Not Found"})

    service = _service(httpx.MockTransport(handler))
    service.place(shop_id=115, order_number="test04", amount=COST)
    _completed(service)

    view = service.request(Operation.REFUND, 115, "test04", "6.99")
    with pytest.raises(OperationPending):
        service.request(Operation.REFUND, 115, "test04", "6.99")

    assert view.pending == "refund"
    events = [type(e).__name__ for e in service.history(115, "test04")]
    assert "RequestDeclined" not in events
    assert len(refund_posts) == 1


def test_an_unreadable_creation_answer_does_not_fail_an_order_the_provider_created() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return GARBLED
        return httpx.Response(
            200, json={"data": order_json(orderStatus="in_progress", payments=[])}
        )

    service = _service(httpx.MockTransport(handler))

    view = service.place(shop_id=115, order_number="test04", amount=COST)

    assert view.state == "in_progress"
    assert service.orders.require(115, "test04").payment_link == LINK
