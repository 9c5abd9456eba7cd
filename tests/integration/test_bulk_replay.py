"""The whole-store replay's read path (``histories.read_histories``) gives what eventsourcing's
recorder and mapper give, event for event, and orders equal to ``repository.get``'s.

Compared on every stored fixture store (written by earlier versions, one through the stdlib
transcoder), on Hypothesis-drawn orders, and on rows a foreign or damaged writer left (each
unusual shape is the mapper's to read, or to refuse with its own reason).
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.utils import TopicError, resolve_topic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.service import OrderService, Shop
from orderstate.adapters.service.audit import ORDER_TOPICS
from orderstate.adapters.service.histories import EventDecoder, read_histories
from orderstate.adapters.service.readmodel import INBOX_TOPICS
from orderstate.adapters.service.readstore import ORDERS_TABLE
from orderstate.adapters.service.unreadable import UnreadableEvent, decode
from orderstate.engine import CommandRefused, Money, Order, order_id, project_order
from tests.unit.engine.test_transition_table import MOVES

FIXTURES = Path(__file__).parents[1] / "project" / "fixtures"
SHOPS = {115: Shop(("fixture-secret-115",))}
TOPIC = "orderstate.engine.order:Order.PaymentLinkIssued"


def mapper_histories(service: OrderService) -> tuple[dict[UUID, list[Any]], list[Any]]:
    """The reference: every notification through eventsourcing's recorder and mapper."""
    histories: dict[UUID, list[Any]] = {}
    unreadable: list[UnreadableEvent] = []
    for record in service.recorder.select_notifications(1, 1_000_000):
        if record.topic not in ORDER_TOPICS and _resolves(record.topic):
            continue
        event, bad = decode(service.mapper, record)
        if bad is not None:
            unreadable.append(bad)
        else:
            histories.setdefault(event.originator_id, []).append(event)
    return histories, unreadable


def _resolves(topic: str) -> bool:
    try:
        resolve_topic(topic)
    except TopicError:
        return False
    return True


def as_compared(histories: dict[UUID, list[Any]]) -> dict[UUID, list[tuple[type, dict]]]:
    return {oid: [(type(e), vars(e)) for e in events] for oid, events in histories.items()}


def assert_same_as_the_mapper(service: OrderService) -> dict[UUID, list[Any]]:
    fast, fast_bad = read_histories(
        service.recorder, service.mapper, ORDER_TOPICS, skip=INBOX_TOPICS
    )
    slow, slow_bad = mapper_histories(service)

    assert as_compared(fast) == as_compared(slow)
    assert list(fast) == list(slow)  # orders in the order of their first event
    assert fast_bad == slow_bad
    return fast


def assert_orders_equal_repository_get(service: OrderService, histories: dict) -> None:
    for oid, events in histories.items():
        rebuilt = project_order(None, events)
        stored = service.repository.get(oid)

        assert vars(rebuilt) == vars(stored)


@contextmanager
def copied(name: str) -> Iterator[OrderService]:
    with tempfile.TemporaryDirectory() as directory:
        copy = Path(directory) / name
        shutil.copy(FIXTURES / name, copy)
        service = build_service(store=str(copy), shops=SHOPS)
        try:
            yield service
        finally:
            service.close()


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.sqlite")))
def test_reads_every_fixture_store_as_the_mapper_does(name: str) -> None:
    with copied(name) as service:
        histories = assert_same_as_the_mapper(service)

        assert histories
        assert_orders_equal_repository_get(service, histories)
        assert service.replay_verify().failures == ()


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.sqlite")))
def test_a_followers_decoder_gives_the_mappers_answer_for_every_stored_event(name: str) -> None:
    with copied(name) as service:
        decoder = EventDecoder(service.mapper)
        records = service.recorder.select_notifications(1, 1_000_000)

        for record in records:
            event, bad = decoder.decode(record)
            expected, expected_bad = decode(service.mapper, record)

            assert (type(event), bad) == (type(expected), expected_bad)
            assert event is None or vars(event) == vars(expected)


def test_reads_an_in_memory_store_through_the_recorder_the_same_way() -> None:
    service = build_service(store="memory", shops=SHOPS)
    order = Order.place(shop_id=115, order_number="M-1", amount=Money(5_00, "EUR"))
    order.record_payment_link("https://pay.example/m-1")
    service.save(order)

    histories = assert_same_as_the_mapper(service)

    assert [len(events) for events in histories.values()] == [2]
    assert_orders_equal_repository_get(service, histories)


