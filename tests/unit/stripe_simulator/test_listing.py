"""Lists and search: what a reconciliation uses to find an order's intent, refunds and dispute."""

from __future__ import annotations

from orderstate.adapters.stripe.simulator import SimulatedStripe

from .conftest import Api


def test_search_finds_an_intent_by_its_order_number(api: Api) -> None:
    api.intent(metadata={"shop": "acct", "order_number": "A1"})
    wanted = api.intent(metadata={"shop": "acct", "order_number": "A2"})

    found = api.get(
        "/v1/payment_intents/search",
        query="metadata['shop']:'acct' AND metadata['order_number']:'A2'",
    ).json()

    assert found["object"] == "search_result"
    assert [i["id"] for i in found["data"]] == [wanted["id"]]


def test_search_by_status_pages_with_next_page(api: Api) -> None:
    for _ in range(3):
        api.intent(payment_method="pm_card_visa", confirm="true")
    api.intent()

    first = api.get("/v1/payment_intents/search", query="status:'succeeded'", limit=2).json()
    rest = api.get(
        "/v1/payment_intents/search", query="status:'succeeded'", limit=2, page=first["next_page"]
    ).json()

    assert (len(first["data"]), first["has_more"]) == (2, True)
    assert (len(rest["data"]), rest["has_more"], rest["next_page"]) == (1, False, None)


def test_search_refuses_a_query_it_does_not_understand(api: Api) -> None:
    refused = api.get("/v1/payment_intents/search", query="customer:'cus_1' OR amount>5")

    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "query"


def test_lists_intents_newest_first_with_cursors(api: Api) -> None:
    made = [api.intent()["id"] for _ in range(5)]

    first = api.get("/v1/payment_intents", limit=2).json()
    older = api.get("/v1/payment_intents", limit=2, starting_after=first["data"][-1]["id"]).json()
    newer = api.get("/v1/payment_intents", ending_before=made[0]).json()

    assert [i["id"] for i in first["data"]] == [made[4], made[3]]
    assert [i["id"] for i in older["data"]] == [made[2], made[1]]
    assert [i["id"] for i in newer["data"]] == made[:0:-1]
    assert newer["has_more"] is False


def test_lists_a_charges_refunds_and_disputes(api: Api, sim: SimulatedStripe) -> None:
    intent = api.intent(payment_method="pm_card_visa", confirm="true")
    other = api.intent(payment_method="pm_card_visa", confirm="true")
    refund = api.post("/v1/refunds", payment_intent=intent["id"], amount=100).json()
    api.post("/v1/refunds", payment_intent=other["id"], amount=100)
    dispute = sim.open_dispute(intent["id"])

    refunds = api.get("/v1/refunds", payment_intent=intent["id"]).json()
    disputes = api.get("/v1/disputes", charge=intent["latest_charge"]).json()
    none = api.get("/v1/disputes", payment_intent=other["id"]).json()

    assert [r["id"] for r in refunds["data"]] == [refund["id"]]
    assert [d["id"] for d in disputes["data"]] == [dispute["id"]]
    assert none["data"] == []


def test_an_unknown_cursor_is_named(api: Api) -> None:
    missing = api.get("/v1/payment_intents", starting_after="pi_nope")

    assert missing.status_code == 404
    assert missing.json()["error"]["param"] == "starting_after"


def test_search_reads_escaped_quotes_and_backslashes(api: Api) -> None:
    wanted = api.intent(metadata={"order_number": "O'Brien\\7"})

    found = api.get(
        "/v1/payment_intents/search", query="metadata['order_number']:'O\\'Brien\\\\7'"
    ).json()

    assert [i["id"] for i in found["data"]] == [wanted["id"]]


def test_lists_an_intents_charges_after_a_retry(api: Api) -> None:
    intent = api.intent()
    api.post(f"/v1/payment_intents/{intent['id']}/confirm", payment_method="pm_card_chargeDeclined")
    paid = api.post(f"/v1/payment_intents/{intent['id']}/confirm", payment_method="pm_card_visa")

    charges = api.get("/v1/charges", payment_intent=intent["id"]).json()

    assert [c["status"] for c in charges["data"]] == ["succeeded", "failed"]
    assert charges["data"][0]["id"] == paid.json()["latest_charge"]


def test_the_balance_nets_fees_and_refunds(api: Api, sim: SimulatedStripe) -> None:
    intent = api.intent(amount=1000, payment_method="pm_card_visa", confirm="true")
    api.post("/v1/refunds", payment_intent=intent["id"], amount=400)

    balance = api.get("/v1/balance").json()

    assert balance["object"] == "balance"
    assert balance["pending"] == [{"amount": 600, "currency": "usd", "source_types": {"card": 600}}]
    assert balance["available"] == []
