"""A poison callback must never stop the server (issue 10).

A signed body with a lone surrogate (``"\\ud800"`` as a JSON escape) in ``orderNumber`` or
``paymentLink`` was read as text that cannot be stored (UTF-8 has no surrogates): it got a 500
and left an unfinished inbox item, and replaying that item at start-up raised again, so the
server exited with code 3 at every restart. Such a body is malformed (400); and, generally,
a stored item whose processing raises is marked failed with its reason and listed, so that
start-up always goes on.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from orderstate.adapters.bootstrap import build_service, providers_for
from orderstate.adapters.port import Fact, Shop
from orderstate.adapters.service import InboxItem, OrderService, Outcome
from orderstate.adapters.web import create_app
from orderstate.engine import Money
from tests.unit.vertex.helpers import SECRET, order_json, signed

COST = Money.parse("56.99", "PHP")
SHOPS = {115: Shop((SECRET,))}


def _poison(field: str) -> bytes:
    """``json.dumps`` writes a lone surrogate as the six ASCII characters ``\\ud800``."""
    body = json.dumps(order_json(**{field: "x\ud800"})).encode()
    assert b"\\ud800" in body
    return body


@pytest.mark.parametrize("field", ["orderNumber", "paymentLink"])
def test_a_signed_body_with_a_lone_surrogate_is_malformed_and_appends_nothing(field: str) -> None:
    service = build_service(shops=SHOPS)
    service.place(shop_id=115, order_number="test04", amount=COST)
    body = _poison(field)

    answer = asyncio.run(_post(service, body))

    assert answer.status_code == 400
    assert answer.json()["outcome"] == "malformed"
    assert field in answer.json()["reason"]
    assert service.view(115, "test04").version == 1
    assert [item.kind for item in service.rejected_callbacks()] == ["malformed"]
    assert service.process_inbox() == []


class _BrokenReader:
    """A provider whose callback reader has a bug: it raises on every body."""

    def __init__(self) -> None:
        self.vertex = providers_for()[0]
        self.name = self.vertex.name

    def __getattr__(self, name: str) -> object:
        return getattr(self.vertex, name)

    def read_callback(self, body: bytes, headers: Mapping[str, str], **_: object) -> Fact:
        raise KeyError("a bug in the reader")


def test_a_stored_callback_whose_processing_raises_is_marked_failed_and_start_up_goes_on(
    tmp_path: Path,
) -> None:
    store = str(tmp_path / "orders.db")
    before = build_service(store=store, shops=SHOPS)
    before.place(shop_id=115, order_number="test04", amount=COST)
    body = json.dumps(order_json()).encode()
    item = InboxItem.receive(
        shop_id=115, body=body, headers=list(signed(body).items()), received_at=datetime.now(UTC)
    )
    before.save(item)  # stored, unfinished: what a 500 leaves behind
    before.close()
    restarted = OrderService(store=store, providers=[_BrokenReader()], shops=SHOPS)
    app = create_app(restarted)

    async def start_twice() -> None:
        for _ in range(2):
            async with app.router.lifespan_context(app):
                pass

    asyncio.run(start_twice())

    failed = restarted.failed_callbacks()
    assert [(f.id, f.status) for f in failed] == [(item.id, "failed")]
    assert failed[0].reason == "KeyError: 'a bug in the reader'"
    assert failed[0].outcome is Outcome.FAILED
    events = [type(e).__name__ for e in restarted.events.get(item.id)]
    assert events == ["CallbackReceived", "CallbackFailed"]  # marked once, never retried


async def _post(service: OrderService, body: bytes) -> httpx.Response:
    app = create_app(service)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://webhook.test") as http:
        return await http.post("/callbacks/vertex/115", content=body, headers=signed(body))
