"""Behaviour of the Order aggregate: commands, refusals, amounts, and replay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from orderstate.engine import (
    DeadlineNotReached,
    GuardFailed,
    InvalidAmount,
    InvalidOrder,
    Money,
    OperationPending,
    Order,
    Request,
    TransitionNotAllowed,
    order_id,
    project_order,
)

from .builders import link, php, placed, settled, walk


def names(order: Order) -> list[str]:
    return [type(event).__name__ for event in order.collect_events()]


def test_walks_the_single_stage_spine_to_completed() -> None:
    order = placed()

    walk(order, link, Order.record_capture, Order.record_clearing_started, Order.record_settlement)

    assert order.state == "completed"
    assert order.captured == order.authorized == order.amount
    assert names(order) == [
        "OrderPlaced",
        "PaymentLinkIssued",
        "PaymentCaptured",
        "ClearingStarted",
        "OrderSettled",
    ]


def test_the_order_id_is_derived_from_shop_and_order_number() -> None:
    order = placed()

    assert order.id == order_id(115, "test04")
    assert order_id(115, "test04") != order_id(116, "test04")


def test_refuses_an_illegal_command_and_appends_nothing(order: Order) -> None:
    order.collect_events()

    with pytest.raises(TransitionNotAllowed) as refused:
        order.record_settlement()

    assert (refused.value.order_id, refused.value.state) == (order.id, "created")
    assert refused.value.event == "OrderSettled"
    assert order.version == 1
    assert order.collect_events() == []


def test_final_states_absorb_every_command() -> None:
    order = walk(placed(), link, lambda o: o.record_failure("declined by the acquirer"))

    with pytest.raises(TransitionNotAllowed):
        order.record_capture()

    assert order.state == "failed"
    assert order.reason == "declined by the acquirer"


def test_two_stage_captures_what_was_authorized() -> None:
    order = walk(placed(auto_capture=False), link)

    order.record_authorization(php("56.99"))
    order.request_capture()
    order.record_capture(php("50.00"))

    assert order.state == "paid"
    assert (order.authorized, order.captured) == (php("56.99"), php("50.00"))
    assert order.pending is None


def test_refuses_capture_above_the_authorized_amount() -> None:
    order = walk(placed(auto_capture=False), link, lambda o: o.record_authorization(php("20.00")))

    with pytest.raises(GuardFailed):
        order.record_capture(php("20.01"))

    assert order.state == "authorized"


def test_refuses_to_authorize_a_single_stage_order() -> None:
    order = walk(placed(), link)

    with pytest.raises(GuardFailed, match="two_stage_within_amount"):
        order.record_authorization(php("56.99"))


def test_voids_an_authorization_into_cancelled() -> None:
    order = walk(placed(auto_capture=False), link, lambda o: o.record_authorization(php("56.99")))

    order.request_cancel()
    order.record_void()

    assert order.state == "cancelled"
    assert order.pending is None


def test_single_stage_payment_of_another_amount_is_a_mismatch_not_a_capture() -> None:
    order = walk(placed(), link)

    with pytest.raises(GuardFailed):
        order.record_capture(php("50.00"))
    order.record_mismatch(php("50.00"))

    assert order.state == "need_action"
    assert order.mismatch == php("50.00")
    assert order.captured == php("0")


def test_resolves_a_mismatch_manually() -> None:
    order = walk(placed(), link, lambda o: o.record_mismatch(php("60.00")))

    order.resolve_mismatch("refunded", php("56.99"))

    assert order.state == "refunded"
    assert order.refunded == order.captured == php("56.99")


def test_partial_refunds_then_the_last_one_refunds_the_order() -> None:
    order = settled()

    order.record_refund(php("6.99"))
    order.record_refund(php("20"))
    assert order.state == "partially_refunded"
    order.record_refund(php("30"))

    assert order.state == "refunded"
    assert order.refunded == order.captured


def test_refuses_refunding_more_than_was_captured() -> None:
    order = walk(settled(), lambda o: o.record_refund(php("50")))
    version = order.version

    with pytest.raises(GuardFailed):
        order.record_refund(php("7.00"))

    assert order.version == version
    assert order.refunded == php("50")


def test_refuses_an_amount_in_another_currency() -> None:
    order = settled()

    with pytest.raises(GuardFailed, match="currency"):
        order.record_refund(Money.parse("1.00", "EUR"))


def test_a_second_request_while_one_is_pending_is_refused() -> None:
    order = settled()
    order.request_refund(php("10"))

    with pytest.raises(OperationPending):
        order.request_refund(php("10"))

    assert order.pending == "refund"
    assert order.pending_amount == php("10")
    assert order.state == "completed"


def test_the_providers_confirmation_clears_the_pending_request() -> None:
    order = walk(settled(), lambda o: o.request_refund(php("10")))

    order.record_refund(php("10"))

    assert order.pending is None
    assert order.state == "partially_refunded"


def test_a_declined_request_clears_the_pending_mark_and_keeps_the_state() -> None:
    order = walk(settled(), lambda o: o.request_refund(php("10")))

    order.record_request_declined("412 Precondition failed")

    assert order.pending is None
    assert order.state == "completed"


def test_request_sends_the_named_merchant_request() -> None:
    order = walk(placed(auto_capture=False), link, lambda o: o.record_authorization(php("56.99")))

    order.request(Request.CAPTURE)

    assert order.pending is Request.CAPTURE
    assert names(order)[-1] == "CaptureRequested"


def test_request_refund_takes_its_amount() -> None:
    order = settled()

    order.request(Request.REFUND, php("10"))

    assert (order.pending, order.pending_amount) == (Request.REFUND, php("10"))


@pytest.mark.parametrize(
    ("request_", "amount", "message"),
    [
        pytest.param(Request.REFUND, None, "a refund request needs an amount", id="refund-none"),
        pytest.param(Request.CANCEL, "1", "a cancel request takes no amount", id="cancel-amount"),
    ],
)
def test_request_refuses_a_missing_or_extra_amount(
    request_: Request, amount: str | None, message: str
) -> None:
    order = settled()

    with pytest.raises(InvalidAmount, match=message):
        order.request(request_, None if amount is None else php(amount))

    assert order.pending is None


def test_a_declined_request_names_the_request_it_declines() -> None:
    order = walk(settled(), lambda o: o.request_refund(php("10")))
    order.collect_events()

    order.record_request_declined("412 Precondition failed")

    (declined,) = order.collect_events()
    assert declined.operation is Request.REFUND


def test_record_refuses_what_is_not_a_transition_event() -> None:
    order = placed()

    with pytest.raises(TypeError, match="not one of Order's transition events"):
        order.record(Order.OrderPlaced)  # type: ignore[arg-type]


def test_refuses_a_refund_request_above_the_balance() -> None:
    order = settled()

    with pytest.raises(GuardFailed):
        order.request_refund(php("57"))


def test_an_order_is_reviewed_at_most_once() -> None:
    order = walk(placed(), link, Order.record_review_started, Order.record_review_accepted)

    with pytest.raises(GuardFailed, match="not_yet_reviewed"):
        order.record_review_started()

    assert order.state == "in_progress"
    assert order.reviewed


def test_expires_only_after_the_time_limit_passed_by_the_callers_clock() -> None:
    deadline = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    order = Order.place(shop_id=1, order_number="x-1", amount=php("1"), time_limit=deadline)
    link(order)

    with pytest.raises(DeadlineNotReached):
        order.expire(deadline)
    order.expire(deadline + timedelta(seconds=1))

    assert (order.state, order.reason) == ("cancelled", "expired")


def test_expiry_can_end_in_failed_as_the_older_docs_say() -> None:
    deadline = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    order = Order.place(shop_id=1, order_number="x-2", amount=php("1"), time_limit=deadline)

    order.expire(deadline + timedelta(days=1), ends_in="failed")

    assert order.state == "failed"


def test_an_order_in_review_does_not_expire() -> None:
    deadline = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    order = Order.place(shop_id=1, order_number="x-3", amount=php("1"), time_limit=deadline)
    walk(order, link, Order.record_review_started)

    with pytest.raises(TransitionNotAllowed):
        order.expire(deadline + timedelta(days=1))


def test_the_merchant_must_confirm_when_no_email_was_given() -> None:
    order = walk(placed(email=False), link, Order.record_capture)

    assert order.merchant_must_confirm
    assert order.confirmation_sender == "merchant"
    assert names(order)[-2:] == ["PaymentCaptured", "ConfirmationEmailDue"]


def test_the_provider_confirms_when_an_email_was_given() -> None:
    order = walk(placed(email=True), link, Order.record_capture)

    assert not order.merchant_must_confirm
    assert order.confirmation_sender == "provider"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"shop_id": -1}, "shop_id", id="negative-shop"),
        pytest.param({"order_number": ""}, "order_number", id="empty-number"),
        pytest.param({"order_number": "x" * 256}, "order_number", id="long-number"),
        pytest.param({"amount": php("0")}, "above zero", id="zero-amount"),
        pytest.param({"time_limit": datetime(2026, 1, 1)}, "timezone", id="naive-deadline"),
    ],
)
def test_refuses_to_place_an_invalid_order(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"shop_id": 1, "order_number": "n-1", "amount": php("1")}
    arguments.update(kwargs)

    with pytest.raises(InvalidOrder, match=message):
        Order.place(**arguments)  # type: ignore[arg-type]


def test_replaying_the_events_rebuilds_an_equal_order() -> None:
    order = walk(settled(email=False), lambda o: o.record_refund(php("10")))
    events = order.collect_events()

    rebuilt = project_order(None, events)

    assert rebuilt == order
    assert rebuilt is not None
    assert rebuilt.version == len(events)
