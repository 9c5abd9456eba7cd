"""Hypothesis drives random commands, legal and illegal, against real orders and a tiny model.

After every step: the state is one of the spec's, each stored event was a legal transition from
the state before it, ``0 <= refunded <= captured <= authorized <= amount``, disputes within what
was captured (``reinstated <= withdrawn <= disputed <= captured``, refunds plus what the bank
kept never above the capture), final states absorb,
versions are contiguous, replay equals the live order, and a refused command appended nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from orderstate.engine import LIFECYCLE, CommandRefused, Money, Order, project_order

DEADLINE = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CURRENCY = "EUR"
COMMANDS = [
    "record_payment_link",
    "record_review_started",
    "record_review_accepted",
    "record_review_declined",
    "record_authorization",
    "record_capture",
    "record_clearing_started",
    "record_settlement",
    "record_mismatch",
    "resolve_mismatch",
    "record_failure",
    "record_cancellation",
    "record_rejection",
    "record_void",
    "record_refund",
    "request_capture",
    "request_cancel",
    "request_refund",
    "record_request_declined",
    "expire",
    "lapse",
    "record_dispute_opened",
    "record_dispute_funds_withdrawn",
    "record_dispute_won",
    "record_dispute_lost",
]
DISPUTE_FROM = {"paid", "clearing", "completed", "partially_refunded"}
SPINE = [
    "record_payment_link",
    "record_review_accepted",
    "record_authorization",
    "record_capture",
    "record_clearing_started",
    "record_settlement",
    "record_refund",
    "request_capture",
    "request_refund",
]
REQUESTS = {"request_capture": "capture", "request_cancel": "cancel", "request_refund": "refund"}
REASONED = {
    "record_review_declined": "failed",
    "record_failure": "failed",
    "record_cancellation": "cancelled",
}


@dataclass(frozen=True)
class Model:
    """What the order should look like: the reference the aggregate is checked against."""

    state: str
    amount: int
    auto_capture: bool
    authorized: int = 0
    captured: int = 0
    refunded: int = 0
    pending: str | None = None
    reviewed: bool = False
    disputed: int = 0
    withdrawn: int = 0
    reinstated: int = 0
    dispute_from: str | None = None

    def allowed(self, event: str) -> bool:
        return (self.state, event) in LIFECYCLE.table

    def moved(self, target: str, **changes: Any) -> Model:
        return replace(self, state=target, pending=None, **changes)


def expect(model: Model, command: str, amount: int, now: datetime) -> Model | None:
    """The model after ``command``, or None when the order must refuse it."""
    s = model.state
    if command in REQUESTS:
        return _expect_request(model, command, amount)
    if command == "record_request_declined":
        return replace(model, pending=None) if model.pending else None
    if command == "expire":
        return (
            model.moved("cancelled") if now > DEADLINE and model.allowed("OrderCancelled") else None
        )
    if command == "lapse":
        ok = now > DEADLINE and s in {"created", "in_progress"}
        return model.moved("expired") if ok else None
    simple = {
        "record_payment_link": ("PaymentLinkIssued", "in_progress"),
        "record_review_accepted": ("ReviewAccepted", "in_progress"),
        "record_clearing_started": ("ClearingStarted", "clearing"),
        "record_settlement": ("OrderSettled", "completed"),
        "record_rejection": ("OrderRejected", "rejected"),
        "record_void": ("PaymentVoided", "cancelled"),
        "record_review_declined": ("ReviewDeclined", "failed"),
        "record_failure": ("OrderFailed", "failed"),
        "record_cancellation": ("OrderCancelled", "cancelled"),
    }
    if command in simple:
        event, target = simple[command]
        return model.moved(target) if model.allowed(event) else None
    if command == "record_review_started":
        ok = s == "in_progress" and not model.reviewed
        return model.moved("review", reviewed=True) if ok else None
    return _expect_money(model, command, amount)


def _expect_request(model: Model, command: str, amount: int) -> Model | None:
    event = {"request_capture": "CaptureRequested", "request_cancel": "CancelRequested"}.get(
        command, "RefundRequested"
    )
    if model.pending or not model.allowed(event):
        return None
    if command == "request_refund" and not 0 < amount <= model.captured - model.refunded:
        return None
    return replace(model, pending=REQUESTS[command])


def _expect_money(model: Model, command: str, amount: int) -> Model | None:
    s = model.state
    if command == "record_authorization":
        ok = s == "in_progress" and not model.auto_capture and 0 < amount <= model.amount
        return model.moved("authorized", authorized=amount) if ok else None
    if command == "record_capture":
        if s == "in_progress" and model.auto_capture and amount == model.amount:
            return model.moved("paid", authorized=amount, captured=amount)
        ok = s == "authorized" and 0 < amount <= model.authorized
        return model.moved("paid", captured=amount) if ok else None
    if command == "record_mismatch":
        # After the shop's own expiry, any money is a mismatch: the order was given up on.
        ok = s == "expired" or (s in {"in_progress", "paid", "clearing"} and amount != model.amount)
        return model.moved("need_action") if ok else None
    if command == "resolve_mismatch":
        if s != "need_action":
            return None
        return model.moved("completed", authorized=model.amount, captured=model.amount)
    if command.startswith("record_dispute"):
        return _expect_dispute(model, command, amount)
    if command == "record_refund":
        left = model.captured - model.refunded
        if s not in {"completed", "partially_refunded"} or not 0 < amount <= left:
            return None
        target = "refunded" if amount == left else "partially_refunded"
        return model.moved(target, refunded=model.refunded + amount)
    raise AssertionError(command)


def _expect_dispute(model: Model, command: str, amount: int) -> Model | None:
    s = model.state
    if command == "record_dispute_opened":
        left = model.captured - model.refunded
        ok = s in DISPUTE_FROM and not model.disputed and 0 < amount <= left
        return model.moved("disputed", disputed=amount, dispute_from=s) if ok else None
    if s != "disputed":
        return None
    if command == "record_dispute_funds_withdrawn":
        ok = 0 < amount <= model.disputed - model.withdrawn
        return replace(model, withdrawn=model.withdrawn + amount) if ok else None
    if command == "record_dispute_won":
        ok = amount == model.withdrawn and model.dispute_from is not None
        target = model.dispute_from or "disputed"
        return model.moved(target, reinstated=model.reinstated + amount) if ok else None
    ok = amount == model.disputed  # record_dispute_lost
    return model.moved("charged_back", withdrawn=amount) if ok else None


def natural_amount(model: Model, command: str) -> int:
    """The amount a command is about: what is left to refund, or authorized, or the order's."""
    if command in {"record_refund", "request_refund"}:
        return model.captured - model.refunded
    if command == "record_capture" and not model.auto_capture:
        return model.authorized
    return {
        "record_dispute_opened": model.captured - model.refunded,
        "record_dispute_funds_withdrawn": model.disputed - model.withdrawn,
        "record_dispute_won": model.withdrawn,
        "record_dispute_lost": model.disputed,
    }.get(command, model.amount)


