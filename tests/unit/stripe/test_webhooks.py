"""Stripe-Signature verified by the SDK against the receive time, then the event read."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from orderstate.adapters.port import CallbackRefused, Outcome, Shop
from orderstate.adapters.stripe.calls import StripeCalls, StripeConfig
from orderstate.adapters.stripe.objects import StripeView
from orderstate.adapters.stripe.provider import StripeProvider
from orderstate.adapters.stripe.webhooks import EVENT_TYPES, sign

from .objects import AMOUNT, NUMBER, SHOP, dispute, fixture, intent

SECRET = "whsec_test_current"
OLD_SECRET = "whsec_test_previous"
NOW = datetime(2026, 12, 7, 22, 0, tzinfo=UTC)
SHOP_CONFIG = Shop(secrets=(SECRET,), provider="stripe")


def event(obj: dict[str, Any], kind: str = "payment_intent.succeeded") -> bytes:
    envelope = fixture("event", type=kind, id="evt_test_1", data={"object": obj})
    return json.dumps(envelope).encode()


def headers(body: bytes, secret: str = SECRET, at: datetime = NOW) -> dict[str, str]:
    return {"Stripe-Signature": sign(body, secret, timestamp=int(at.timestamp()))}


def read(
    body: bytes,
    hdrs: dict[str, str],
    shop: Shop | None = SHOP_CONFIG,
    provider: StripeProvider | None = None,
) -> StripeView:
    fact = (provider or StripeProvider()).read_callback(
        body, hdrs, shop_id=SHOP, shop=shop, received_at=NOW
    )
    assert isinstance(fact.detail, StripeView)
    assert (fact.shop_id, fact.order_number) == (SHOP, NUMBER)
    return fact.detail


def refused(body: bytes, hdrs: dict[str, str], shop: Shop | None = SHOP_CONFIG) -> Outcome:
    with pytest.raises(CallbackRefused) as caught:
        read(body, hdrs, shop)
    return caught.value.outcome


def test_reads_a_signed_event_into_the_order_s_view() -> None:
    body = event(intent("succeeded"))

    view = read(body, headers(body))

    assert (view.state, view.event_id, view.source) == (
        "clearing",
        "evt_test_1",
        "payment_intent.succeeded",
    )


def test_any_secret_of_the_account_verifies_while_one_is_rolled() -> None:
    body = event(intent("succeeded"))
    rolling = Shop(secrets=(SECRET, OLD_SECRET), provider="stripe")

    view = read(body, headers(body, OLD_SECRET), rolling)

    assert view.state == "clearing"


def test_refuses_another_secret_a_tampered_body_or_no_header() -> None:
    body = event(intent("succeeded"))
    tampered = body.replace(str(AMOUNT).encode(), b"1")

    assert refused(body, headers(body, "whsec_other")) is Outcome.UNAUTHENTICATED
    assert refused(tampered, headers(body)) is Outcome.UNAUTHENTICATED
    assert refused(body, {}) is Outcome.UNAUTHENTICATED
    assert refused(body, headers(body), shop=None) is Outcome.UNAUTHENTICATED


@pytest.mark.parametrize("skew", [timedelta(seconds=301), timedelta(seconds=-301)])
def test_refuses_a_signature_outside_the_tolerance_of_the_receive_time(skew: timedelta) -> None:
    body = event(intent("succeeded"))

    assert refused(body, headers(body, at=NOW + skew)) is Outcome.UNAUTHENTICATED


def test_a_signature_within_the_tolerance_is_accepted() -> None:
    body = event(intent("succeeded"))

    assert read(body, headers(body, at=NOW - timedelta(seconds=299))).state == "clearing"


def test_refuses_an_event_type_it_does_not_read_as_malformed() -> None:
    body = json.dumps(fixture("event")).encode()  # Stripe's example: plan.created

    assert refused(body, headers(body)) is Outcome.MALFORMED


def test_refuses_an_event_for_another_shop() -> None:
    other = intent("succeeded", metadata={"shop_id": "999", "order_number": NUMBER})
    body = event(other)

    assert refused(body, headers(body)) is Outcome.MALFORMED


def test_a_dispute_finds_its_order_through_its_payment_intent() -> None:
    seen: list[str] = []

    def stripe_api(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(200, json=intent("succeeded"))

    config = StripeConfig(api_key="sk_test_1", base_url="https://stripe.test", timeout=5.0)
    calls = StripeCalls(config, http=httpx.Client(transport=httpx.MockTransport(stripe_api)))
    body = event(dispute("needs_response"), "charge.dispute.created")

    view = read(body, headers(body), provider=StripeProvider(calls))

    assert seen == ["/v1/payment_intents/pi_1PgafyB7WZ01zgkWSjxsAJo3"]
    assert view.dispute is not None
    assert view.dispute.amount.minor == AMOUNT


def test_a_dispute_without_the_api_key_cannot_be_placed_and_is_kept_as_malformed() -> None:
    body = event(dispute("needs_response"), "charge.dispute.created")

    assert refused(body, headers(body)) is Outcome.MALFORMED


def test_reads_every_event_type_of_provider_stripe_md() -> None:
    listed = {
        "payment_intent.created", "payment_intent.processing", "payment_intent.requires_action",
        "payment_intent.amount_capturable_updated", "payment_intent.succeeded",
        "payment_intent.payment_failed", "payment_intent.canceled", "charge.succeeded",
        "charge.captured", "charge.refunded", "charge.failed", "charge.pending",
        "charge.updated", "charge.expired", "charge.refund.updated", "refund.created",
        "refund.updated", "refund.failed", "charge.dispute.created", "charge.dispute.updated",
        "charge.dispute.closed", "charge.dispute.funds_withdrawn",
        "charge.dispute.funds_reinstated",
    }  # fmt: skip

    assert listed == EVENT_TYPES
