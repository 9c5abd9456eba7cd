"""Refunds, settlement and disputes in the simulator: amounts, statuses and event sequences."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from orderstate.adapters.stripe.simulator import SimulatedStripe

from .conftest import Api, make_sim


def paid(api: Api, method: str = "pm_card_visa", amount: int = 1000) -> dict[str, Any]:
    return api.intent(amount=amount, payment_method=method, confirm="true")


def test_several_partial_refunds_up_to_the_captured_amount(api: Api, sim: SimulatedStripe) -> None:
    intent = paid(api)

    first = api.post("/v1/refunds", payment_intent=intent["id"], amount=300)
    second = api.post("/v1/refunds", payment_intent=intent["id"], amount=700)
    third = api.post("/v1/refunds", payment_intent=intent["id"], amount=1)

    assert [first.json()["status"], second.json()["status"]] == ["succeeded", "succeeded"]
    assert third.status_code == 400
    assert third.json()["error"]["code"] == "charge_already_refunded"
    charge = sim.charge(intent["latest_charge"])
    assert (charge["amount_refunded"], charge["refunded"]) == (1000, True)
    assert [r["amount"] for r in charge["refunds"]["data"]] == [700, 300]
    assert sim.event_types()[3:] == ["refund.created", "charge.refunded"] * 2


def test_refuses_a_refund_larger_than_what_is_left(api: Api) -> None:
    intent = paid(api)
    api.post("/v1/refunds", payment_intent=intent["id"], amount=600)

    refused = api.post("/v1/refunds", payment_intent=intent["id"], amount=401)

    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "amount_too_large"


def test_a_refund_without_amount_gives_back_the_rest(api: Api) -> None:
    intent = paid(api)
    api.post("/v1/refunds", payment_intent=intent["id"], amount=250)

    rest = api.post("/v1/refunds", charge=intent["latest_charge"])

    assert rest.json()["amount"] == 750


def test_refuses_to_refund_an_intent_never_paid(api: Api) -> None:
    intent = api.intent()

    refused = api.post("/v1/refunds", payment_intent=intent["id"])

    assert refused.status_code == 400


def test_a_pending_refund_succeeds_after_refund_delay() -> None:
    sim = make_sim(refund_delay=timedelta(hours=2))
    api = Api(sim)
    refund = api.post("/v1/refunds", payment_intent=paid(api)["id"]).json()
    assert refund["status"] == "pending"

    sim.advance(timedelta(hours=2))

    assert sim.refund(refund["id"])["status"] == "succeeded"
    assert [t for t in sim.event_types() if "refund" in t] == [
        "refund.created",
        "charge.refunded",
        "refund.updated",
        "charge.refund.updated",
    ]


def test_a_refund_fail_card_fails_its_refund_and_makes_it_refundable_again(
    api: Api, sim: SimulatedStripe
) -> None:
    intent = paid(api, "pm_card_refundFail")
    refund = api.post("/v1/refunds", payment_intent=intent["id"]).json()
    assert refund["status"] == "succeeded"

    sim.advance(sim.refund_failure_delay)

    failed = sim.refund(refund["id"])
    assert (failed["status"], failed["failure_reason"]) == ("failed", "expired_or_canceled_card")
    assert sim.charge(intent["latest_charge"])["amount_refunded"] == 0
    assert sim.event_types()[-3:] == ["refund.updated", "charge.refund.updated", "refund.failed"]
    assert api.post("/v1/refunds", payment_intent=intent["id"]).status_code == 200


def test_a_captured_charge_settles_after_the_settlement_delay() -> None:
    sim = make_sim(settlement_delay=timedelta(days=2), fee_basis_points=290, fee_fixed=30)
    api = Api(sim)
    intent = paid(api)
    charge_id = intent["latest_charge"]

    before = api.get(f"/v1/charges/{charge_id}", **{"expand[]": "balance_transaction"}).json()
    sim.advance(timedelta(days=2))
    after = api.get(f"/v1/charges/{charge_id}", expand=["balance_transaction"]).json()

    txn = before["balance_transaction"]
    assert (txn["status"], txn["amount"], txn["fee"], txn["net"]) == ("pending", 1000, 59, 941)
    assert txn["available_on"] == before["created"] + 2 * 86400
    assert after["balance_transaction"]["status"] == "available"
    assert sim.event_types()[-1] == "balance.available"
    assert sim.balance()["available"] == [
        {"amount": 941, "currency": "usd", "source_types": {"card": 941}}
    ]


def test_an_intent_expands_its_latest_charge_and_its_balance_transaction(api: Api) -> None:
    intent = paid(api)

    expanded = api.get(
        f"/v1/payment_intents/{intent['id']}", expand=["latest_charge.balance_transaction"]
    ).json()

    assert expanded["latest_charge"]["id"] == intent["latest_charge"]
    assert expanded["latest_charge"]["balance_transaction"]["object"] == "balance_transaction"


def test_refuses_to_expand_what_is_not_there(api: Api) -> None:
    intent = paid(api)

    refused = api.get(f"/v1/payment_intents/{intent['id']}", expand=["nothing"])

    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "expand"


def open_dispute(api: Api, intent: dict[str, Any]) -> dict[str, Any]:
    response = api.http.post(f"/_sim/charges/{intent['latest_charge']}/dispute")
    assert response.status_code == 200, response.text
    dispute: dict[str, Any] = response.json()
    return dispute


def test_a_dispute_withdraws_the_funds_and_blocks_refunds(api: Api, sim: SimulatedStripe) -> None:
    intent = paid(api)

    dispute = open_dispute(api, intent)

    assert (dispute["status"], dispute["amount"]) == ("needs_response", 1000)
    withdrawn = dispute["balance_transactions"][0]
    assert (withdrawn["amount"], withdrawn["fee"], withdrawn["reporting_category"]) == (
        -1000,
        1500,
        "dispute",
    )
    assert sim.charge(intent["latest_charge"])["disputed"] is True
    assert sim.event_types()[-2:] == ["charge.dispute.created", "charge.dispute.funds_withdrawn"]
    refused = api.post("/v1/refunds", payment_intent=intent["id"])
    assert refused.json()["error"]["code"] == "charge_disputed"


@pytest.mark.parametrize(
    ("evidence", "status", "events"),
    [
        ("winning_evidence", "won", ["charge.dispute.closed", "charge.dispute.funds_reinstated"]),
        ("losing_evidence", "lost", ["charge.dispute.closed"]),
    ],
)
def test_test_evidence_decides_a_dispute_after_review(
    api: Api, sim: SimulatedStripe, evidence: str, status: str, events: list[str]
) -> None:
    dispute = open_dispute(api, paid(api))

    reviewed = api.post(f"/v1/disputes/{dispute['id']}", evidence={"uncategorized_text": evidence})
    sim.advance(sim.dispute_review_delay)

    assert reviewed.json()["status"] == "under_review"
    closed = sim.dispute(dispute["id"])
    assert closed["status"] == status
    assert len(closed["balance_transactions"]) == (2 if status == "won" else 1)
    assert sim.event_types()[-1 - len(events) :] == ["charge.dispute.updated", *events]


def test_closing_a_dispute_accepts_the_loss(api: Api, sim: SimulatedStripe) -> None:
    dispute = open_dispute(api, paid(api))

    closed = api.post(f"/v1/disputes/{dispute['id']}/close")

    assert closed.json()["status"] == "lost"
    assert api.post(f"/v1/disputes/{dispute['id']}/close").status_code == 400


def test_a_dispute_without_evidence_is_lost_at_its_deadline(api: Api, sim: SimulatedStripe) -> None:
    dispute = open_dispute(api, paid(api))

    sim.advance(timedelta(days=7))

    assert sim.dispute(dispute["id"])["status"] == "lost"


def test_a_dispute_card_is_disputed_after_the_dispute_delay(api: Api, sim: SimulatedStripe) -> None:
    intent = paid(api, "pm_card_createDispute")

    sim.advance(sim.dispute_delay)

    assert sim.charge(intent["latest_charge"])["disputed"] is True
    assert "charge.dispute.created" in sim.event_types()


def test_the_network_resolves_a_dispute_by_hand(api: Api, sim: SimulatedStripe) -> None:
    dispute = open_dispute(api, paid(api))

    won = api.http.post(f"/_sim/disputes/{dispute['id']}/resolve", data={"outcome": "won"})

    assert won.json()["status"] == "won"
    assert sim.balance()["pending"][0]["amount"] == 1000 - 1000 - 1500 + 1000


def open_inquiry(api: Api, intent: dict[str, Any]) -> dict[str, Any]:
    response = api.http.post(
        f"/_sim/charges/{intent['latest_charge']}/dispute", data={"inquiry": "true"}
    )
    assert response.status_code == 200, response.text
    inquiry: dict[str, Any] = response.json()
    return inquiry


def test_an_inquiry_withdraws_nothing_and_closes_as_a_warning(
    api: Api, sim: SimulatedStripe
) -> None:
    inquiry = open_inquiry(api, paid(api))
    assert (inquiry["status"], inquiry["balance_transactions"]) == ("warning_needs_response", [])
    assert inquiry["payment_method_details"]["card"]["case_type"] == "inquiry"

    answered = api.post(f"/v1/disputes/{inquiry['id']}", evidence={"uncategorized_text": "x"})
    won = api.http.post(f"/_sim/disputes/{inquiry['id']}/resolve", data={"outcome": "won"})

    assert answered.json()["status"] == "warning_under_review"
    assert (won.json()["status"], won.json()["balance_transactions"]) == ("warning_closed", [])
    assert sim.event_types()[-3:] == [
        "charge.dispute.created",
        "charge.dispute.updated",
        "charge.dispute.closed",
    ]


def test_an_unanswered_inquiry_escalates_to_a_chargeback(api: Api, sim: SimulatedStripe) -> None:
    inquiry = open_inquiry(api, paid(api))

    sim.advance(timedelta(days=7))

    escalated = sim.dispute(inquiry["id"])
    assert escalated["status"] == "needs_response"
    assert escalated["payment_method_details"]["card"]["case_type"] == "chargeback"
    assert [t["amount"] for t in escalated["balance_transactions"]] == [-1000]
    assert sim.event_types()[-2:] == ["charge.dispute.updated", "charge.dispute.funds_withdrawn"]


def test_an_escalated_inquiry_left_unanswered_is_lost(api: Api, sim: SimulatedStripe) -> None:
    inquiry = open_inquiry(api, paid(api))

    sim.advance(timedelta(days=7))
    sim.advance(timedelta(days=7))

    assert sim.dispute(inquiry["id"])["status"] == "lost"
