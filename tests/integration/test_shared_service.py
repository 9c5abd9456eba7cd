"""One service shared by threads: placing and callbacks from many threads at once.

Before the read model was persisted, ``place`` caught the in-memory projection up from every
thread at once and most concurrent calls raised ``AssertionError`` after the order was saved.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.service import Shop
from orderstate.adapters.vertex.signatures import sign
from orderstate.engine import Money

THREADS = 8
ORDERS = 64
SECRET = "s3cret"


def completed(number: str) -> bytes:
    return json.dumps(
        {
            "orderNumber": number,
            "orderStatus": "completed",
            "cost": {"amount": "1.00", "currency": "EUR"},
            "payments": [],
        }
    ).encode()


def test_threads_share_one_service_for_places_and_callbacks(store: str) -> None:
    service = build_service(store=store, shops={115: Shop((SECRET,))})

    def place_and_pay(n: int) -> str:
        number = f"T-{n}"
        body = completed(number)
        service.handle_callback(115, body, [("api-notification-sign", sign(body, SECRET))])
        service.place(shop_id=115, order_number=number, amount=Money.parse("1.00", "EUR"))
        return number

    with ThreadPoolExecutor(THREADS) as pool:
        numbers = list(pool.map(place_and_pay, range(ORDERS)))

    assert {service.view(115, n).state for n in numbers} == {"completed"}
    assert [(t.state, t.count) for t in service.orders_by_state()] == [("completed", ORDERS)]
    assert service.process_inbox() == []  # every early callback was applied once placed
    service.close()


def test_threads_running_the_followers_while_others_write_deliver_each_event_once(
    store: str,
) -> None:
    service = build_service(store=store, shops={115: Shop((SECRET,))})
    keys: list[str] = []
    service.subscribe(lambda update: keys.append(update.key), name="keys")

    def place_pay_and_work(n: int) -> None:
        number = f"W-{n}"
        service.place(shop_id=115, order_number=number, amount=Money.parse("1.00", "EUR"))
        body = completed(number)
        service.handle_callback(115, body, [("api-notification-sign", sign(body, SECRET))])
        service.work()

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(place_pay_and_work, range(ORDERS)))
    service.work()

    assert len(keys) == len(set(keys)) == ORDERS * 6  # placed, link, captured, email, ...
    service.close()
