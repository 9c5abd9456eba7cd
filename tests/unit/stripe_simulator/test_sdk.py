"""The official ``stripe`` SDK against the simulator served on loopback: its requests are
understood, its idempotency keys honoured, its errors raised, its objects parsed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
import stripe

from orderstate.adapters.stripe.simulator import DEFAULT_API_KEY, SimulatedStripe, serve

from .conftest import make_sim

# stripe 16.1's HTTPXClient posts bytes with ``data=``, which httpx 0.28 deprecates; the warning
# is the SDK's, about its own call, and changes nothing on the wire.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Use 'content=<...>' to upload raw bytes/text content.:DeprecationWarning"
)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[SimulatedStripe, stripe.StripeClient]]:
    sim = make_sim()
    http = stripe.HTTPXClient(allow_sync_methods=True, timeout=5)
    with serve(sim) as running:
        client = stripe.StripeClient(
            DEFAULT_API_KEY,
            base_addresses={"api": running.base_url},
            http_client=http,
            max_network_retries=0,
        )
        yield sim, client
    http.close()
    asyncio.run(http.close_async())


def test_the_sdk_places_and_pays_an_intent(
    served: tuple[SimulatedStripe, stripe.StripeClient],
) -> None:
    _, client = served

    intent = client.v1.payment_intents.create(
        params={
            "amount": 2500,
            "currency": "eur",
            "capture_method": "manual",
            "metadata": {"shop": "acct", "order_number": "S-1"},
        },
        options={"idempotency_key": "place-S-1"},
    )
    confirmed = client.v1.payment_intents.confirm(
        intent.id, params={"payment_method": "pm_card_visa"}
    )
    captured = client.v1.payment_intents.capture(intent.id, params={"amount_to_capture": 2000})
    charge = client.v1.charges.retrieve(
        captured.latest_charge or "", params={"expand": ["balance_transaction"]}
    )

    assert isinstance(intent, stripe.PaymentIntent)
    assert intent.metadata["order_number"] == "S-1"
    assert confirmed.status == "requires_capture"
    assert (captured.status, captured.amount_received) == ("succeeded", 2000)
    assert isinstance(charge.balance_transaction, stripe.BalanceTransaction)
    assert charge.balance_transaction.status == "pending"
    assert charge.amount_refunded == 500


def test_the_sdk_replays_with_its_idempotency_key(
    served: tuple[SimulatedStripe, stripe.StripeClient],
) -> None:
    _, client = served
    params: stripe.PaymentIntentService.CreateParams = {"amount": 700, "currency": "usd"}

    first = client.v1.payment_intents.create(params=params, options={"idempotency_key": "k-7"})
    again = client.v1.payment_intents.create(params=params, options={"idempotency_key": "k-7"})

    assert again.id == first.id
    with pytest.raises(stripe.IdempotencyError):
        client.v1.payment_intents.create(
            params={"amount": 701, "currency": "usd"}, options={"idempotency_key": "k-7"}
        )


def test_the_sdk_raises_a_card_error_for_a_decline(
    served: tuple[SimulatedStripe, stripe.StripeClient],
) -> None:
    _, client = served
    intent = client.v1.payment_intents.create(params={"amount": 900, "currency": "usd"})

    with pytest.raises(stripe.CardError) as declined:
        client.v1.payment_intents.confirm(
            intent.id, params={"payment_method": "pm_card_chargeDeclinedInsufficientFunds"}
        )

    assert declined.value.code == "card_declined"
    assert declined.value.http_status == 402
    assert declined.value.error is not None
    assert declined.value.error.decline_code == "insufficient_funds"


def test_the_sdk_raises_invalid_request_for_a_missing_object(
    served: tuple[SimulatedStripe, stripe.StripeClient],
) -> None:
    _, client = served

    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.refunds.retrieve("re_missing")

    assert missing.value.http_status == 404


def test_the_sdk_refunds_and_reads_disputes(
    served: tuple[SimulatedStripe, stripe.StripeClient],
) -> None:
    sim, client = served
    intent = client.v1.payment_intents.create(
        params={
            "amount": 1000,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "confirm": True,
        }
    )
    refund = client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 100})
    dispute_id = sim.open_dispute(intent.id)["id"]

    dispute = client.v1.disputes.update(
        dispute_id, params={"evidence": {"uncategorized_text": "winning_evidence"}}
    )
    sim.advance(timedelta(days=1))

    assert (refund.status, refund.amount) == ("succeeded", 100)
    assert dispute.status == "under_review"
    assert client.v1.disputes.retrieve(dispute_id).status == "won"


def test_the_sdk_pages_through_events(served: tuple[SimulatedStripe, stripe.StripeClient]) -> None:
    sim, client = served

    listed = [event.id for event in client.v1.events.list(params={"limit": 3}).auto_paging_iter()]

    assert listed == [event.id for event in reversed(sim.events.events)]
