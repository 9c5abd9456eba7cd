"""Group commit: concurrent callbacks saved together, each answered once its transaction commits.

On every store: one transaction for a batch, callbacks of one order applied in arrival order,
one bad callback in a batch never costing the others, a version conflict decided again, and
the bounds (batch size, wait, closing) kept.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from orderstate.adapters.bootstrap import build_service, providers_for
from orderstate.adapters.port import Fact, Shop, Update
from orderstate.adapters.service import (
    Batching,
    CallbackResult,
    GroupCommit,
    GroupCommitClosed,
    InboxItem,
    OrderService,
    Outcome,
)
from orderstate.adapters.service.unreadable import UnreadableHistory
from orderstate.adapters.vertex.payloads import order_to_json
from orderstate.adapters.web import create_app
from orderstate.engine import Money, Order, order_id
from orderstate.testing.vertex_histories import HistorySpec, history
from tests.support.postgres import CountingService
from tests.unit.vertex.helpers import SECRET, signed

SHOPS = {115: Shop((SECRET,))}
LONG_WAIT = Batching(max_batch=64, max_wait=0.5)
"""Long enough that every callback a test submits at once lands in one batch."""


class SaveLog(CountingService):
    """The real service, recording what each transaction saved (inbox items and orders)."""

    name = OrderService.name  # eventsourcing names PostgreSQL tables after the class

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.transactions: list[list[Any]] = []

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        self.transactions.append([obj for obj in objs if obj is not None])
        return super().save(*objs, **kwargs)

    def callback_transactions(self) -> list[list[UUID]]:
        """The inbox item ids of each transaction that saved callbacks."""
        saved = [[o.id for o in objs if isinstance(o, InboxItem)] for objs in self.transactions]
        return [ids for ids in saved if ids]


@pytest.fixture
def service(store: str) -> Iterator[SaveLog]:
    opened = SaveLog(store=store, shops=SHOPS)
    yield opened
    opened.close()


def spec(number: str) -> HistorySpec:
    return HistorySpec(shop_id=115, order_number=number, cost=Money(1000 + len(number), "PHP"))


def bodies(outcome: str, number: str) -> list[bytes]:
    return [json.dumps(order_to_json(s)).encode() for s in history(outcome, spec(number))]


def headers(body: bytes) -> list[tuple[str, str]]:
    return list(signed(body).items())


def place(service: OrderService, *numbers: str) -> None:
    for number in numbers:
        service.place(shop_id=115, order_number=number, amount=spec(number).cost)


def submit_all(front_door: GroupCommit, payloads: list[bytes]) -> list[Future[CallbackResult]]:
    return [front_door.submit(115, body, headers(body)) for body in payloads]


def outcomes(futures: list[Future[CallbackResult]]) -> list[str]:
    return [future.result(timeout=10).outcome.value for future in futures]


def events_of(service: OrderService, number: str) -> list[str]:
    return [type(event).__name__ for event in service.history(115, number)]


def test_saves_the_callbacks_of_many_orders_in_one_transaction(service: SaveLog) -> None:
    numbers = [f"many-{n}" for n in range(12)]
    place(service, *numbers)
    payloads = [bodies("paid_and_cleared", number)[1] for number in numbers]  # each one's capture
    service.transactions.clear()

    with service.group_commit(LONG_WAIT) as front_door:
        futures = submit_all(front_door, payloads)
        answered = outcomes(futures)

    assert answered == ["applied"] * len(numbers)
    assert len(service.callback_transactions()) == 1
    assert {service.view(115, number).state for number in numbers} == {"clearing"}
    assert [future.result().inbox_id for future in futures] == service.callback_transactions()[0]
    assert front_door.stats.batches == 1
    assert front_door.stats.largest == len(numbers)


def test_applies_callbacks_of_one_order_in_one_batch_in_arrival_order(service: SaveLog) -> None:
    place(service, "twice")
    payloads = bodies("partially_refunded", "twice")
    clean = build_service(shops=SHOPS)
    place(clean, "twice")
    expected = [clean.handle_callback(115, body, headers(body)) for body in payloads]

    with service.group_commit(LONG_WAIT) as front_door:
        futures = submit_all(front_door, [*payloads, payloads[1]])  # and a late copy

    results = [future.result(timeout=10) for future in futures]
    assert len(service.callback_transactions()) == 1
    assert [(r.outcome, r.events) for r in results[:-1]] == [
        (r.outcome, r.events) for r in expected
    ]
    assert results[-1].outcome in (Outcome.DUPLICATE, Outcome.STALE)  # it saw what came first
    assert results[-1].events == ()
    assert events_of(service, "twice") == events_of(clean, "twice")
    assert service.view(115, "twice").state == "partially_refunded"
    assert service.replay_verify().failures == ()


def test_a_later_snapshot_first_makes_the_earlier_one_stale_in_the_same_batch(
    service: SaveLog,
) -> None:
    place(service, "late")
    first, captured, settled = bodies("paid_and_cleared", "late")[:3]

    with service.group_commit(LONG_WAIT) as front_door:
        answered = outcomes(submit_all(front_door, [first, settled, captured]))

    assert answered == ["applied", "applied", "stale"]
    assert service.view(115, "late").state == "completed"
    assert len(service.callback_transactions()) == 1


class _BugFor:
    """The Vertex provider with a bug: bringing one order up to date raises."""

    def __init__(self, order_number: str) -> None:
        self.vertex = providers_for()[0]
        self.name = self.vertex.name
        self.order_number = order_number

    def __getattr__(self, name: str) -> object:
        return getattr(self.vertex, name)

    def bring_up_to_date(self, order: Order, fact: Fact) -> Update:
        if fact.order_number == self.order_number:
            raise KeyError("a bug in the translator")
        update: Update = self.vertex.bring_up_to_date(order, fact)
        return update


def test_a_callback_that_raises_in_a_batch_costs_the_others_nothing(store: str) -> None:
    service = SaveLog(store=store, shops=SHOPS, providers=[_BugFor("bad")])
    place(service, "good-1", "bad", "good-2")
    payloads = [bodies("paid_and_cleared", number)[1] for number in ("good-1", "bad", "good-2")]
    altered = payloads[0].replace(b"good-1", b"good-3")  # its signature no longer matches

    with service.group_commit(LONG_WAIT) as front_door:
        good_1, bad, good_2 = submit_all(front_door, payloads)
        forged = front_door.submit(115, altered, headers(payloads[0]))
        with pytest.raises(KeyError, match="a bug in the translator"):
            bad.result(timeout=10)

    assert good_1.result().outcome is Outcome.APPLIED
    assert good_2.result().outcome is Outcome.APPLIED
    assert forged.result().outcome is Outcome.UNAUTHENTICATED
    assert service.view(115, "good-1").state == "clearing"
    assert service.view(115, "good-2").state == "clearing"
    assert service.view(115, "bad").state == "created"  # nothing appended
    kept = [item for item in service.inbox_items() if item.body == payloads[1]]
    assert [item.status for item in kept] == ["received"]  # its raw callback is kept
    assert front_door.stats.one_by_one == 1
    service.close()


def test_a_batch_that_lost_a_race_for_an_order_is_decided_again(shared_store: str) -> None:
    service = SaveLog(store=shared_store, shops=SHOPS)
    other = build_service(store=shared_store, shops=SHOPS)
    place(service, "race", "calm")
    race = bodies("paid_and_cleared", "race")
    service.before_order_save = lambda: other.handle_callback(115, race[1], headers(race[1]))

    with service.group_commit(LONG_WAIT) as front_door:
        answered = outcomes(
            submit_all(front_door, [race[1], race[2], bodies("paid_and_cleared", "calm")[1]])
        )

    assert answered == ["duplicate", "applied", "applied"]  # the capture came in elsewhere
    assert service.conflicts == 1
    assert front_door.stats.retried == 1
    assert service.view(115, "race").state == "completed"
    assert events_of(service, "race").count("PaymentCaptured") == 1
    other.close()
    service.close()


def test_a_later_batch_decides_on_the_orders_an_earlier_one_committed_without_a_read(
    service: SaveLog,
) -> None:
    place(service, "kept")
    first, captured, settled = bodies("paid_and_cleared", "kept")[:3]

    with service.group_commit(LONG_WAIT) as front_door:
        answered = [outcomes(submit_all(front_door, [body])) for body in (first, captured)]
        reads_before = front_door.stats.reused
        answered.append(outcomes(submit_all(front_door, [settled])))

    assert answered == [["applied"], ["applied"], ["applied"]]
    assert front_door.stats.reused == reads_before + 1 == 2
    assert events_of(service, "kept")[-1] == "OrderSettled"


@pytest.mark.parametrize("writer", ["another service", "this service, not batched"])
def test_an_order_written_by_anyone_else_is_read_again_before_the_next_batch(
    shared_store: str, writer: str
) -> None:
    service = SaveLog(store=shared_store, shops=SHOPS)
    other = build_service(store=shared_store, shops=SHOPS)
    place(service, "moved")
    first, captured, settled = bodies("paid_and_cleared", "moved")[:3]
    elsewhere = other if writer == "another service" else service

    with service.group_commit(LONG_WAIT) as front_door:
        outcomes(submit_all(front_door, [first]))  # the order is kept, as of this batch
        elsewhere.handle_callback(115, settled, headers(settled))  # then it moves on
        answered = outcomes(submit_all(front_door, [captured]))

    assert answered == ["stale"]  # decided on the order as it is, not as it was kept
    assert (service.conflicts, front_door.stats.retried) == (0, 0)
    assert front_door.stats.reused == 0
    assert events_of(service, "moved").count("PaymentCaptured") == 1
    other.close()
    service.close()


def test_a_batch_holds_at_most_max_batch_callbacks_first_come_first_served(
    service: SaveLog,
) -> None:
    numbers = [f"bound-{n}" for n in range(10)]
    place(service, *numbers)
    payloads = [bodies("paid_and_cleared", number)[1] for number in numbers]
    service.transactions.clear()

    with service.group_commit(Batching(max_batch=4, max_wait=0.5)) as front_door:
        futures = submit_all(front_door, payloads)
        outcomes(futures)

    ids = [future.result().inbox_id for future in futures]
    assert service.callback_transactions() == [ids[0:4], ids[4:8], ids[8:10]]
    assert front_door.stats.largest == 4


def test_a_lone_callback_waits_no_longer_than_max_wait() -> None:
    service = build_service(shops=SHOPS)
    place(service, "alone")
    body = bodies("paid_and_cleared", "alone")[1]
    front_door = service.group_commit(Batching(max_batch=64, max_wait=0.01))

    result = front_door.submit(115, body, headers(body)).result(timeout=5)

    assert result.outcome is Outcome.APPLIED
    front_door.close()


def test_closing_finishes_what_was_submitted_and_takes_no_more() -> None:
    service = build_service(shops=SHOPS)
    place(service, "closing")
    body = bodies("paid_and_cleared", "closing")[1]
    front_door = service.group_commit(Batching(max_batch=64, max_wait=1.0))
    pending = front_door.submit(115, body, headers(body))

    front_door.close()

    assert pending.done()
    assert pending.result().outcome is Outcome.APPLIED
    with pytest.raises(GroupCommitClosed):
        front_door.submit(115, body, headers(body))


def test_many_threads_submitting_end_as_one_thread_handling_them_in_order(
    shared_store: str,
) -> None:
    service = SaveLog(store=shared_store, shops=SHOPS)
    numbers = [f"thread-{n}" for n in range(16)]
    place(service, *numbers)
    clean = build_service(shops=SHOPS)
    place(clean, *numbers)
    chains = {number: bodies("partially_refunded", number) for number in numbers}
    for chain in chains.values():
        for body in chain:
            clean.handle_callback(115, body, headers(body))
    front_door = service.group_commit(Batching(max_batch=8, max_wait=0.002))
    failures: list[BaseException] = []

    def provider_connection(chain: list[bytes]) -> None:
        try:
            for body in chain:  # one after the other, as the provider sends an order's
                front_door.handle(115, body, headers(body))
        except BaseException as error:  # pragma: no cover - reported by the assert below
            failures.append(error)

    threads = [threading.Thread(target=provider_connection, args=(c,)) for c in chains.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    front_door.close()

    assert failures == []
    assert {n: events_of(service, n) for n in numbers} == {n: events_of(clean, n) for n in numbers}
    assert front_door.stats.batches < front_door.stats.callbacks  # some were grouped
    service.close()


@pytest.mark.parametrize(
    ("settings", "error"),
    [
        ({"max_batch": 0}, ValueError),
        ({"max_batch": True}, TypeError),
        ({"max_batch": 2.5}, TypeError),
        ({"max_wait": -0.001}, ValueError),
        ({"max_wait": 2}, ValueError),
        ({"max_wait": float("nan")}, ValueError),
    ],
)
def test_refuses_batching_settings_out_of_bounds(
    settings: Mapping[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        Batching(**settings)


# -- the webhook app ------------------------------------------------------------------------


async def _post_together(app: Any, payloads: list[bytes]) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://webhook.test") as http:
        return list(
            await asyncio.gather(
                *(
                    http.post("/callbacks/vertex/115", content=body, headers=signed(body))
                    for body in payloads
                )
            )
        )


@pytest.mark.parametrize(
    ("batching", "transactions"), [(LONG_WAIT, 1), (None, 6)], ids=["grouped", "one-by-one"]
)
def test_the_webhook_app_saves_requests_in_flight_together(
    batching: Batching | None, transactions: int
) -> None:
    service = SaveLog(store="memory", shops=SHOPS)
    numbers = [f"web-{n}" for n in range(6)]
    place(service, *numbers)
    payloads = [bodies("paid_and_cleared", number)[1] for number in numbers]

    answers = asyncio.run(_post_together(create_app(service, batching=batching), payloads))

    assert [answer.status_code for answer in answers] == [200] * len(numbers)
    assert len(service.callback_transactions()) == transactions
    stored = {UUID(answer.json()["inbox_id"]) for answer in answers}
    assert stored == {i for ids in service.callback_transactions() for i in ids}


def test_a_batch_loads_its_orders_in_one_read_on_sqlite_and_one_by_one_elsewhere(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = SaveLog(store=store, shops=SHOPS)
    numbers = [f"one-read-{n}" for n in range(12)]
    place(service, *numbers)
    payloads = [bodies("paid_and_cleared", number)[1] for number in numbers]
    gets: list[UUID] = []
    get = service.orders.get
    monkeypatch.setattr(service.orders, "get", lambda oid: gets.append(oid) or get(oid))

    with service.group_commit(LONG_WAIT) as front_door:
        answered = outcomes(submit_all(front_door, payloads))

    assert answered == ["applied"] * len(numbers)
    assert front_door.stats.batches == 1
    assert len(gets) == (0 if front_door.loader.bulk else len(numbers))
    assert front_door.loader.bulk == store.endswith(".db")
    service.close()


def test_an_order_whose_history_does_not_read_costs_the_batch_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "orders.db")
    service = SaveLog(store=path, shops=SHOPS)
    place(service, "fine", "broken")
    with sqlite3.connect(path) as db:  # a foreign writer's event, under a topic unknown here
        db.execute(
            "INSERT INTO stored_events (originator_id, originator_version, topic, state)"
            " VALUES (?, 2, ?, ?)",
            (order_id(115, "broken").hex, "orderstate.engine.order:Order.Teleported", b"{}"),
        )
    payloads = [bodies("paid_and_cleared", number)[1] for number in ("fine", "broken")]

    with service.group_commit(LONG_WAIT) as front_door:
        fine, broken = submit_all(front_door, payloads)
        with pytest.raises(UnreadableHistory):
            broken.result(timeout=10)

    assert fine.result().outcome is Outcome.APPLIED
    assert service.view(115, "fine").state == "clearing"
    assert front_door.stats.one_by_one == 1
    service.close()
