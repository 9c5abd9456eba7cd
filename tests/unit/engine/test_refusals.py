"""A refused command says what was refused: the order, its state, the event and why.

Callers log these attributes and the service maps them to answers, so each command must name
its own event, not just raise the right class.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from orderstate.engine import (
    CommandRefused,
    DeadlineNotReached,
    GuardFailed,
    InvalidAmount,
    Money,
    OperationPending,
    Order,
    Request,
    TransitionNotAllowed,
)

from .builders import link, php, placed, settled, walk

DEADLINE = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def authorized() -> Order:
    return walk(placed(auto_capture=False), link, lambda o: o.record_authorization(php("56.99")))


def refusal(command: Callable[[], object]) -> CommandRefused:
    with pytest.raises(CommandRefused) as refused:
        command()
    return refused.value


@pytest.mark.parametrize(
    ("pending", "second", "event"),
    [
        pytest.param(Order.request_cancel, Order.request_capture, "CaptureRequested", id="capture"),
        pytest.param(Order.request_capture, Order.request_cancel, "CancelRequested", id="cancel"),
    ],
)
def test_a_second_request_is_refused_naming_its_event_and_the_pending_one(
    pending: Callable[[Order], None], second: Callable[[Order], None], event: str
) -> None:
    order = walk(authorized(), pending)

    refused = refusal(lambda: second(order))

    assert type(refused) is OperationPending
    assert (refused.order_id, refused.state, refused.event) == (order.id, "authorized", event)
    assert refused.reason == f"a {order.pending} is already pending"


def test_a_second_refund_request_is_refused_naming_refund_requested() -> None:
    order = walk(settled(), lambda o: o.request_refund(php("10")))

    refused = refusal(lambda: order.request_refund(php("5")))

    assert type(refused) is OperationPending
    assert (refused.state, refused.event) == ("completed", "RefundRequested")
    assert refused.reason == "a refund is already pending"


def test_declining_when_nothing_is_pending_is_refused_naming_request_declined() -> None:
    order = settled()

    refused = refusal(lambda: order.record_request_declined("412"))

    assert type(refused) is OperationPending
    assert (refused.order_id, refused.state) == (order.id, "completed")
    assert (refused.event, refused.reason) == ("RequestDeclined", "no operation is pending")


@pytest.mark.parametrize(
    ("ends_in", "event"),
    [("cancelled", "OrderCancelled"), ("failed", "OrderFailed")],
)
def test_an_early_expiry_is_refused_naming_the_event_it_would_take(
    ends_in: str, event: str
) -> None:
    order = Order.place(shop_id=1, order_number="x-1", amount=php("1"), time_limit=DEADLINE)
    now = DEADLINE - timedelta(minutes=1)

    refused = refusal(lambda: order.expire(now, ends_in=ends_in))  # type: ignore[arg-type]

    assert type(refused) is DeadlineNotReached
    assert (refused.state, refused.event) == ("created", event)
    assert refused.reason == f"time limit {DEADLINE} not passed at {now}"


def test_an_amount_given_to_a_request_that_takes_none_is_named_in_the_refusal() -> None:
    order = authorized()

    with pytest.raises(InvalidAmount) as refused:
        order.request(Request.CAPTURE, php("1"))

    assert (refused.value.value, refused.value.currency) == (php("1"), "PHP")
    assert refused.value.reason == "a capture request takes no amount"


def test_a_guard_refusal_lists_the_events_own_data_not_its_envelope() -> None:
    order = settled()

    refused = refusal(lambda: order.request_refund(php("57")))

    assert (refused.state, refused.event) == ("completed", "RefundRequested")
    assert refused.reason == f"guard refund_within_balance refused {{'amount': {php('57')!r}}}"


def test_an_empty_payment_link_is_refused_and_nothing_is_appended() -> None:
    order = placed()
    order.collect_events()

    refused = refusal(lambda: order.record_payment_link(""))

    assert type(refused) is GuardFailed
    assert (refused.state, refused.event) == ("created", "PaymentLinkIssued")
    assert refused.reason == "the payment link is empty"
    assert order.collect_events() == []


def test_a_refusal_reads_as_order_event_state_and_reason() -> None:
    order = settled()

    refused = refusal(lambda: order.record_request_declined("412"))

    assert str(refused) == (
        f"order {order.id}: cannot RequestDeclined in state 'completed': no operation is pending"
    )


def test_a_move_the_life_cycle_lacks_is_refused_saying_so() -> None:
    order = placed()

    refused = refusal(order.record_settlement)

    assert type(refused) is TransitionNotAllowed
    assert (refused.state, refused.event) == ("created", "OrderSettled")
    assert refused.reason == "the life cycle has no such move"


def test_a_refusal_by_several_guards_names_them_all() -> None:
    order = settled()
    too_much = php("57")

    refused = refusal(lambda: order.record_refund(too_much))

    assert type(refused) is GuardFailed
    assert refused.event == "RefundSucceeded"
    assert refused.reason == (
        f"guard refund_leaves_balance / refund_clears_balance refused {{'amount': {too_much!r}}}"
    )


def test_an_amount_in_another_currency_is_refused_naming_the_event() -> None:
    order = settled()

    refused = refusal(lambda: order.record_refund(Money(1, "EUR")))

    assert type(refused) is GuardFailed
    assert refused.event == "RefundSucceeded"
    assert refused.reason == "0.01 EUR is not in the order's currency PHP"


def test_an_early_lapse_is_refused_naming_order_expired() -> None:
    order = Order.place(shop_id=1, order_number="x-1", amount=php("1"), time_limit=DEADLINE)
    now = DEADLINE - timedelta(minutes=1)

    refused = refusal(lambda: order.lapse(now))

    assert type(refused) is DeadlineNotReached
    assert (refused.state, refused.event) == ("created", "OrderExpired")
    assert refused.reason == f"time limit {DEADLINE} not passed at {now}"


def test_a_lapse_at_the_time_limit_itself_is_refused_and_just_after_it_is_recorded() -> None:
    """The time limit is the last moment the order may still be paid: it lapses only after."""
    order = Order.place(shop_id=1, order_number="x-2", amount=php("1"), time_limit=DEADLINE)

    refused = refusal(lambda: order.lapse(DEADLINE))

    assert type(refused) is DeadlineNotReached
    order.lapse(DEADLINE + timedelta(microseconds=1))
    assert order.state == "expired"
