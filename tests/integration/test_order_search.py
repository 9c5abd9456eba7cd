"""The console's order list from the read model: search, filters and pages, the same on every
backend."""

from __future__ import annotations

from orderstate.adapters.service import OrderQuery, Shop
from orderstate.engine import Money
from tests.support.postgres import Open

EUR_10 = Money.parse("10.00", "EUR")


def test_search_pages_filters_and_counts_the_same_on_every_backend(
    store: str, open_service: Open
) -> None:
    service = open_service(store, shops={1: Shop(("s",)), 2: Shop(("t",))})
    for n in range(7):
        service.place(shop_id=1 + n % 2, order_number=f"Shop-{n}", amount=EUR_10)
    service.place(shop_id=1, order_number="odd_100%", amount=EUR_10)

    first = service.search_orders(OrderQuery(limit=3))
    second = service.search_orders(OrderQuery(limit=3, offset=3))
    text = service.search_orders(OrderQuery(text="shop-"))
    literal = service.search_orders(OrderQuery(text="_100%"))
    wildcard = service.search_orders(OrderQuery(text="p%"))
    shop_2 = service.search_orders(OrderQuery(shops=(2,)))
    not_2 = service.search_orders(OrderQuery(other_shops=(2,)))
    nobody = service.search_orders(OrderQuery(shops=()))
    in_state = service.search_orders(OrderQuery(state="created"))
    other_state = service.search_orders(OrderQuery(state="paid"))

    newest_first = [r.order_number for r in first.rows + second.rows]
    assert (first.total, len(first.rows)) == (8, 3)
    assert newest_first == ["odd_100%", *(f"Shop-{n}" for n in range(6, 1, -1))]
    assert text.total == 7  # any case
    assert [r.order_number for r in literal.rows] == ["odd_100%"]  # % and _ are literal
    assert wildcard.total == 0
    assert {r.shop_id for r in shop_2.rows} == {2}
    assert shop_2.total == 3
    assert {r.shop_id for r in not_2.rows} == {1}
    assert not_2.total == 5
    assert nobody.total == 0
    assert (in_state.total, other_state.total) == (8, 0)


def test_a_page_is_bounded_whatever_is_asked(open_service: Open) -> None:
    service = open_service("memory")
    service.place(shop_id=1, order_number="A-1", amount=EUR_10)

    negative = service.search_orders(OrderQuery(limit=-5, offset=-3))

    assert [r.order_number for r in negative.rows] == ["A-1"]
