"""The ORDER parser: both spellings, exact amounts, and a refusal naming the field at fault."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orderstate.adapters.vertex.errors import CallbackTooLarge, MalformedCallback
from orderstate.adapters.vertex.models import (
    OrderSnapshot,
    OrderStatus,
    Payment,
    PaymentStatus,
    PaymentType,
)
from orderstate.adapters.vertex.payloads import order_to_json, parse_json, parse_order
from orderstate.engine.currencies import EXPONENTS
from orderstate.engine.money import Money

from .helpers import MISSING, order_json

PHP_5699 = Money(5699, "PHP")


def refusal(data: object, *, shop_id: int | None = None) -> MalformedCallback:
    """The error ``parse_order`` raises for ``data`` (the test fails if it raises none)."""
    with pytest.raises(MalformedCallback) as caught:
        parse_order(data, shop_id=shop_id)
    return caught.value


def payment_json(**overrides: object) -> dict[str, object]:
    """The one payment item of ``order_json()``, with top-level keys replaced or removed."""
    payments = order_json()["payments"]
    assert isinstance(payments, list)
    item: dict[str, object] = payments[0]
    for key, value in overrides.items():
        if value is MISSING:
            item.pop(key, None)
        else:
            item[key] = value
    return item


def older_spelling(data: dict[str, object]) -> dict[str, object]:
    data["number"] = data.pop("orderNumber")
    data["status"] = data.pop("orderStatus")
    return data


# --- the documented object ------------------------------------------------------------------


def test_reads_the_documented_order_object_into_a_snapshot() -> None:
    data = order_json()

    snapshot = parse_order(data)

    assert snapshot == OrderSnapshot(
        shop_id=115,
        order_number="test04",
        status=OrderStatus.IN_PROGRESS,
        cost=PHP_5699,
        payments=(Payment(PaymentStatus.COMPLETED, PHP_5699, PaymentType.PAYMENT),),
        gateway_id=77,
        payment_link="https://payment-page.stage.vertexgateway.com/payment?session-id=1&page-id=854",
    )


def test_reads_the_older_callback_spelling_to_the_same_snapshot() -> None:
    older = older_spelling(order_json())

    snapshot = parse_order(older)

    assert snapshot == parse_order(order_json())


def test_accepts_both_spellings_when_they_agree() -> None:
    data = order_json(number="test04", status="in_progress")

    snapshot = parse_order(data)

    assert snapshot == parse_order(order_json())


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"number": "test05"}, "orderNumber"),
        ({"status": "completed"}, "orderStatus"),
    ],
)
def test_refuses_both_spellings_when_they_disagree(
    overrides: dict[str, object], field: str
) -> None:
    data = order_json(**overrides)

    error = refusal(data)

    assert error.field == field


def test_reads_a_review_callback_with_its_timeout_in_hours() -> None:
    data = order_json(orderStatus="review", reviewTimeout=24)

    snapshot = parse_order(data)

    assert snapshot.status is OrderStatus.REVIEW
    assert snapshot.review_timeout_hours == 24


def test_reads_an_order_without_payments_yet() -> None:
    data = order_json(payments=[], id=MISSING, paymentLink=MISSING)

    snapshot = parse_order(data)

    assert snapshot.payments == ()
    assert snapshot.gateway_id is None
    assert snapshot.payment_link is None


def test_reads_refund_items_of_payments() -> None:
    refund = payment_json(paymentType="refund", cost={"amount": "10.00", "currency": "PHP"})
    data = order_json(orderStatus="partially_refunded", payments=[payment_json(), refund])

    snapshot = parse_order(data)

    assert snapshot.refunds() == (
        Payment(PaymentStatus.COMPLETED, Money(1000, "PHP"), PaymentType.REFUND),
    )
    assert snapshot.charges() == (Payment(PaymentStatus.COMPLETED, PHP_5699),)


@pytest.mark.parametrize("absent", [MISSING, None])
def test_a_payment_without_a_type_is_a_charge(absent: object) -> None:
    data = order_json(payments=[payment_json(paymentType=absent)])

    snapshot = parse_order(data)

    assert snapshot.payments[0].payment_type is PaymentType.PAYMENT


def test_tolerates_unknown_fields_everywhere() -> None:
    payment = payment_json(payer={"email": "john.doe@mymail.com"}, paymentDetails={"x": 1})
    payment["paymentStatus"] = {"status": "completed", "reason": None}
    data = order_json(
        payments=[payment],
        cost={"amount": "56.99", "currency": "PHP", "note": "x"},
        timeLimit={"date": "2024-01-27 07:45:51.000000", "timezone_type": 3, "timezone": "UTC"},
        orderCreatedAt="2024-01-26 13:19:33",
    )

    snapshot = parse_order(data)

    assert snapshot == parse_order(order_json())


def test_reads_canceled_spelled_the_american_way_as_cancelled() -> None:
    data = order_json(
        orderStatus="canceled", payments=[payment_json(paymentStatus={"status": "canceled"})]
    )

    snapshot = parse_order(data)

    assert snapshot.status is OrderStatus.CANCELLED
    assert snapshot.payments[0].status is PaymentStatus.CANCELLED


# --- amounts ----------------------------------------------------------------------------------


def test_reads_nine_decimal_places_with_surplus_zeros_exactly() -> None:
    data = order_json(cost={"amount": "10.000000000", "currency": "BRL"}, payments=[])

    snapshot = parse_order(data)

    assert snapshot.cost == Money(1000, "BRL")


def test_refuses_real_extra_precision_naming_the_amount() -> None:
    data = order_json(cost={"amount": "10.001", "currency": "BRL"}, payments=[])

    error = refusal(data)

    assert error.field == "cost.amount"
    assert "'10.001'" in error.reason


@pytest.mark.parametrize("amount", [56.99, 5699, Decimal("56.99"), True])
def test_refuses_an_amount_that_is_not_a_string(amount: object) -> None:
    data = order_json(cost={"amount": amount, "currency": "PHP"})

    error = refusal(data)

    assert error.field == "cost.amount"
    assert "expected a string" in error.reason


def test_refuses_an_amount_sent_as_a_json_number() -> None:
    body = json.dumps(order_json()).replace('"56.99"', "56.99").encode()

    error = refusal(parse_json(body))

    assert error.field == "cost.amount"
    assert "number" in error.reason


@pytest.mark.parametrize("amount", ["-56.99", "56,99", "", "1e3", "NaN", " 56.99", "56."])
def test_refuses_a_negative_or_malformed_amount(amount: str) -> None:
    data = order_json(cost={"amount": amount, "currency": "PHP"})

    error = refusal(data)

    assert error.field == "cost.amount"


def test_refuses_an_unknown_currency_naming_it() -> None:
    data = order_json(cost={"amount": "56.99", "currency": "ZZZ"}, payments=[])

    error = refusal(data)

    assert error.field == "cost.currency"
    assert "ZZZ" in error.reason


def test_refuses_a_malformed_payment_amount_naming_its_index() -> None:
    bad = payment_json(cost={"amount": "1.001", "currency": "PHP"})
    data = order_json(payments=[payment_json(), bad])

    error = refusal(data)

    assert error.field == "payments[1].cost.amount"


def test_refuses_a_payment_in_another_currency_than_the_order() -> None:
    data = order_json(payments=[payment_json(cost={"amount": "1.00", "currency": "USD"})])

    error = refusal(data)

    assert error.field == "payments[0].cost.currency"
    assert "USD" in error.reason
    assert "PHP" in error.reason


# --- statuses -------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["orderStatus", "status"])
def test_refuses_an_unknown_order_status_naming_field_and_value(spelling: str) -> None:
    data = order_json(orderStatus=MISSING)
    data[spelling] = "on_hold"

    error = refusal(data)

    assert error.field == spelling
    assert "'on_hold'" in error.reason


def test_refuses_an_unknown_payment_status_naming_field_and_value() -> None:
    data = order_json(payments=[payment_json(paymentStatus={"status": "settled"})])

    error = refusal(data)

    assert error.field == "payments[0].paymentStatus.status"
    assert "'settled'" in error.reason


def test_refuses_an_unknown_payment_type() -> None:
    data = order_json(payments=[payment_json(paymentType="chargeback")])

    error = refusal(data)

    assert error.field == "payments[0].paymentType"
    assert "'chargeback'" in error.reason


# --- the shop -------------------------------------------------------------------------------


def test_takes_the_shop_from_the_body_when_the_caller_does_not_know_it() -> None:
    data = order_json(shopId=115)

    snapshot = parse_order(data)

    assert snapshot.shop_id == 115


def test_takes_the_shop_from_the_caller_when_the_body_has_none() -> None:
    data = order_json(shopId=MISSING)

    snapshot = parse_order(data, shop_id=116)

    assert snapshot.shop_id == 116


def test_accepts_a_body_naming_the_shop_the_caller_expects() -> None:
    data = order_json(shopId=115)

    snapshot = parse_order(data, shop_id=115)

    assert snapshot.shop_id == 115


def test_refuses_a_body_naming_another_shop_than_the_caller_expects() -> None:
    data = order_json(shopId=115)

    error = refusal(data, shop_id=116)

    assert error.field == "shopId"


def test_refuses_an_order_whose_shop_is_known_nowhere() -> None:
    data = order_json(shopId=MISSING)

    error = refusal(data)

    assert error.field == "shopId"


# --- order numbers --------------------------------------------------------------------------


def test_accepts_an_order_number_of_255_characters() -> None:
    data = order_json(orderNumber="n" * 255)

    snapshot = parse_order(data)

    assert snapshot.order_number == "n" * 255


def test_accepts_an_older_order_number_with_an_underscore() -> None:
    data = order_json(orderNumber="7_1706275173")

    snapshot = parse_order(data)

    assert snapshot.order_number == "7_1706275173"


@pytest.mark.parametrize("number", ["", "n" * 256])
def test_refuses_an_empty_or_too_long_order_number(number: str) -> None:
    data = order_json(orderNumber=number)

    error = refusal(data)

    assert error.field == "orderNumber"


# --- shapes and types -----------------------------------------------------------------------

REQUIRED_PATHS = [
    ("orderNumber",),
    ("orderStatus",),
    ("cost",),
    ("cost", "amount"),
    ("cost", "currency"),
    ("payments", 0, "paymentStatus"),
    ("payments", 0, "paymentStatus", "status"),
    ("payments", 0, "cost"),
    ("payments", 0, "cost", "amount"),
    ("payments", 0, "cost", "currency"),
]


def dotted(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def container(data: Any, path: tuple[str | int, ...]) -> Any:
    """The object or array holding the last key of ``path``."""
    for key in path[:-1]:
        data = data[key]
    return data


@pytest.mark.parametrize("absent", [MISSING, None], ids=["missing", "null"])
def test_reads_an_order_without_payments_as_no_payment_yet(absent: object) -> None:
    snapshot = parse_order(order_json(payments=absent))

    assert snapshot.payments == ()


@pytest.mark.parametrize("path", REQUIRED_PATHS, ids=dotted)
def test_refuses_an_order_missing_a_required_field_naming_it(path: tuple[str | int, ...]) -> None:
    data = order_json()
    del container(data, path)[path[-1]]

    error = refusal(data)

    assert error.field == dotted(path)
    assert "missing" in error.reason


@pytest.mark.parametrize("path", REQUIRED_PATHS, ids=dotted)
def test_refuses_a_required_field_set_to_null_naming_it(path: tuple[str | int, ...]) -> None:
    data = order_json()
    container(data, path)[path[-1]] = None

    error = refusal(data)

    assert error.field == dotted(path)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("shopId",), "115"),
        (("shopId",), True),
        (("id",), "77"),
        (("id",), 77.0),
        (("orderNumber",), 4),
        (("orderStatus",), ["completed"]),
        (("cost",), "56.99 PHP"),
        (("cost", "currency"), 608),
        (("payments",), {"0": {}}),
        (("payments", 0), "payment"),
        (("payments", 0, "paymentStatus"), "completed"),
        (("payments", 0, "paymentStatus", "status"), 1),
        (("payments", 0, "paymentType"), 0),
        (("payments", 0, "cost"), ["56.99", "PHP"]),
        (("paymentLink",), 1),
        (("reviewTimeout",), "24"),
        (("reviewTimeout",), -1),
    ],
    ids=lambda v: dotted(v) if isinstance(v, tuple) else repr(v),
)
def test_refuses_a_field_of_the_wrong_type_naming_it(
    path: tuple[str | int, ...], value: object
) -> None:
    data = order_json()
    container(data, path)[path[-1]] = value

    error = refusal(data)

    assert error.field == dotted(path)


@pytest.mark.parametrize("data", [[], "order", 7, None])
def test_refuses_a_body_that_is_not_an_object(data: object) -> None:
    error = refusal(data)

    assert error.field == "body"


# --- parse_json -----------------------------------------------------------------------------


def test_decodes_a_body_within_the_limit() -> None:
    body = json.dumps(order_json()).encode()

    data = parse_json(body, limit=len(body))

    assert data == order_json()


def test_refuses_a_body_over_the_limit_before_decoding_it() -> None:
    body = b"\xff" * 11  # not even UTF-8: only the size may be looked at

    with pytest.raises(CallbackTooLarge) as caught:
        parse_json(body, limit=10)

    assert (caught.value.size, caught.value.limit) == (11, 10)
    assert caught.value.field == "body"


def test_refuses_a_body_over_the_default_limit_of_64_kib() -> None:
    body = b" " * (64 * 1024) + b"{}"

    with pytest.raises(CallbackTooLarge):
        parse_json(body)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"orderNumber": "test04"', "not JSON"),
        (b"", "not JSON"),
        (b"\xef\xbb\xbf{}", "not JSON"),
        (b'{"orderNumber": "\xff"}', "not UTF-8"),
        (b'{"cost": NaN}', "NaN"),
        (b'{"cost": -Infinity}', "Infinity"),
        (b'{"a": 1, "a": 2}', "twice"),
        (b"[" * 50_000 + b"]" * 50_000, "nested"),
        (b'{"id": ' + b"9" * 5_000 + b"}", "not readable JSON"),
    ],
    ids=[
        "truncated",
        "empty",
        "bom",
        "latin-1",
        "nan",
        "infinity",
        "duplicate-key",
        "deep",
        "huge-integer",
    ],
)
def test_refuses_a_body_that_is_not_strict_json(body: bytes, reason: str) -> None:
    with pytest.raises(MalformedCallback) as caught:
        parse_json(body, limit=len(body) + 1)

    assert caught.value.field == "body"
    assert reason in caught.value.reason


def test_never_decodes_a_json_number_as_a_float() -> None:
    body = b'{"a": 56.99, "b": [1.5e3], "c": 7}'

    data = parse_json(body)

    assert data == {"a": Decimal("56.99"), "b": [Decimal("1.5e3")], "c": 7}


# --- order_to_json --------------------------------------------------------------------------


def test_writes_the_newer_spelling_with_amounts_in_the_currencys_precision() -> None:
    snapshot = parse_order(older_spelling(order_json()))

    data = order_to_json(snapshot)

    assert data == order_json(payments=[payment_json(cost={"amount": "56.99", "currency": "PHP"})])


currencies = st.sampled_from(sorted(EXPONENTS))
minors = st.integers(min_value=0, max_value=10**30)  # ETH's 18 places stay under 60 characters


@st.composite
def snapshots(draw: st.DrawFn) -> OrderSnapshot:
    currency = draw(currencies)
    money = st.builds(Money, minors, st.just(currency))
    payment = st.builds(
        Payment, st.sampled_from(PaymentStatus), money, st.sampled_from(PaymentType)
    )
    return OrderSnapshot(
        shop_id=draw(st.integers(min_value=1, max_value=2**63)),
        order_number=draw(st.text(min_size=1, max_size=255)),
        status=draw(st.sampled_from(OrderStatus)),
        cost=draw(money),
        payments=tuple(draw(st.lists(payment, max_size=4))),
        gateway_id=draw(st.none() | st.integers(min_value=0, max_value=2**63)),
        payment_link=draw(st.none() | st.text(max_size=50)),
        review_timeout_hours=draw(st.none() | st.integers(min_value=0, max_value=10**4)),
    )


@given(snapshots())
def test_parsing_what_was_written_gives_the_snapshot_back(snapshot: OrderSnapshot) -> None:
    data = order_to_json(snapshot)

    parsed = parse_order(data)

    assert parsed == snapshot


@given(snapshots())
def test_a_snapshot_survives_the_trip_through_json_bytes(snapshot: OrderSnapshot) -> None:
    body = json.dumps(order_to_json(snapshot)).encode()

    parsed = parse_order(parse_json(body, limit=len(body)), shop_id=snapshot.shop_id)

    assert parsed == snapshot