def call(order: Order, command: str, amount: Money, now: datetime) -> None:
    if command in {
        "record_authorization",
        "record_capture",
        "record_mismatch",
        "record_refund",
        "request_refund",
        "record_dispute_funds_withdrawn",
        "record_dispute_won",
        "record_dispute_lost",
    }:
        getattr(order, command)(amount)
    elif command == "record_dispute_opened":
        order.record_dispute_opened(amount, "fraudulent")
    elif command == "expire":
        order.expire(now)
    elif command == "lapse":
        order.lapse(now)
    elif command == "resolve_mismatch":
        order.resolve_mismatch("completed")
    elif command in {
        "record_review_declined",
        "record_failure",
        "record_cancellation",
        "record_rejection",
        "record_request_declined",
    }:
        getattr(order, command)("a reason")
    elif command == "record_payment_link":
        order.record_payment_link("https://pay.example/1")
    else:
        getattr(order, command)()


class OrderMachine(RuleBasedStateMachine):
    orders = Bundle("orders")

    def __init__(self) -> None:
        super().__init__()
        self.live: dict[Any, Order] = {}
        self.models: dict[Any, Model] = {}
        self.histories: dict[Any, list[Any]] = {}

    @rule(
        target=orders,
        minor=st.integers(100, 100_000),
        auto_capture=st.booleans(),
        email=st.booleans(),
    )
    def place(self, minor: int, auto_capture: bool, email: bool) -> Any:
        order = Order.place(
            shop_id=1,
            order_number=f"o-{len(self.live)}",
            amount=Money(minor, CURRENCY),
            auto_capture=auto_capture,
            time_limit=DEADLINE,
            customer_email_given=email,
        )
        self.live[order.id] = order
        self.models[order.id] = Model("created", minor, auto_capture)
        self.histories[order.id] = list(order.collect_events())
        return order.id

    @rule(
        oid=orders,
        data=st.data(),
        percent=st.sampled_from([0, 1, 50, 99, 100, 101, 200]),
        minutes=st.integers(-90, 90),
    )
    def act(self, oid: Any, data: st.DataObject, percent: int, minutes: int) -> None:
        """A command the state may take (or any at all), with amounts around its boundary."""
        order, model = self.live[oid], self.models[oid]
        later = DEADLINE + timedelta(hours=1)
        relevant = [c for c in COMMANDS if expect(model, c, natural_amount(model, c), later)]
        pool = relevant if relevant and data.draw(st.integers(0, 3), label="relevant") else COMMANDS
        command = data.draw(st.sampled_from(pool), label="command")
        amount = natural_amount(model, command) * percent // 100
        now = DEADLINE + timedelta(minutes=minutes)
        expected = expect(model, command, amount, now)
        version = order.version

        try:
            call(order, command, Money(amount, CURRENCY), now)
        except CommandRefused:
            assert expected is None, f"{command} refused but the model accepts it"
            assert order.version == version
            assert order.collect_events() == []
            return

        assert expected is not None, f"{command} accepted from {model.state}"
        event(f"reached {expected.state}")
        self.models[oid] = expected
        self.histories[oid].extend(order.collect_events())

    @rule(oid=orders, data=st.data())
    def advance(self, oid: Any, data: st.DataObject) -> None:
        """Mostly move along the spine, so refunds and clearing are reached, not just failures."""
        model = self.models[oid]
        natural = {c: natural_amount(model, c) for c in COMMANDS}
        natural["record_refund"] //= data.draw(st.sampled_from([2, 1]), label="refund divisor")
        natural["record_mismatch"] += 1
        later = DEADLINE + timedelta(hours=1)
        legal = [c for c in COMMANDS if expect(model, c, natural.get(c, 0), later) is not None]
        spine = [c for c in legal if c in SPINE]
        if not legal:
            return
        pool = spine if spine and data.draw(st.integers(0, 3), label="spine") else legal
        command = data.draw(st.sampled_from(pool), label="command")
        order = self.live[oid]

        call(order, command, Money(natural.get(command, 0), CURRENCY), later)

        self.models[oid] = expect(model, command, natural.get(command, 0), later)  # type: ignore[assignment]
        self.histories[oid].extend(order.collect_events())
        event(f"reached {order.state}")

    @invariant()
    def orders_agree_with_the_model(self) -> None:
        for oid, order in self.live.items():
            model = self.models[oid]
            assert order.state == model.state
            assert order.state in LIFECYCLE.states
            amounts = (order.authorized, order.captured, order.refunded, order.pending)
            assert amounts == (
                Money(model.authorized, CURRENCY),
                Money(model.captured, CURRENCY),
                Money(model.refunded, CURRENCY),
                model.pending,
            )
            disputes = (order.disputed, order.withdrawn, order.reinstated, order.dispute_from)
            assert disputes == (
                Money(model.disputed, CURRENCY),
                Money(model.withdrawn, CURRENCY),
                Money(model.reinstated, CURRENCY),
                model.dispute_from,
            )

    @invariant()
    def money_is_conserved(self) -> None:
        for order in self.live.values():
            assert Money(0, CURRENCY) <= order.refunded <= order.captured
            assert order.captured <= order.authorized <= order.amount
            # Disputes: what comes back was taken, what was taken was disputed, what was
            # disputed was captured; refunds and funds kept by the bank never exceed the capture.
            assert order.reinstated <= order.withdrawn <= order.disputed <= order.captured
            kept_by_bank = order.withdrawn - order.reinstated
            assert order.refunded + kept_by_bank <= order.captured

    @invariant()
    def histories_are_legal_contiguous_and_replay_to_the_live_order(self) -> None:
        for oid, events in self.histories.items():
            assert [e.originator_version for e in events] == list(range(1, len(events) + 1))
            rebuilt: Order | None = None
            for stored in events:
                before = rebuilt.state if rebuilt is not None else None
                rebuilt = project_order(rebuilt, [stored])
                if before is not None:
                    assert (before, type(stored).__name__) in LIFECYCLE.table
                    assert not LIFECYCLE.is_final(before), "a final state was left"
            assert rebuilt == self.live[oid]


OrderMachine.TestCase.settings = settings(max_examples=300, stateful_step_count=40, deadline=None)
TestOrderLifecycle = OrderMachine.TestCase
