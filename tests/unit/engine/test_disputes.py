"""Disputes (chargebacks): opened from a paid order, funds withdrawn, won back or lost."""

from __future__ import annotations

import pytest

from orderstate.engine import GuardFailed, Money, Order, TransitionNotAllowed, project_order

USD = "USD"


def placed() -> Order:
    return Order.place(shop_id=7, order_number="d-1", amount=Money(1000, USD))


def paid() -> Order:
    order = placed()
    order.record_payment_link("https://pay.example/1")
    order.record_capture()
    return order


def completed() -> Order:
    order = paid()
    order.record_clearing_started()
    order.record_settlement()
    return order


def test_a_won_dispute_goes_back_to_where_it_was_opened_and_settlement_goes_on() -> None:
    order = paid()
    order.record_clearing_started()

    order.record_dispute_opened(Money(1000, USD), "fraudulent")
    order.record_dispute_funds_withdrawn(Money(1000, USD))
    order.record_dispute_won()
    order.record_settlement()

    assert order.state == "completed"
    assert (order.disputed, order.withdrawn, order.reinstated) == (
        Money(1000, USD),
        Money(1000, USD),
        Money(1000, USD),
    )
    assert order.dispute_reason == "fraudulent"


def test_a_lost_dispute_ends_charged_back_with_the_whole_amount_withdrawn() -> None:
    order = completed()
    order.record_dispute_opened(Money(1000, USD), "product_not_received")

    order.record_dispute_lost()

    assert order.state == "charged_back"
    assert order.is_final
    assert order.withdrawn == Money(1000, USD)


def test_refuses_a_dispute_over_what_is_left_after_refunds() -> None:
    order = completed()
    order.record_refund(Money(400, USD))

    with pytest.raises(GuardFailed):
        order.record_dispute_opened(Money(700, USD), "general")

    order.record_dispute_opened(Money(600, USD), "general")
    assert order.state == "disputed"
    assert order.dispute_from == "partially_refunded"


def test_refuses_a_second_dispute_after_one_was_won() -> None:
    order = completed()
    order.record_dispute_opened(Money(1000, USD), "general")
    order.record_dispute_won()

    with pytest.raises(GuardFailed):
        order.record_dispute_opened(Money(1000, USD), "general")


def test_refuses_a_win_that_does_not_give_back_what_was_withdrawn() -> None:
    order = completed()
    order.record_dispute_opened(Money(1000, USD), "general")
    order.record_dispute_funds_withdrawn(Money(1000, USD))

    with pytest.raises(GuardFailed):
        order.record_dispute_won(Money(500, USD))


def test_refuses_withdrawing_more_than_was_disputed() -> None:
    order = completed()
    order.record_dispute_opened(Money(300, USD), "general")

    with pytest.raises(GuardFailed):
        order.record_dispute_funds_withdrawn(Money(301, USD))


def test_refunds_are_refused_while_disputed() -> None:
    order = completed()
    order.record_dispute_opened(Money(1000, USD), "general")

    with pytest.raises(TransitionNotAllowed):
        order.request_refund(Money(100, USD))
    with pytest.raises(TransitionNotAllowed):
        order.record_refund(Money(100, USD))


def test_an_unpaid_order_cannot_be_disputed() -> None:
    order = placed()
    order.record_payment_link("https://pay.example/1")

    with pytest.raises(TransitionNotAllowed):
        order.record_dispute_opened(Money(1000, USD), "general")


def test_a_disputed_history_replays_to_the_same_order() -> None:
    order = completed()
    order.record_dispute_opened(Money(1000, USD), "general")
    order.record_dispute_funds_withdrawn(Money(1000, USD))
    order.record_dispute_won()
    events = order.collect_events()

    rebuilt = project_order(None, events)

    assert rebuilt == order
    assert rebuilt is not None
    assert rebuilt.dispute_from == "completed"
