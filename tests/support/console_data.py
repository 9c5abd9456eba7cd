"""A service with the orders and kept callbacks the console's tests look at.

Shop 115 (Vertex, ``SECRET``):

- ``A-100``: paid and settled through two signed callbacks;
- ``B-200``: the customer paid 50.00 of 56.99 (``need_action``);
- ``C-300``: placed, nothing else;
- ``HOSTILE``: an order number that is HTML and script, placed like any other;
- ``D-400``: its callback arrived before the order existed here (deferred), and the order was
  then saved by another process, so the callback waits for a re-process;
- an unauthenticated callback (bad signature) for ``A-100`` whose ``Authorization`` header
  carries a secret that must never be shown.
"""

from __future__ import annotations

import json

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.service import OrderService, Shop
from orderstate.engine import Money, Order
from tests.unit.vertex.helpers import SECRET, order_json, signed

SHOP = 115
COST = Money.parse("56.99", "PHP")
HOSTILE = "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"
LEAKED = "Bearer leaked-secret-value-123"


def callback(number: str, **fields: object) -> tuple[bytes, list[tuple[str, str]]]:
    body = json.dumps(order_json(orderNumber=number, **fields)).encode()
    return body, list(signed(body).items())


def short_payment() -> list[dict[str, object]]:
    return [
        {
            "paymentType": "payment",
            "paymentStatus": {"status": "completed"},
            "cost": {"amount": "50.00", "currency": "PHP"},
        }
    ]


def populated(store: str = "memory") -> OrderService:
    service = build_service(store=store, shops={SHOP: Shop((SECRET,))})
    for number in ("A-100", "B-200", "C-300", HOSTILE):
        service.place(shop_id=SHOP, order_number=number, amount=COST)
    service.handle_callback(SHOP, *callback("A-100", orderStatus="in_progress"))
    service.handle_callback(SHOP, *callback("A-100", orderStatus="completed"))
    service.handle_callback(
        SHOP, *callback("B-200", orderStatus="need_action", payments=short_payment())
    )
    body, _ = callback("A-100", orderStatus="completed")
    service.handle_callback(
        SHOP, body, [("api-notification-sign", "0" * 128), ("authorization", LEAKED)]
    )
    service.handle_callback(SHOP, *callback("D-400", orderStatus="completed"))
    late = Order.place(shop_id=SHOP, order_number="D-400", amount=COST)
    late.record_payment_link("https://pay.example/D-400")
    service.save(late)  # saved by another process: the deferred callback still waits
    service.work()
    return service
