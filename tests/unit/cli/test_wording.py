"""Refusals in the merchant's words: order reference, amounts in the currency, allowed now."""

from __future__ import annotations

from dataclasses import replace

import pytest

from orderstate.adapters.cli import wording
from orderstate.adapters.service import OrderView
from orderstate.engine import CommandRefused, Money, Order, Request, State


def php(text: str) -> Money:
    return Money.parse(text, "PHP")


def placed(number: str = "P-1", amount: str = "20.00") -> Order:
    order = Order.place(shop_id=115, order_number=number, amount=php(amount))
    order.record_payment_link("https://pay.example/1")
    return order


def completed(amount: str = "20.00") -> Order:
    order = placed(amount=amount)
    order.record_capture()
    order.record_clearing_started()
    order.record_settlement()
    return order


def refused(order: Order, request: Request, amount: Money | None = None) -> str:
    with pytest.raises(CommandRefused) as caught:
        order.request(request, amount)
    return wording.refusal(caught.value, OrderView.of(order), amount=amount)


def test_a_refund_over_the_balance_names_what_is_still_refundable() -> None:
    order = completed()

    message = refused(order, Request.REFUND, php("20.01"))

    assert message == "115/P-1: refund 20.01 PHP exceeds the 20.00 PHP still refundable"


def test_the_refundable_balance_counts_earlier_refunds() -> None:
    order = completed()
    order.request_refund(php("5.00"))
    order.record_refund(php("5.00"))

    message = refused(order, Request.REFUND, php("15.01"))

    assert message == "115/P-1: refund 15.01 PHP exceeds the 15.00 PHP still refundable"


def test_a_refund_of_zero_must_be_above_zero() -> None:
    message = refused(completed(), Request.REFUND, php("0"))

    assert message == "115/P-1: a refund must be above zero"


def test_a_refund_before_capture_says_nothing_was_captured_and_what_is_allowed() -> None:
    message = refused(placed(number="X-10"), Request.REFUND, php("1.00"))

    assert message == (
        "115/X-10: cannot refund: the order is in_progress (nothing captured yet); "
        "allowed now: cancel"
    )


def test_a_capture_of_a_completed_order_offers_a_refund() -> None:
    message = refused(completed(), Request.CAPTURE)

    assert message == "115/P-1: cannot capture: the order is completed; allowed now: refund"


def test_a_final_order_allows_nothing() -> None:
    order = placed()
    order.record_failure("declined")

    message = refused(order, Request.CANCEL)

    assert message == "115/P-1: cannot cancel: the order is failed (final); allowed now: nothing"


def test_a_second_request_while_one_is_pending_says_which_one_waits() -> None:
    order = completed()
    order.request_refund(php("5.00"))

    message = refused(order, Request.REFUND, php("1.00"))

    assert message.startswith("115/P-1: cannot refund: a refund is already awaiting")


def test_amounts_use_the_currency_s_exponent() -> None:
    order = Order.place(shop_id=115, order_number="J-1", amount=Money.parse("500", "JPY"))
    order.record_payment_link("https://pay.example/2")
    order.record_capture()
    order.record_clearing_started()
    order.record_settlement()

    message = refused(order, Request.REFUND, Money.parse("501", "JPY"))

    assert message == "115/J-1: refund 501 JPY exceeds the 500 JPY still refundable"


@pytest.mark.parametrize(
    ("state", "allowed"),
    [
        (State.IN_PROGRESS, ("cancel",)),
        (State.AUTHORIZED, ("capture", "cancel")),
        (State.PAID, ()),
        (State.COMPLETED, ("refund",)),
        (State.PARTIALLY_REFUNDED, ("refund",)),
        (State.NEED_ACTION, ("resolve",)),
        (State.REFUNDED, ()),
    ],
)
def test_allowed_now_lists_the_merchant_commands_the_spec_allows(
    state: State, allowed: tuple[str, ...]
) -> None:
    view = replace(OrderView.of(placed()), state=state)

    assert wording.allowed_now(view) == allowed


def test_nothing_is_allowed_while_a_request_awaits_the_provider() -> None:
    order = completed()
    order.request_refund(php("1.00"))

    assert wording.allowed_now(OrderView.of(order)) == ()
