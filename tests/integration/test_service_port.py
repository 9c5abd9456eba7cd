"""The order service through the port: a callback addressed to another provider, merchant
requests with bad amounts, and jobs that need a provider nobody configured."""

from __future__ import annotations

import json

import pytest

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.port import ProviderNotConfigured
from orderstate.adapters.service import Operation, Outcome, Shop, UnknownOrder
from orderstate.engine import InvalidAmount, Money, TransitionNotAllowed
from tests.unit.vertex.helpers import SECRET, order_json, signed

COST = Money.parse("56.99", "PHP")


def test_a_callback_addressed_to_another_provider_is_kept_and_refused() -> None:
    service = build_service(shops={115: Shop((SECRET,))})
    service.place(shop_id=115, order_number="test04", amount=COST)
    body = json.dumps(order_json()).encode()

    result = service.handle_callback(115, body, list(signed(body).items()), provider="stripe")

    assert result.outcome is Outcome.UNAUTHENTICATED
    assert result.reason == "shop 115 is a vertex shop, not stripe"
    assert [item.kind for item in service.rejected_callbacks()] == ["unauthenticated"]
    assert service.view(115, "test04").version == 1  # nothing appended


def test_a_refund_amount_given_as_text_is_read_in_the_orders_currency() -> None:
    service = build_service(shops={115: Shop((SECRET,))})
    service.place(shop_id=115, order_number="test04", amount=COST)
    body = json.dumps(order_json(orderStatus="completed")).encode()
    service.handle_callback(115, body, list(signed(body).items()))

    view = service.request(Operation.REFUND, 115, "test04", "6.99")

    assert (view.pending, service.orders.require(115, "test04").pending_amount) == (
        "refund",
        Money.parse("6.99", "PHP"),
    )


def test_a_refund_amount_that_is_not_a_number_is_refused_and_nothing_is_appended() -> None:
    service = build_service(shops={115: Shop((SECRET,))})
    service.place(shop_id=115, order_number="test04", amount=COST)

    with pytest.raises(InvalidAmount, match="'abc'"):
        service.request(Operation.REFUND, 115, "test04", "abc")

    assert service.view(115, "test04").version == 1  # only OrderPlaced: no provider to call


def test_a_request_the_life_cycle_refuses_appends_nothing() -> None:
    service = build_service(shops={115: Shop((SECRET,))})
    service.place(shop_id=115, order_number="test04", amount=COST)

    with pytest.raises(TransitionNotAllowed):
        service.request(Operation.CAPTURE, 115, "test04")

    assert service.view(115, "test04").pending is None


def test_a_request_for_an_unknown_order_is_a_typed_not_found() -> None:
    service = build_service()

    with pytest.raises(UnknownOrder, match="no order X-1 in shop 115"):
        service.request(Operation.CANCEL, 115, "X-1")


def test_reconcile_without_provider_credentials_says_what_to_set() -> None:
    service = build_service()

    with pytest.raises(ProviderNotConfigured, match="reconcile needs a provider"):
        service.reconcile()
