"""Listeners: a shop's side effects hear every saved change and every callback."""

from __future__ import annotations

import json

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.service import Operation, OrderUpdate, Shop
from orderstate.adapters.vertex.signatures import sign
from orderstate.engine import Money

BODY = json.dumps(
    {
        "orderNumber": "L-1",
        "orderStatus": "completed",
        "cost": {"amount": "1.00", "currency": "EUR"},
        "payments": [],
    }
).encode()


def test_listeners_hear_callbacks_even_duplicates_and_commands() -> None:
    service = build_service(shops={115: Shop(("s3cret",))})
    heard: list[OrderUpdate] = []
    service.subscribe(heard.append)
    service.place(shop_id=115, order_number="L-1", amount=Money.parse("1.00", "EUR"))
    headers = [("api-notification-sign", sign(BODY, "s3cret"))]

    service.handle_callback(115, BODY, headers)
    service.handle_callback(115, BODY, headers)
    service.request(Operation.REFUND, 115, "L-1", Money.parse("0.40", "EUR"))

    assert [(u.source, u.events) for u in heard] == [
        ("callback", ("PaymentLinkIssued", "PaymentCaptured", "ClearingStarted", "OrderSettled")),
        ("callback", ()),
        ("command", ("RefundRequested",)),
    ]
    assert heard[-1].view.pending == "refund"
    service.close()


def test_a_forged_callback_reaches_no_listener() -> None:
    service = build_service(shops={115: Shop(("s3cret",))})
    heard: list[OrderUpdate] = []
    service.subscribe(heard.append)
    service.place(shop_id=115, order_number="L-1", amount=Money.parse("1.00", "EUR"))

    result = service.handle_callback(115, BODY, [("api-notification-sign", "0" * 128)])

    assert result.outcome == "unauthenticated"
    assert heard == []
    service.close()