ODD_STATES = {
    "stdlib spacing": b'{"timestamp": {"_type_": "datetime_iso", "_data_": '
    b'"2026-12-01T10:00:00+00:00"}, "payment_link": "https://pay.example/x"}',
    "a float": b'{"timestamp": {"_type_": "datetime_iso", "_data_": '
    b'"2026-12-01T10:00:00+00:00"}, "payment_link": 1.5}',
    "a list": b'{"timestamp": {"_type_": "datetime_iso", "_data_": '
    b'"2026-12-01T10:00:00+00:00"}, "payment_link": ["a", {"_type_": "uuid_hex", '
    b'"_data_": "00000000000000000000000000000001"}]}',
    "a class version": b'{"timestamp": {"_type_": "datetime_iso", "_data_": '
    b'"2026-12-01T10:00:00+00:00"}, "payment_link": "x", "class_version": 1}',
    "an unknown tag": b'{"timestamp": {"_type_": "when", "_data_": "today"}}',
    "a tag with nested data": b'{"timestamp": {"_type_": "datetime_iso", "_data_": '
    b'"2026-12-01T10:00:00+00:00"}, "payment_link": {"_type_": "money", "_data_": '
    b'{"minor": {"_type_": "decimal_str", "_data_": "1"}, "currency": "EUR"}}}',
    "money with a bool": b'{"timestamp": {"_type_": "datetime_iso", "_data_": '
    b'"2026-12-01T10:00:00+00:00"}, "payment_link": {"_type_": "money", "_data_": '
    b'{"minor": true, "currency": "EUR"}}}',
    "a dict that is no tag": b'{"timestamp": {"_type_": "datetime_iso", "_data_": '
    b'"2026-12-01T10:00:00+00:00"}, "payment_link": {"a": 1, "b": 2}}',
    "an integer beyond 64 bits": b'{"timestamp": {"_type_": "datetime_iso", "_data_": '
    b'"2026-12-01T10:00:00+00:00"}, "payment_link": 123456789012345678901234567890}',
    "not json": b'{"timestamp": ',
    "not utf-8": b'{"payment_link": "\xff"}',
}


@pytest.mark.parametrize("shape", sorted(ODD_STATES))
def test_leaves_every_unusual_row_to_the_mapper(shape: str, tmp_path: Path) -> None:
    path = str(tmp_path / "orders.db")
    service = build_service(store=path, shops=SHOPS)
    service.save(Order.place(shop_id=115, order_number="O-1", amount=Money(5_00, "EUR")))
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO stored_events (originator_id, originator_version, topic, state)"
            " VALUES (?, 2, ?, ?)",
            (order_id(115, "O-1").hex, TOPIC, ODD_STATES[shape]),
        )
    [*_, odd] = service.recorder.select_notifications(1, 10)

    assert_same_as_the_mapper(service)
    event, bad = EventDecoder(service.mapper).decode(odd)
    expected, expected_bad = decode(service.mapper, odd)
    assert (type(event), bad) == (type(expected), expected_bad)
    assert event is None or vars(event) == vars(expected)
    service.close()


def test_an_unknown_topic_is_unreadable_and_another_aggregates_event_is_passed_over(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "orders.db")
    service = build_service(store=path, shops=SHOPS)
    service.save(Order.place(shop_id=115, order_number="O-1", amount=Money(5_00, "EUR")))
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO stored_events (originator_id, originator_version, topic, state)"
            " VALUES (?, ?, ?, ?)",
            [
                (order_id(115, "O-1").hex, 2, "orderstate.engine.order:Order.Teleported", b"{}"),
                (UUID(int=7).hex, 1, "orderstate.engine.money:Money", b"{}"),
            ],
        )

    fast = assert_same_as_the_mapper(service)
    _, [bad] = read_histories(service.recorder, service.mapper, ORDER_TOPICS)

    assert list(fast) == [order_id(115, "O-1")]
    assert bad.topic == "orderstate.engine.order:Order.Teleported"
    service.close()


# -- Hypothesis: orders walked through the life cycle by any moves ---------------------------

CURRENCIES = ("EUR", "JPY", "PHP", "CLP", "KWD")
ZONES = (UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=3)))


@st.composite
def orders(draw: st.DrawFn, number: int) -> Order:
    currency = draw(st.sampled_from(CURRENCIES))
    limit = draw(
        st.none() | st.builds(datetime.fromtimestamp, st.integers(0, 2**32), st.sampled_from(ZONES))
    )
    order = Order.place(
        shop_id=draw(st.integers(0, 2**40)),
        order_number=f"{number}-{draw(st.text(min_size=1, max_size=20))}",
        amount=Money(draw(st.integers(1, 10**15)), currency),
        auto_capture=draw(st.booleans()),
        time_limit=limit,
        customer_email_given=draw(st.booleans()),
    )
    for move in draw(st.lists(st.sampled_from(MOVES), max_size=12)):
        try:
            move(order)
        except CommandRefused:
            continue
    return order


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 4).flatmap(lambda k: st.tuples(*(orders(n) for n in range(k)))))
def test_drawn_orders_read_and_rebuild_as_repository_get_does(drawn: tuple[Order, ...]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        service = build_service(store=str(Path(directory) / "orders.db"), shops=SHOPS)
        try:
            service.save(*drawn)

            histories = assert_same_as_the_mapper(service)

            assert_orders_equal_repository_get(service, histories)
            assert service.replay_verify().failures == ()
        finally:
            service.close()


def test_the_audit_reports_a_read_model_row_that_disagrees_with_the_rebuilt_order(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "orders.db")
    service = build_service(store=path, shops=SHOPS)
    order = Order.place(shop_id=115, order_number="D-1", amount=Money(5_00, "EUR"))
    order.record_payment_link("https://pay.example/d-1")
    service.save(order, Order.place(shop_id=115, order_number="D-2", amount=Money(7, "EUR")))
    service.projection.catch_up()
    with sqlite3.connect(path) as db:
        db.execute(
            f"UPDATE {ORDERS_TABLE} SET state = 'paid' WHERE id = ?", (str(order_id(115, "D-1")),)
        )

    report = service.replay_verify()

    assert report.failures == ("D-1: replay gives in_progress, the read model paid",)
    service.close()
