"""Hypothesis drives the simulator with random customer, merchant and clock steps, beside a tiny
model of what each intent may still become.

After every step: statuses are Stripe's, ``0 <= refunds <= captured <= amount`` on every charge,
``amount_refunded`` is what was released plus what refunds that did not fail gave back, the
intent's ``amount_capturable`` and ``amount_received`` agree with its status and charge, a
canceled or succeeded intent never goes back, the balance is the sum of its transactions, and
events are in order with JSON snapshots.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, precondition, rule

from orderstate.adapters.stripe.simulator import TEST_METHODS, StripeRefusal

from .conftest import make_sim

INTENT_STATUSES = {
    "requires_payment_method",
    "requires_confirmation",
    "requires_action",
    "processing",
    "requires_capture",
    "succeeded",
    "canceled",
}
NEVER_BACK = {"succeeded": {"succeeded"}, "canceled": {"canceled"}}
"""What a status may become next: a final one only itself."""


class SimulatorMachine(RuleBasedStateMachine):
    intents = Bundle("intents")

    def __init__(self) -> None:
        super().__init__()
        self.sim = make_sim(
            refund_delay=timedelta(hours=1),
            processing_delay=timedelta(hours=6),
            fee_basis_points=290,
            fee_fixed=30,
        )
        self.last_status: dict[str, str] = {}

    @rule(
        target=intents,
        amount=st.integers(1, 10_000),
        manual=st.booleans(),
        currency=st.sampled_from(["usd", "eur", "jpy"]),
    )
    def create(self, amount: int, manual: bool, currency: str) -> str:
        capture = "manual" if manual else "automatic"
        intent = self.sim.create_intent(amount=amount, currency=currency, capture_method=capture)
        return str(intent["id"])

    @rule(target=intents, amount=st.integers(1, 10_000), manual=st.booleans())
    def create_paid(self, amount: int, manual: bool) -> str:
        """A paid card payment: the starting point of captures, refunds and disputes."""
        capture = "manual" if manual else "automatic"
        intent = self.sim.create_intent(
            amount=amount,
            currency="eur",
            capture_method=capture,
            payment_method="pm_card_refundFail" if amount % 5 == 0 else "pm_card_visa",
            confirm=True,
        )
        return str(intent["id"])

    @rule(intent=intents, method=st.sampled_from(sorted(TEST_METHODS)))
    def pay(self, intent: str, method: str) -> None:
        self._refusable("pay", lambda: self.sim.pay(intent, method))

    @rule(intent=intents, succeed=st.booleans())
    def authenticate(self, intent: str, succeed: bool) -> None:
        self._refusable("authenticate", lambda: self.sim.authenticate(intent, succeed=succeed))

    @rule(intent=intents, part=st.integers(1, 10_000) | st.none())
    def capture(self, intent: str, part: int | None) -> None:
        self._refusable(
            "capture_intent", lambda: self.sim.capture_intent(intent, amount_to_capture=part)
        )

    @rule(intent=intents)
    def cancel(self, intent: str) -> None:
        self._refusable("cancel_intent", lambda: self.sim.cancel_intent(intent))

    @rule(intent=intents, part=st.integers(1, 10_000) | st.none())
    def refund(self, intent: str, part: int | None) -> None:
        self._refusable(
            "create_refund", lambda: self.sim.create_refund(payment_intent=intent, amount=part)
        )

    @rule(intent=intents)
    def dispute(self, intent: str) -> None:
        self._refusable("open_dispute", lambda: self.sim.open_dispute(intent))

    @precondition(lambda self: bool(self.sim.listed("dispute")))
    @rule(data=st.data(), won=st.booleans())
    def resolve(self, data: st.DataObject, won: bool) -> None:
        disputes = self.sim.listed("dispute")
        chosen = data.draw(st.sampled_from([d["id"] for d in disputes]))
        self._refusable("resolve_dispute", lambda: self.sim.resolve_dispute(chosen, won=won))

    @precondition(lambda self: bool(self.sim.listed("refund")))
    @rule(data=st.data())
    def fail_refund(self, data: st.DataObject) -> None:
        chosen = data.draw(st.sampled_from([r["id"] for r in self.sim.listed("refund")]))
        self._refusable("fail_refund", lambda: self.sim.fail_refund(chosen))

    @rule(hours=st.integers(0, 24 * 8))
    def advance(self, hours: int) -> None:
        self.sim.advance(timedelta(hours=hours))

    def _refusable(self, name: str, step: Any) -> None:
        """A step Stripe may refuse; a refusal must change nothing it reports."""
        before = len(self.sim.events.events)
        try:
            step()
        except StripeRefusal as refusal:
            status = refusal.status
            event(f"{name}: refused {status}")
        else:
            event(f"{name}: done")
            return
        assert 400 <= status < 500
        if status != 402:  # a decline is an outcome, with its events
            assert len(self.sim.events.events) == before

    @invariant()
    def intents_agree_with_their_charges(self) -> None:
        for intent in self.sim.intents():
            status = intent["status"]
            assert status in INTENT_STATUSES
            previous = self.last_status.get(intent["id"])
            if previous in NEVER_BACK:
                assert status in NEVER_BACK[previous]
            self.last_status[intent["id"]] = status
            expected_capturable = intent["amount"] if status == "requires_capture" else 0
            assert intent["amount_capturable"] == expected_capturable
            if intent["latest_charge"] is not None:
                charge = self.sim.charge(intent["latest_charge"])
                received = charge["amount_captured"] if status == "succeeded" else 0
                assert intent["amount_received"] == received

    @invariant()
    def charges_conserve_money(self) -> None:
        for intent in self.sim.intents():
            for charge_id in self._charges_of(intent):
                charge = self.sim.charge(charge_id)
                kept = [r for r in charge["refunds"]["data"] if r["status"] != "failed"]
                refunds = sum(r["amount"] for r in kept)
                released = charge["amount"] - charge["amount_captured"] if charge["captured"] else 0
                if not charge["captured"] and charge["refunded"]:
                    released = charge["amount"]
                assert 0 <= refunds <= charge["amount_captured"] <= charge["amount"]
                assert charge["amount_refunded"] == released + refunds
                assert charge["refunded"] == (charge["amount_refunded"] >= charge["amount"])

    def _charges_of(self, intent: dict[str, Any]) -> list[str]:
        return [] if intent["latest_charge"] is None else [intent["latest_charge"]]

    @invariant()
    def the_balance_is_the_sum_of_its_transactions(self) -> None:
        balance = self.sim.balance()
        listed = sum(a["amount"] for part in ("available", "pending") for a in balance[part])
        total = 0
        for txn_id in list(self.sim._balance):
            txn = self.sim.balance_transaction(txn_id)
            assert txn["net"] == txn["amount"] - txn["fee"]
            assert txn["status"] == (
                "available" if txn["available_on"] <= self.sim._now() else "pending"
            )
            total += txn["net"]
        assert listed == total

    @invariant()
    def events_are_in_order_with_json_snapshots(self) -> None:
        events = self.sim.events.events
        assert [e.sequence for e in events] == sorted(e.sequence for e in events)
        assert all(e.created <= self.sim._now() for e in events)
        json.dumps([e.to_json() for e in events[-5:]])


TestSimulatorMachine = SimulatorMachine.TestCase
TestSimulatorMachine.settings = settings(max_examples=150, stateful_step_count=30, deadline=None)
