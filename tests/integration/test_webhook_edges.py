"""The webhook app at its edges: absurd shop ids, repeated signature headers, and 401s that
tell a stranger nothing (issue 10, section 2)."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.service import OrderService, Shop
from orderstate.adapters.vertex.signatures import SIGNATURE_HEADER, sign
from orderstate.adapters.web import create_app
from orderstate.engine import Money
from tests.unit.vertex.helpers import SECRET, order_json, signed

COST = Money.parse("56.99", "PHP")


def placed_service() -> OrderService:
    service = build_service(store="memory", shops={115: Shop((SECRET,))})
    service.place(shop_id=115, order_number="test04", amount=COST)
    return service


def post(
    service: OrderService, url: str, body: bytes, headers: list[tuple[str, str]]
) -> httpx.Response:
    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(service))
        async with httpx.AsyncClient(transport=transport, base_url="http://webhook.test") as http:
            return await http.post(url, content=body, headers=headers)

    return asyncio.run(send())


def body_of(data: object) -> bytes:
    return json.dumps(data).encode()


@pytest.mark.parametrize("digits", [19, 4301, 10_000])
def test_answers_404_to_a_shop_id_too_long_to_be_one_and_keeps_nothing(digits: int) -> None:
    service = placed_service()
    body = body_of(order_json())

    response = post(service, f"/callbacks/vertex/{'9' * digits}", body, list(signed(body).items()))

    assert response.status_code == 404
    assert service.rejected_callbacks() == []


def test_refuses_a_callback_carrying_two_signature_headers_and_keeps_it() -> None:
    service = placed_service()
    body = body_of(order_json())
    headers = [
        ("content-type", "application/json"),
        (SIGNATURE_HEADER, sign(body, "a-guess")),
        (SIGNATURE_HEADER, sign(body, SECRET)),  # the valid one last: it used to win
    ]

    response = post(service, "/callbacks/vertex/115", body, headers)

    assert response.status_code == 401
    assert service.view(115, "test04").state == "created"
    [kept] = service.rejected_callbacks()
    assert kept.reason is not None
    assert "more than once" in kept.reason
    assert [value for name, value in kept.headers_pairs() if name == SIGNATURE_HEADER] == [
        sign(body, "a-guess"),
        sign(body, SECRET),
    ]


def test_answers_an_unknown_shop_exactly_as_a_bad_signature_and_keeps_the_reasons() -> None:
    service = placed_service()
    known = body_of(order_json())
    unknown = body_of(order_json(shopId=999))

    bad_signature = post(service, "/callbacks/vertex/115", known, list(signed(known, "x").items()))
    no_shop = post(service, "/callbacks/vertex/999", unknown, list(signed(unknown).items()))
    unsigned = post(service, "/callbacks/vertex/999", unknown, [])

    answers = [bad_signature, no_shop, unsigned]
    assert {answer.status_code for answer in answers} == {401}
    assert len({json.dumps(_without_id(answer.json())) for answer in answers}) == 1
    reasons = sorted(str(item.reason) for item in service.rejected_callbacks())
    assert any("does not match" in reason for reason in reasons)
    assert any("no callback secret is configured" in reason for reason in reasons)


def _without_id(answer: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in answer.items() if key != "inbox_id"}
