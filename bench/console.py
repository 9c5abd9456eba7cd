"""The console's order list on a 100k-event store: a page costs what a page holds.

Run with ``.venv/bin/python bench/console.py`` (about a minute, most of it writing the store).
A benchmark, not a test: it prints figures, ratios and a goal with PASS/MISS.

A SQLite store of 100,002 events (16,667 completed orders, 6 events each, written with engine
commands 500 orders a transaction) is projected into the read model once (not timed). Then,
interleaved, best of 5: the baseline, the whole list built by loading every order (what
``OrderService.list_orders()`` cost until it read the read model's rows, issue 12), against the
read-model queries behind the console's page (``search_orders``: the first page, a page near the
end, a search by part of the order number, a state filter) and the whole ``GET /console/orders``
and ``GET /console/order`` answers over httpx's ASGI transport (query, counts per state,
template). Goal: the console's orders page at least 20 times faster than the baseline.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

import httpx
from starlette.applications import Starlette

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import best, measure, raw_lines, verdict

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.service import OrderQuery, OrderService, OrderView, Shop
from orderstate.adapters.web.console import ConsoleConfig, mount_console
from orderstate.engine import Money, Order

SHOP = 115
ORDERS = 16_667  # x 6 events = 100,002
BATCH = 500
REPEATS = 5
GOAL_RATIO = 20.0
COST = Money.parse("100.00", "PHP")
LINK = "https://payment-page.stage.vertexgateway.com/payment?session-id=1&page-id=1"


def _completed(number: str) -> Order:
    order = Order.place(shop_id=SHOP, order_number=number, amount=COST)
    order.record_payment_link(LINK)
    order.record_capture()
    order.record_clearing_started()
    order.record_settlement()
    return order


def _fill(service: OrderService) -> int:
    orders = [_completed(f"N-{i:05}") for i in range(ORDERS)]
    for start in range(0, len(orders), BATCH):
        service.save(*orders[start : start + BATCH])
    service.orders_by_state()  # the read model catches up once, as a start would
    return service.recorder.max_notification_id() or 0


def _every_order_loaded(service: OrderService) -> list[OrderView]:
    """The baseline as it was measured: the whole list built by loading every order's aggregate
    (what ``list_orders`` did until it read the read model's rows, issue 12)."""
    rows = service.read_store.orders()
    return [OrderView.of(order) for row in rows if (order := service.orders.get(row.id))]


def _timer(action: object) -> object:
    def run() -> int:
        started = time.perf_counter_ns()
        action()  # type: ignore[operator]
        return time.perf_counter_ns() - started

    return run


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        service = build_service(store=str(Path(tmp) / "console.sqlite"), shops={SHOP: Shop(("s",))})
        started = time.perf_counter()
        events = _fill(service)
        print(
            f"store: {events:,} events, {ORDERS:,} orders, written and projected in "
            f"{time.perf_counter() - started:.1f} s"
        )
        app = Starlette(routes=[mount_console(service, ConsoleConfig(token="b" * 20))])
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 1))

        def get(path: str) -> None:
            async def send() -> None:
                async with httpx.AsyncClient(transport=transport, base_url="http://b") as c:
                    answer = await c.get(path)
                    answer.raise_for_status()

            asyncio.run(send())

        timers = {
            "baseline list_orders()": _timer(lambda: _every_order_loaded(service)),
            "search first page": _timer(lambda: service.search_orders(OrderQuery())),
            "search page near the end": _timer(
                lambda: service.search_orders(OrderQuery(offset=ORDERS - 50))
            ),
            "search text 'n-1234'": _timer(
                lambda: service.search_orders(OrderQuery(text="n-1234"))
            ),
            "search state completed": _timer(
                lambda: service.search_orders(OrderQuery(state="completed"))
            ),
            "GET /console/orders": _timer(lambda: get("/console/orders")),
            "GET /console/orders?page=300": _timer(lambda: get("/console/orders?page=300")),
            "GET /console/order": _timer(lambda: get("/console/order?shop=115&number=N-12345")),
        }
        samples = measure(timers, REPEATS)  # type: ignore[arg-type]
        baseline = best(samples["baseline list_orders()"])
        for name, ns in samples.items():
            print(
                f"{name:32} {best(ns) / 1e6:10.2f} ms   baseline/this = {baseline / best(ns):8.1f}x"
            )
        ratio = baseline / best(samples["GET /console/orders"])
        print(
            f"goal: GET /console/orders >= {GOAL_RATIO:g}x faster than list_orders(): "
            f"{ratio:.1f}x {verdict(ratio >= GOAL_RATIO)}"
        )
        counts = dict.fromkeys(samples, 1)
        print("\n".join(raw_lines("console", samples, counts)))
        service.close()


if __name__ == "__main__":
    main()
