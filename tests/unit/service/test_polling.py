"""The orders ``reconcile`` polls, chosen from read-model rows and the life cycle's graph."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from orderstate.adapters.service.polling import CLEARING_DUE, IN_FLIGHT_STATES, due_for_poll
from orderstate.adapters.service.readstore import OrderRow
from orderstate.engine import FINAL_STATES, State

NOW = datetime(2026, 11, 30, tzinfo=UTC)


def row(state: State, age: timedelta) -> OrderRow:
    return OrderRow(
        id=uuid4(),
        shop_id=115,
        order_number=f"{state}-{age}",
        state=state,
        amount=100,
        currency="PHP",
        version=3,
        modified_on=NOW - age,
        time_limit=None,
        final=state in FINAL_STATES,
    )


def test_in_flight_states_come_from_the_graph() -> None:
    assert {
        State.CREATED,
        State.IN_PROGRESS,
        State.REVIEW,
        State.AUTHORIZED,
        State.PAID,
        State.CLEARING,
        State.EXPIRED,
        State.DISPUTED,
    } == IN_FLIGHT_STATES


def test_settled_and_merchant_bound_orders_wait_for_the_merchant() -> None:
    hour = timedelta(hours=1)
    settled = [row(s, hour) for s in (State.COMPLETED, State.PARTIALLY_REFUNDED, State.NEED_ACTION)]
    pending = replace(row(State.COMPLETED, 2 * hour), pending="refund")

    assert due_for_poll([*settled, pending], NOW) == [pending]


def test_clearing_is_polled_once_past_its_expected_time() -> None:
    fresh, overdue = row(State.CLEARING, timedelta(days=1)), row(State.CLEARING, CLEARING_DUE)

    assert due_for_poll([fresh, overdue], NOW) == [overdue]


def test_oldest_change_first_within_the_limit_and_quiet_only() -> None:
    rows = [row(State.IN_PROGRESS, timedelta(minutes=m)) for m in (7, 60, 1, 30)]

    assert [r.modified_on for r in due_for_poll(rows, NOW, limit=2)] == [
        NOW - timedelta(minutes=60),
        NOW - timedelta(minutes=30),
    ]
    assert len(due_for_poll(rows, NOW, quiet=timedelta(minutes=5))) == 3
    with pytest.raises(ValueError, match="limit"):
        due_for_poll(rows, NOW, limit=-1)
