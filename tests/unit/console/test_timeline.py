"""The console's timeline: which callback caused which events, and what else caused the rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from orderstate.adapters.web.console.timeline import AppliedCallback, timeline
from orderstate.engine import Money, Order

EUR = Money(1_000, "EUR")
T0 = datetime(2026, 12, 7, 12, tzinfo=UTC)


def settled_then_refunded_twice() -> list[object]:
    order = Order.place(shop_id=1, order_number="T-1", amount=EUR)
    order.record_payment_link("https://pay.example/T-1")
    order.record_capture()  # + ConfirmationEmailDue, the engine's own reminder
    order.record_clearing_started()
    order.record_settlement()
    order.request_refund(Money(300, "EUR"))
    order.record_refund(Money(300, "EUR"))
    order.request_refund(Money(200, "EUR"))
    order.record_refund(Money(200, "EUR"))
    return list(order.collect_events())


def applied(minutes: int, *events: str) -> AppliedCallback:
    return AppliedCallback(uuid4(), T0 + timedelta(minutes=minutes), events)


def test_each_callback_claims_its_own_run_in_the_order_they_were_applied() -> None:
    events = settled_then_refunded_twice()
    paid = applied(1, "PaymentCaptured", "ClearingStarted")
    settled = applied(2, "OrderSettled")
    second_refund = applied(4, "RefundSucceeded")
    first_refund = applied(3, "RefundSucceeded")

    entries = timeline(events, [paid, settled, second_refund, first_refund])

    causes = [(e.event, e.cause.inbox_id) for e in entries]
    assert causes == [
        ("OrderPlaced", None),
        ("PaymentLinkIssued", None),
        ("PaymentCaptured", paid.inbox_id),
        ("ConfirmationEmailDue", paid.inbox_id),
        ("ClearingStarted", paid.inbox_id),
        ("OrderSettled", settled.inbox_id),
        ("RefundRequested", None),
        ("RefundSucceeded", first_refund.inbox_id),
        ("RefundRequested", None),
        ("RefundSucceeded", second_refund.inbox_id),
    ]
    assert [e.cause.kind for e in entries if e.cause.inbox_id is None] == [
        "placing",
        "provider",
        "request",
        "request",
    ]


def test_an_entry_keeps_amounts_reasons_and_the_request_it_answered() -> None:
    entries = timeline(settled_then_refunded_twice(), [])

    refund = entries[7]

    assert refund.event == "RefundSucceeded"
    assert refund.amounts == (("amount", Money(300, "EUR")),)
    assert refund.settles == "refund"
    assert refund.state == "partially_refunded"
    assert entries[6].settles is None  # the request itself answers nothing


def test_a_callback_whose_events_are_not_in_the_history_claims_nothing() -> None:
    entries = timeline(settled_then_refunded_twice(), [applied(1, "OrderCancelled")])

    assert all(entry.cause.kind != "callback" for entry in entries)


def test_a_resolution_names_who_resolved_it() -> None:
    order = Order.place(shop_id=1, order_number="T-2", amount=EUR)
    order.record_payment_link("https://pay.example/T-2")
    order.record_mismatch(Money(900, "EUR"))
    order.resolve_mismatch("completed", by="ana", reason="kept 9.00")

    last = timeline(list(order.collect_events()), [])[-1]

    assert (last.by, last.reason, last.cause.label) == ("ana", "kept 9.00", "resolved by ana")
