"""``OrderService.save``: eventsourcing's ``Application.save`` with aggregates collected without
its runtime-Protocol checks; what it saves, and how, is unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.service import OrderService
from orderstate.adapters.service.inbox import InboxItem

RECEIVED_AT = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.fixture
def service() -> Iterator[OrderService]:
    service = build_service()
    yield service
    service.close()


def _item() -> InboxItem:
    return InboxItem.receive(
        shop_id=115, body=b"{}", headers=[("X-A", "1")], received_at=RECEIVED_AT, id=uuid4()
    )


def test_saves_aggregates_bare_events_and_skips_none_in_one_call(service: OrderService) -> None:
    as_aggregate, as_events = _item(), _item()
    as_aggregate.rejected("malformed", "not JSON")
    events = as_events.collect_events()

    recordings = service.save(as_aggregate, None, *events)

    assert [r.domain_event.originator_id for r in recordings] == [as_aggregate.id] * 2 + [
        as_events.id
    ]
    assert service.repository.get(as_aggregate.id).status == "rejected"
    assert service.repository.get(as_events.id).headers == [["x-a", "1"]]
    assert as_aggregate.pending_events == []


def test_returns_notification_ids_in_the_order_saved(service: OrderService) -> None:
    first, second = _item(), _item()

    ids = service.orders.save(first, second)

    assert ids == sorted(ids)
    assert len(ids) == 2
    assert service.orders.head() == ids[-1]
