"""Group commit's batch read (``batchload.BatchLoader``) gives every order exactly as
``Orders.get`` (eventsourcing's ``repository.get``) gives it, and the log's head as
``max_notification_id`` does: on every fixture store, on Hypothesis-drawn orders, and on rows
a foreign or damaged writer left (those orders are eventsourcing's to read, or to refuse).
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import LRUCache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.service import OrderService
from orderstate.adapters.service.audit import ORDER_TOPICS
from orderstate.adapters.service.batchload import CHUNK, BatchLoader, Read
from orderstate.adapters.service.histories import EventDecoder, read_histories
from orderstate.adapters.service.readmodel import INBOX_TOPICS
from orderstate.adapters.service.unreadable import UnreadableHistory
from orderstate.engine import Money, Order, order_id
from tests.integration.test_bulk_replay import (
    FIXTURES,
    ODD_STATES,
    SHOPS,
    TOPIC,
    copied,
    orders,
)

NOBODY = UUID(int=12345)


def outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    """What ``call`` gave (an order's fields) or raised (the error's type and message)."""
    try:
        order = call()
    except Exception as error:  # compared, not hidden: the caller asserts on it
        return type(error).__name__, str(error)
    return "order", None if order is None else vars(order)


def batch_read(service: OrderService, oids: list[UUID]) -> Read:
    with BatchLoader(service.orders).read() as read:
        read.load(oids)
    return read


def assert_same_as_orders_get(service: OrderService, oids: list[UUID]) -> Read:
    read = batch_read(service, oids)
    head, loaded = read.head, read.loaded

    assert head == service.recorder.max_notification_id()
    assert list(loaded) == oids
    for oid in oids:
        expected = service.orders.get(oid)
        got = loaded[oid]
        assert (got is None) == (expected is None), oid
        if expected is not None:
            assert type(got) is type(expected)
            assert vars(got) == vars(expected), oid
            assert got.version == expected.version
    return read


def stored_histories(service: OrderService) -> dict[UUID, list[Any]]:
    histories, _ = read_histories(service.recorder, service.mapper, ORDER_TOPICS, skip=INBOX_TOPICS)
    return histories


def left_to_mapper(service: OrderService, oids: list[UUID]) -> set[UUID]:
    """The orders with a stored event the fast decoder leaves to eventsourcing's mapper (an
    older class version to upcast, a list or a float in its state)."""
    decoder = EventDecoder(service.mapper)
    return {
        oid
        for oid in oids
        for stored in service.recorder.select_events(oid)
        if decoder.fast(oid, stored.originator_version, stored.topic, stored.state) is None
    }


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.sqlite")))
def test_loads_every_order_of_every_fixture_store_as_orders_get_does(name: str) -> None:
    with copied(name) as service:
        histories = stored_histories(service)
        oids = list(histories)
        assert BatchLoader(service.orders).bulk

        read = assert_same_as_orders_get(service, [*oids, NOBODY])

        assert oids
        assert read.loaded[NOBODY] is None
        assert all(read.loaded[oid] is not None for oid in oids)
        # the mapper upcasts what older class versions stored; the rest is read in one query
        assert set(read.by_repository) == left_to_mapper(service, oids)
        assert len(read.by_repository) < len(oids) or name == "store-resolved-1.sqlite"


def test_more_orders_than_one_select_takes(tmp_path: Path) -> None:
    service = build_service(store=str(tmp_path / "orders.db"), shops=SHOPS)
    placed = [
        Order.place(shop_id=115, order_number=f"C-{n}", amount=Money(n + 1, "EUR"))
        for n in range(CHUNK + 3)
    ]
    for order in placed[::2]:
        order.record_payment_link(f"https://pay.example/{order.order_number}")
    service.save(*placed)

    read = assert_same_as_orders_get(service, [order.id for order in placed][::-1])

    assert read.by_repository == []
    service.close()


def test_other_stores_load_one_by_one_with_the_same_answer() -> None:
    service = build_service(store="memory", shops=SHOPS)
    order = Order.place(shop_id=115, order_number="M-1", amount=Money(5_00, "EUR"))
    order.record_payment_link("https://pay.example/m-1")
    service.save(order)

    assert not BatchLoader(service.orders).bulk
    read = assert_same_as_orders_get(service, [order.id, NOBODY])

    assert read.loaded[order.id].version == 2
    assert read.by_repository == [order.id, NOBODY]


def test_a_store_with_an_aggregate_cache_loads_through_the_repository(tmp_path: Path) -> None:
    service = build_service(store=str(tmp_path / "orders.db"), shops=SHOPS)
    service.repository.cache = LRUCache(maxsize=10)

    assert not BatchLoader(service.orders).bulk
    service.close()


@pytest.mark.parametrize("shape", sorted(ODD_STATES))
def test_an_order_with_an_unusual_row_is_eventsourcings_to_read_or_refuse(
    shape: str, tmp_path: Path
) -> None:
    path = str(tmp_path / "orders.db")
    service = build_service(store=path, shops=SHOPS)
    plain = Order.place(shop_id=115, order_number="P-1", amount=Money(3_00, "EUR"))
    odd = Order.place(shop_id=115, order_number="O-1", amount=Money(5_00, "EUR"))
    service.save(plain, odd)
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO stored_events (originator_id, originator_version, topic, state)"
            " VALUES (?, 2, ?, ?)",
            (order_id(115, "O-1").hex, TOPIC, ODD_STATES[shape]),
        )
    expected = outcome(lambda: service.orders.get(odd.id))
    got = outcome(lambda: batch_read(service, [plain.id, odd.id]).loaded[odd.id])

    assert got == expected
    read = assert_same_as_orders_get(service, [plain.id])
    assert read.by_repository == []
    service.close()


def test_an_order_under_an_unknown_topic_raises_what_orders_get_raises(tmp_path: Path) -> None:
    path = str(tmp_path / "orders.db")
    service = build_service(store=path, shops=SHOPS)
    service.save(Order.place(shop_id=115, order_number="O-1", amount=Money(5_00, "EUR")))
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO stored_events (originator_id, originator_version, topic, state)"
            " VALUES (?, 2, ?, ?)",
            (order_id(115, "O-1").hex, "orderstate.engine.order:Order.Teleported", b"{}"),
        )
    oid = order_id(115, "O-1")
    with pytest.raises(UnreadableHistory) as expected:
        service.orders.get(oid)

    with pytest.raises(UnreadableHistory) as raised:
        batch_read(service, [oid])

    assert str(raised.value) == str(expected.value)
    service.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 4).flatmap(lambda k: st.tuples(*(orders(n) for n in range(k)))))
def test_drawn_orders_load_as_orders_get_loads_them(drawn: tuple[Order, ...]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        service = build_service(store=str(Path(directory) / "orders.db"), shops=SHOPS)
        try:
            service.save(*drawn)

            oids = [NOBODY, *(order.id for order in drawn)]
            read = assert_same_as_orders_get(service, oids)

            assert set(read.by_repository) == left_to_mapper(service, oids)
        finally:
            service.close()
