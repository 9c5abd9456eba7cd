"""The service's merchant use cases: listing orders and kept callbacks, re-processing one,
resolving a mismatch, and a provider nobody can reach (nothing sent, nothing ambiguous)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.port import ProviderUnreachable
from orderstate.adapters.service import (
    InboxItemSettled,
    Operation,
    Outcome,
    Polled,
    Shop,
    UnknownInboxItem,
)
from orderstate.adapters.vertex import VertexClient, VertexConfig
from orderstate.adapters.vertex.retry import RetryPolicy
from orderstate.engine import Money, State, TransitionNotAllowed
from tests.unit.vertex.helpers import SECRET, order_json, signed

COST = Money.parse("56.99", "PHP")


def refused_connections() -> VertexClient:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    config = VertexConfig(
        token="t", base_url="http://vertex.test", retry=RetryPolicy(max_attempts=1)
    )
    return VertexClient(config, transport=httpx.MockTransport(handler))


def callback(**fields: object) -> tuple[bytes, list[tuple[str, str]]]:
    body = json.dumps(order_json(**fields)).encode()
    return body, list(signed(body).items())


def test_list_orders_gives_each_order_and_filters_by_state() -> None:
    service = build_service(shops={115: Shop((SECRET,))})
    service.place(shop_id=115, order_number="test04", amount=COST)
    service.place(shop_id=115, order_number="other", amount=COST)
    service.handle_callback(115, *callback(orderStatus="completed"))

    everything = service.list_orders()
    completed = service.list_orders(state="completed")

    assert {v.order_number for v in everything} == {"test04", "other"}
    assert [v.order_number for v in completed] == ["test04"]
    assert everything[-1].order_number == "test04"  # last changed last
    assert everything[-1].changed_at is not None


def test_inbox_items_lists_what_was_not_applied_and_reprocess_runs_one_again() -> None:
    service = build_service(shops={115: Shop(("old-secret",))})
    service.place(shop_id=115, order_number="test04", amount=COST)
    result = service.handle_callback(115, *callback(orderStatus="completed"))
    assert result.outcome is Outcome.UNAUTHENTICATED
    service.providers.shops[115] = Shop((SECRET,))  # the secret fixed in the settings

    [item] = service.inbox_items()
    again = service.reprocess_callback(item.id)

    assert item.kind == "unauthenticated"
    assert again.outcome is Outcome.APPLIED
    assert service.view(115, "test04").state == State.COMPLETED
    assert service.inbox_items() == []
    assert [i.id for i in service.inbox_items(status="applied")] == [item.id]
    with pytest.raises(InboxItemSettled):
        service.reprocess_callback(item.id)


def test_reprocess_refuses_an_id_that_is_no_inbox_item() -> None:
    service = build_service(shops={115: Shop((SECRET,))})
    service.place(shop_id=115, order_number="test04", amount=COST)

    with pytest.raises(UnknownInboxItem):
        service.reprocess_callback(uuid4())
    with pytest.raises(UnknownInboxItem):  # an order's id is not an inbox item's
        service.reprocess_callback(service.orders.require(115, "test04").id)


def test_resolve_records_the_merchant_s_decision_and_refuses_without_a_mismatch() -> None:
    service = build_service(shops={115: Shop((SECRET,))})
    service.place(shop_id=115, order_number="test04", amount=COST)
    short = {
        "paymentType": "payment",
        "paymentStatus": {"status": "completed"},
        "cost": {"amount": "50.00", "currency": "PHP"},
    }
    service.handle_callback(115, *callback(orderStatus="need_action", payments=[short]))
    assert service.view(115, "test04").state == State.NEED_ACTION

    view = service.resolve(115, "test04", "refunded", "50.00")

    assert view.state == State.REFUNDED
    assert view.captured == Money.parse("50.00", "PHP")
    with pytest.raises(TransitionNotAllowed):
        service.resolve(115, "test04", "completed")


def test_resolve_keeps_who_resolved_and_why_in_the_stored_event(tmp_path: Path) -> None:
    store = str(tmp_path / "resolved.db")
    service = build_service(store=store, shops={115: Shop((SECRET,))})
    service.place(shop_id=115, order_number="test04", amount=COST)
    short = {
        "paymentType": "payment",
        "paymentStatus": {"status": "completed"},
        "cost": {"amount": "50.00", "currency": "PHP"},
    }
    service.handle_callback(115, *callback(orderStatus="need_action", payments=[short]))

    service.resolve(115, "test04", "completed", "50.00", by="ana", reason="customer agreed")
    service.close()
    reopened = build_service(store=store, shops={115: Shop((SECRET,))})
    resolved = reopened.history(115, "test04")[-1]

    assert (resolved.by, resolved.reason) == ("ana", "customer agreed")
    assert reopened.replay_verify().failures == ()
    reopened.close()


def test_placing_over_a_refused_connection_raises_unreachable_and_keeps_the_order_created() -> None:
    service = build_service(shops={115: Shop((SECRET,))}, vertex_client=refused_connections())

    with pytest.raises(ProviderUnreachable):
        service.place(shop_id=115, order_number="test04", amount=COST)

    assert service.view(115, "test04").state == State.CREATED


def test_reconcile_counts_an_unreachable_provider_instead_of_stopping() -> None:
    service = build_service(shops={115: Shop((SECRET,))}, vertex_client=refused_connections())
    with pytest.raises(ProviderUnreachable):
        service.place(shop_id=115, order_number="test04", amount=COST)

    counts = service.reconcile(older_than=timedelta(0))

    assert counts == {Polled.UNREACHABLE: 1}


def test_a_request_that_could_not_be_sent_is_declined_as_not_sent(tmp_path: Path) -> None:
    store = str(tmp_path / "orders.db")
    local = build_service(store=store, shops={115: Shop((SECRET,))})
    local.place(shop_id=115, order_number="test04", amount=COST)
    local.handle_callback(115, *callback(orderStatus="in_progress", payments=[]))
    local.close()
    offline = build_service(
        store=store, shops={115: Shop((SECRET,))}, vertex_client=refused_connections()
    )

    with pytest.raises(ProviderUnreachable):
        offline.request(Operation.CANCEL, 115, "test04")

    assert offline.view(115, "test04").pending is None
    last = offline.history(115, "test04")[-1]
    assert type(last).__name__ == "RequestDeclined"
    assert last.reason.startswith("not sent: ")
    offline.close()
