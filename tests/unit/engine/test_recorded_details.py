"""What an order records beyond its state: reasons, and the amounts a default stands for."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from orderstate.engine import Money, Order

from .builders import link, php, placed, settled, walk


def mismatched() -> Order:
    return walk(placed(), link, lambda o: o.record_mismatch(php("50")))


def test_a_mismatch_resolved_as_cancelled_keeps_nothing_by_default() -> None:
    order = mismatched()

    order.resolve_mismatch("cancelled")

    assert order.state == "cancelled"
    assert order.captured == order.authorized == Money(0, "PHP")
    assert order.mismatch is None


def test_a_mismatch_resolved_as_completed_keeps_the_order_amount_by_default() -> None:
    order = mismatched()

    order.resolve_mismatch("completed")

    assert order.state == "completed"
    assert order.captured == order.amount


def test_an_order_expired_into_failed_says_it_expired() -> None:
    deadline = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    order = Order.place(shop_id=1, order_number="x-1", amount=php("1"), time_limit=deadline)

    order.expire(deadline + timedelta(seconds=1), ends_in="failed")

    assert (order.state, order.reason) == ("failed", "expired")


def test_a_declined_request_keeps_the_providers_reason() -> None:
    order = walk(settled(), lambda o: o.request_refund(php("10")))
    order.collect_events()

    order.record_request_declined("412 Precondition failed")

    (declined,) = order.collect_events()
    assert declined.reason == "412 Precondition failed"


@pytest.mark.parametrize(
    ("command", "state", "default"),
    [
        pytest.param(
            Order.record_cancellation, "cancelled", "cancelled by the merchant", id="cancel"
        ),
        pytest.param(Order.record_rejection, "rejected", "rejected by the merchant", id="reject"),
    ],
)
def test_an_ending_records_its_reason_or_the_default_one(
    command: Callable[..., None], state: str, default: str
) -> None:
    given, defaulted = walk(placed(number="a"), link), walk(placed(number="b"), link)

    command(given, "customer asked")
    command(defaulted)

    assert (given.state, given.reason) == (state, "customer asked")
    assert (defaulted.state, defaulted.reason) == (state, default)


def test_a_declined_review_records_its_reason_or_the_default_one() -> None:
    given = walk(placed(number="a"), link, Order.record_review_started)
    defaulted = walk(placed(number="b"), link, Order.record_review_started)

    given.record_review_declined("card on a block list")
    defaulted.record_review_declined()

    assert (given.state, given.reason) == ("failed", "card on a block list")
    assert (defaulted.state, defaulted.reason) == ("failed", "declined by antifraud review")


def test_a_two_stage_capture_takes_what_was_authorized_by_default() -> None:
    order = walk(placed(auto_capture=False), link, lambda o: o.record_authorization(php("50")))

    order.record_capture()

    assert (order.state, order.captured) == ("paid", php("50"))


def test_every_event_carries_the_time_it_was_recorded_in_utc() -> None:
    events = settled().collect_events()

    assert all(event.timestamp.utcoffset() == timedelta(0) for event in events)
