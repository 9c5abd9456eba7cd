"""The persisted read model: rows and position in one transaction; a start reads only what is
new; several services (processes) catching up at once are safe."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from orderstate.adapters.service import OrderView
from orderstate.adapters.service.readmodel import READ_MODEL
from orderstate.adapters.service.readstore import OrderRow
from orderstate.engine import Money, order_id
from orderstate.testing.vertex_histories import OUTCOMES, HistorySpec, history
from tests.support.postgres import Open, callback

EUR_10 = Money.parse("10.00", "EUR")


def fill(service: object, orders: int) -> None:
    for n in range(orders):
        number = f"R-{n}"
        service.place(shop_id=1, order_number=number, amount=EUR_10)  # type: ignore[attr-defined]
        for snapshot in history("paid_and_cleared", HistorySpec(1, number, EUR_10)):
            item = callback(snapshot)
            service.handle_callback(item.shop_id, item.body, item.headers)  # type: ignore[attr-defined]


def test_the_list_of_orders_is_read_from_rows_and_equals_each_orders_own_view(
    store: str, open_service: Open, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = open_service(store)
    for n, outcome in enumerate(sorted(OUTCOMES)):
        number, cost = f"L-{n}", Money(1_000 + n, "EUR")
        service.place(shop_id=1, order_number=number, amount=cost)
        for snapshot in history(outcome, HistorySpec(1, number, cost)):
            item = callback(snapshot)
            service.handle_callback(item.shop_id, item.body, item.headers)
    service.place(shop_id=1, order_number="L-pending", amount=EUR_10)
    pending = order_id(1, "L-pending")
    service.orders.change(pending, lambda order: order.record_payment_link("https://p/1"))
    service.orders.change(pending, lambda order: order.request_cancel())
    service.projection.catch_up()  # as any start does; what follows must read rows only
    with monkeypatch.context() as patched:  # rows only: loading an order would fail the test
        patched.setattr(service.repository, "get", _must_not_load)

        listed = service.list_orders()
        in_progress = service.list_orders(state="in_progress")

    own = sorted(
        (OrderView.of(service.orders.require(1, v.order_number)) for v in listed),
        key=lambda v: (v.changed_at, v.shop_id, v.order_number),
    )
    assert listed == own
    assert [v.changed_at for v in listed] == [v.changed_at for v in own]
    assert {v.state for v in listed} >= {"completed", "refunded", "need_action", "cancelled"}
    assert in_progress == [v for v in listed if v.state == "in_progress"]
    assert [v.pending for v in in_progress if v.order_number == "L-pending"] == ["cancel"]


def _must_not_load(*args: object, **kwargs: object) -> None:
    raise AssertionError(f"an order was loaded: {args}")


def test_a_restart_reads_only_the_notifications_written_since(
    shared_store: str, open_service: Open
) -> None:
    first = open_service(shared_store)
    fill(first, 12)
    before = first.orders_by_state()
    head = first.recorder.max_notification_id()
    first.close()

    again = open_service(shared_store)
    after_restart = again.orders_by_state()
    read_at_start = again.projection.reader.read
    again.place(shop_id=1, order_number="R-new", amount=EUR_10)
    with_one_more = again.orders_by_state()

    assert after_restart == before
    assert [(t.state, t.count) for t in before] == [("completed", 12)]
    assert read_at_start == 0  # nothing re-read: the rows and their position were stored
    assert again.projection.reader.read == 1  # only the new OrderPlaced
    assert [(t.state, t.count) for t in with_one_more] == [("completed", 12), ("created", 1)]
    assert again.projection.position == again.recorder.max_notification_id() > (head or 0)


def test_rebuild_reads_the_whole_log_again_and_gives_the_same_rows(
    store: str, open_service: Open
) -> None:
    service = open_service(store)
    fill(service, 3)
    caught_up = service.orders_by_state()
    read = service.projection.reader.read

    rebuilt = service.orders_by_state(rebuild=True)

    assert rebuilt == caught_up
    assert service.projection.reader.read == 2 * read


def test_rows_and_position_are_written_together_or_not_at_all(
    store: str, open_service: Open
) -> None:
    service = open_service(store)
    fill(service, 1)
    service.orders_by_state()
    position = service.projection.position
    row = OrderRow(
        uuid4(), 1, "ghost", "paid", 1000, "EUR", 3, datetime.now(UTC), None, final=False
    )

    with pytest.raises(IntegrityError):
        service.read_store.write(Tracking(READ_MODEL, position), [row], [])

    assert row.id not in service.read_store.orders_by_id([row.id])
    assert service.projection.position == position


def test_services_sharing_a_store_catch_up_concurrently(
    shared_store: str, open_service: Open
) -> None:
    writer = open_service(shared_store)
    fill(writer, 8)
    readers = [open_service(shared_store) for _ in range(3)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(readers))

    def catch_up(service: object) -> None:
        try:
            start.wait()
            service.projection.catch_up()  # type: ignore[attr-defined]
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=catch_up, args=(r,)) for r in readers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert [(t.state, t.count) for t in readers[0].orders_by_state()] == [("completed", 8)]
    assert readers[0].projection.position == writer.recorder.max_notification_id()


class CaughtUpFirstByAnother:
    """A read store whose first write comes after another service's catch-up (a lost race)."""

    def __init__(self, store: object, other: object) -> None:
        self._store = store
        self._other = other
        self.lost = 0

    def write(self, *args: object) -> None:
        if not self.lost:
            self._other.projection.catch_up()  # type: ignore[attr-defined]
        try:
            self._store.write(*args)  # type: ignore[attr-defined]
        except IntegrityError:
            self.lost += 1
            raise

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)


def test_a_process_that_loses_the_catch_up_race_reads_on_from_the_winner(
    shared_store: str, open_service: Open
) -> None:
    writer = open_service(shared_store)
    fill(writer, 2)
    loser, winner = open_service(shared_store), open_service(shared_store)
    racing = CaughtUpFirstByAnother(loser.read_store, winner)
    loser.projection.store = racing  # type: ignore[assignment]

    loser.projection.catch_up()

    assert racing.lost == 1
    assert loser.projection.position == winner.projection.position
    assert [(t.state, t.count) for t in loser.orders_by_state()] == [("completed", 2)]
