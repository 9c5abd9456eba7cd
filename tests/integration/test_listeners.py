"""Followers of the log: a shop's side effects hear every stored order event, at least once,
in order, with a stable key; never inside the request that stored it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.service import Backoff, Operation, OrderService, OrderUpdate, Shop
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
HEADERS = [("api-notification-sign", sign(BODY, "s3cret"))]
NO_WAIT = Backoff(first=0.0, most=0.0)


def placed(store: str = "memory") -> OrderService:
    service = build_service(store=store, shops={115: Shop(("s3cret",))}, backoff=NO_WAIT)
    service.place(shop_id=115, order_number="L-1", amount=Money.parse("1.00", "EUR"))
    return service


def test_followers_hear_each_stored_event_in_order_once_the_worker_runs() -> None:
    service = placed()
    heard: list[OrderUpdate] = []
    service.subscribe(heard.append, name="heard")
    service.handle_callback(115, BODY, HEADERS)
    service.handle_callback(115, BODY, HEADERS)  # a duplicate: stores no order event
    service.request(Operation.REFUND, 115, "L-1", Money.parse("0.40", "EUR"))
    assert heard == []  # nothing runs in the request

    service.work()

    assert [u.events for u in heard] == [
        ("OrderPlaced",),
        ("PaymentLinkIssued",),
        ("PaymentCaptured",),
        ("ConfirmationEmailDue",),
        ("ClearingStarted",),
        ("OrderSettled",),
        ("RefundRequested",),
    ]
    assert [u.view.version for u in heard] == list(range(1, 8))
    assert heard[2].view.state == "paid"  # the order as of that event, not as of now
    assert heard[-1].view.pending == "refund"
    assert len({u.key for u in heard}) == 7
    assert [u.position for u in heard] == sorted(u.position for u in heard)
    service.close()


def test_a_forged_callback_reaches_no_follower() -> None:
    service = placed()
    heard: list[OrderUpdate] = []
    service.subscribe(heard.append, name="heard")
    service.work()
    before = len(heard)

    result = service.handle_callback(115, BODY, [("api-notification-sign", "0" * 128)])
    service.work()

    assert result.outcome == "unauthenticated"
    assert len(heard) == before
    service.close()


def test_a_failing_follower_fails_neither_the_callback_nor_the_other_followers() -> None:
    service = placed()
    shipped: list[str] = []
    down = [True]

    def ship(update: OrderUpdate) -> None:
        if "PaymentCaptured" in update.events:
            if down[0]:
                raise ConnectionError("warehouse unreachable")
            shipped.append(update.key)

    heard: list[OrderUpdate] = []
    service.subscribe(ship, name="shipping")
    service.subscribe(heard.append, name="heard")

    result = service.handle_callback(115, BODY, HEADERS)
    service.work()
    failing = {s.name: s for s in service.follower_status()}
    down[0] = False
    service.work()
    service.work()

    assert result.outcome == "applied"
    assert failing["shipping"].failures == 1
    assert failing["shipping"].last_error == "ConnectionError: warehouse unreachable"
    assert failing["shipping"].lag > 0
    assert len(heard) == 6  # the other follower went on
    assert len(shipped) == 1
    status = {s.name: s for s in service.follower_status()}["shipping"]
    assert (status.failures, status.last_error, status.lag) == (0, None, 0)
    service.close()


def test_a_failing_follower_waits_out_its_backoff() -> None:
    service = build_service(shops={115: Shop(("s3cret",))}, backoff=Backoff(first=60.0))
    calls: list[str] = []

    def broken(update: OrderUpdate) -> None:
        calls.append(update.key)
        raise RuntimeError("down")

    service.subscribe(broken, name="broken")
    service.place(shop_id=115, order_number="L-1", amount=Money.parse("1.00", "EUR"))

    service.work()
    service.work()
    service.work(retry_failed=True)

    assert len(calls) == 2  # once, skipped during the backoff, once more when forced
    assert len(set(calls)) == 1  # the same update, with the same key
    service.close()


def test_a_restarted_follower_resumes_from_its_recorded_position(tmp_path: Path) -> None:
    store = str(tmp_path / "orders.db")
    first = placed(store)
    heard: list[OrderUpdate] = []
    first.subscribe(heard.append, name="heard")
    first.work()
    first.handle_callback(115, BODY, HEADERS)
    first.close()

    again = build_service(store=store, shops={115: Shop(("s3cret",))})
    later: list[OrderUpdate] = []
    again.subscribe(later.append, name="heard")
    again.work()

    assert [u.events[0] for u in heard] == ["OrderPlaced"]
    assert later[0].events == ("PaymentLinkIssued",)
    assert {u.key for u in heard}.isdisjoint({u.key for u in later})
    again.close()


def test_a_follower_name_is_its_identity_and_taken_once() -> None:
    service = build_service()
    service.subscribe(print, name="printer")

    with pytest.raises(ValueError, match="printer"):
        service.subscribe(print, name="printer")
    service.close()
