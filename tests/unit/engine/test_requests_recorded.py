"""The merchant's requests, the provider's other inconsistency and the event clock, as recorded:
each names its exact event and fields, so a request that records the wrong one is caught."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orderstate.engine import (
    Money,
    OperationPending,
    Order,
    Request,
    TokenStandardRequired,
    TransitionNotAllowed,
)
from orderstate.engine.order import stamped_by

from .builders import link, php, placed, settled, walk

NOON = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def in_progress() -> Order:
    order = walk(placed(), link)
    order.collect_events()
    return order


def in_review() -> Order:
    order = walk(placed(), link, Order.record_review_started)
    order.collect_events()
    return order


def recorded(order: Order) -> list[tuple[str, dict[str, object]]]:
    envelope = {"originator_id", "originator_version", "timestamp"}
    return [
        (type(event).__name__, {k: v for k, v in vars(event).items() if k not in envelope})
        for event in order.collect_events()
    ]


@pytest.mark.parametrize(
    ("request_", "accept", "pending"),
    [
        (Request.ACCEPT_REVIEW, True, Request.ACCEPT_REVIEW),
        (Request.DECLINE_REVIEW, False, Request.DECLINE_REVIEW),
    ],
    ids=["accept", "decline"],
)
def test_a_review_decision_request_records_the_decision(
    request_: Request, accept: bool, pending: Request
) -> None:
    order = in_review()

    order.request(request_)

    assert recorded(order) == [("ReviewDecisionRequested", {"accept": accept})]
    assert (order.state, order.pending) == ("review", pending)


@pytest.mark.parametrize("accept", [True, False])
def test_request_review_decision_records_its_argument(accept: bool) -> None:
    order = in_review()

    order.request_review_decision(accept=accept)

    assert recorded(order) == [("ReviewDecisionRequested", {"accept": accept})]


def test_a_second_review_decision_is_refused_while_one_is_pending() -> None:
    order = in_review()
    order.request_review_decision(accept=True)
    version = order.version

    with pytest.raises(OperationPending) as caught:
        order.request_review_decision(accept=False)

    assert caught.value.event == "ReviewDecisionRequested"
    assert caught.value.reason == "a accept_review is already pending"
    assert order.version == version
    assert order.pending == Request.ACCEPT_REVIEW


def test_a_reject_request_records_reject_requested() -> None:
    order = in_progress()

    order.request(Request.REJECT)

    assert recorded(order) == [("RejectRequested", {})]
    assert (order.state, order.pending) == ("in_progress", Request.REJECT)


def test_a_second_reject_is_refused_while_one_is_pending() -> None:
    order = in_progress()
    order.request_reject()
    version = order.version

    with pytest.raises(OperationPending) as caught:
        order.request_reject()

    assert caught.value.event == "RejectRequested"
    assert caught.value.reason == "a reject is already pending"
    assert str(caught.value).endswith(
        "cannot RejectRequested in state 'in_progress': a reject is already pending"
    )
    assert order.version == version


def test_a_cancel_request_records_cancel_requested() -> None:
    order = in_progress()

    order.request(Request.CANCEL)

    assert recorded(order) == [("CancelRequested", {})]
    assert order.pending == Request.CANCEL


def test_a_reject_is_refused_where_the_life_cycle_has_none() -> None:
    order = in_review()

    with pytest.raises(TransitionNotAllowed) as caught:
        order.request(Request.REJECT)

    assert caught.value.event == "RejectRequested"
    assert order.pending is None


def test_an_inconsistency_records_what_was_paid_and_why() -> None:
    order = walk(placed(), link, Order.record_capture)
    order.collect_events()

    order.record_inconsistency(php("56.99"), "provider status need_action with PHP 56.99 paid")

    assert recorded(order) == [
        (
            "InconsistencyReported",
            {"paid": php("56.99"), "reason": "provider status need_action with PHP 56.99 paid"},
        )
    ]
    assert order.state == "need_action"
    assert order.mismatch == php("56.99")


def test_an_inconsistency_is_refused_where_the_life_cycle_has_none() -> None:
    order = settled()
    order.collect_events()

    with pytest.raises(TransitionNotAllowed) as caught:
        order.record_inconsistency(php("56.99"), "late")

    assert caught.value.event == "InconsistencyReported"
    assert recorded(order) == []


def test_events_decided_under_a_clock_carry_its_time() -> None:
    with stamped_by(lambda: NOON):
        order = placed()
        link(order)

    events = order.collect_events()
    assert [type(e).__name__ for e in events] == ["OrderPlaced", "PaymentLinkIssued"]
    assert [e.timestamp for e in events] == [NOON, NOON]


def test_events_decided_without_a_clock_carry_the_wall_clock() -> None:
    before = datetime.now(UTC)
    order = placed()
    after = datetime.now(UTC)

    (event,) = order.collect_events()
    assert before <= event.timestamp <= after


def test_a_multi_chain_token_keeps_its_code_and_places() -> None:
    with pytest.raises(TokenStandardRequired) as caught:
        Money.parse("1.00", "USDT")

    assert caught.value.currency == "USDT"
    assert isinstance(caught.value.places, dict)
    assert caught.value.places["BEP20"] == 18
    assert caught.value.places["ERC20"] == 6
