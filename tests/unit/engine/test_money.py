"""Behaviour of Money and the currency exponent table: exact parsing, refusals, arithmetic."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Context, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orderstate.engine.currencies import EXPONENTS, exponent
from orderstate.engine.errors import CurrencyMismatch, InvalidAmount, MoneyError, UnknownCurrency
from orderstate.engine.money import MAX_AMOUNT_LENGTH, Money

currencies = st.sampled_from(sorted(EXPONENTS))
# Small enough that every formatted amount stays within MAX_AMOUNT_LENGTH (ETH: 18 places).
minors = st.integers(min_value=0, max_value=10**40)


# --- the exponent table -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "expected"),
    [
        ("JPY", 0),
        ("KRW", 0),
        ("CLP", 0),
        ("XOF", 0),
        ("EUR", 2),
        ("USD", 2),
        ("PHP", 2),
        ("BRL", 2),
        ("KWD", 3),
        ("BHD", 3),
        ("TND", 3),
        ("CLF", 4),
        ("UYW", 4),
        ("BTC", 8),
        ("ETH", 18),
        ("SOL", 9),
        ("TRX", 6),
        ("LTC", 8),
    ],
)
def test_knows_the_exponent_of_each_currency(currency: str, expected: int) -> None:
    result = exponent(currency)

    assert result == expected


@pytest.mark.parametrize("code", ["ZZZ", "usd", "Usd", "", "US", "XAU", "XDR", "XXX", "HRK"])
def test_refuses_an_unknown_or_malformed_currency_code(code: str) -> None:
    with pytest.raises(UnknownCurrency) as caught:
        exponent(code)

    assert caught.value.currency == code


def test_exponent_table_is_read_only() -> None:
    table = EXPONENTS

    with pytest.raises(TypeError):
        table["ZZZ"] = 2  # type: ignore[index]


def test_every_code_is_upper_case_and_every_exponent_is_small() -> None:
    items = EXPONENTS.items()

    assert all(code.isupper() and code.isascii() for code, _ in items)
    assert all(0 <= exp <= 18 for _, exp in items)


# --- construction -------------------------------------------------------------------------


def test_builds_from_integer_minor_units() -> None:
    money = Money(5699, "PHP")

    assert (money.minor, money.currency, money.exponent) == (5699, "PHP", 2)


@pytest.mark.parametrize(
    ("minor", "reason_part"),
    [
        pytest.param(-1, "negative", id="negative"),
        pytest.param(True, "bool", id="bool"),
        pytest.param(1.0, "float", id="float"),
        pytest.param(Decimal(1), "Decimal", id="decimal"),
        pytest.param("1", "str", id="str"),
    ],
)
def test_refuses_minor_units_that_are_not_a_non_negative_int(
    minor: object, reason_part: str
) -> None:
    with pytest.raises(InvalidAmount) as caught:
        Money(minor, "EUR")  # type: ignore[arg-type]

    assert caught.value.currency == "EUR"
    assert caught.value.value == minor
    assert reason_part in caught.value.reason


@pytest.mark.parametrize("currency", ["usd", "ZZZ", ""])
def test_refuses_to_build_money_in_an_unknown_currency(currency: str) -> None:
    with pytest.raises(UnknownCurrency) as caught:
        Money(1, currency)

    assert caught.value.currency == currency
    assert str(caught.value) == f"unknown currency {currency!r}"


def test_zero_is_zero() -> None:
    money = Money.zero("JPY")

    assert money == Money(0, "JPY")
    assert money.is_zero
    assert not Money(1, "JPY").is_zero


def test_is_immutable_and_hashable() -> None:
    money = Money(100, "EUR")

    with pytest.raises(AttributeError):
        money.minor = 5  # type: ignore[misc]
    assert {money, Money(100, "EUR")} == {money}


# --- parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("56.99", "PHP", 5699),
        ("10.000000000", "BRL", 1000),
        ("0", "BRL", 0),
        ("0.00", "EUR", 0),
        ("100", "JPY", 100),
        ("100.0", "JPY", 100),
        ("1.234", "KWD", 1234),
        ("1.5", "KWD", 1500),
        ("0.0001", "CLF", 1),
        ("0.00000001", "BTC", 1),
        ("1", "ETH", 10**18),
        ("007.50", "EUR", 750),
    ],
)
def test_parses_a_decimal_string_exactly(amount: str, currency: str, minor: int) -> None:
    money = Money.parse(amount, currency)

    assert money == Money(minor, currency)


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("10.001", "BRL"), ("100.5", "JPY"), ("1.2345", "KWD"), ("0.000000001", "BTC")],
)
def test_refuses_more_precision_than_the_currency_has(amount: str, currency: str) -> None:
    with pytest.raises(InvalidAmount) as caught:
        Money.parse(amount, currency)

    assert caught.value.value == amount
    assert caught.value.currency == currency
    assert "decimal places" in caught.value.reason


@pytest.mark.parametrize(
    ("amount", "reason_part"),
    [
        pytest.param(1.5, "float", id="float"),
        pytest.param(1, "int", id="int"),
        pytest.param(Decimal("1.5"), "Decimal", id="decimal"),
        pytest.param(None, "NoneType", id="none"),
        pytest.param(True, "bool", id="bool"),
        pytest.param(b"1.5", "bytes", id="bytes"),
        pytest.param("", "empty", id="empty"),
        pytest.param(" 1.00", "whitespace", id="leading-space"),
        pytest.param("1.00 ", "whitespace", id="trailing-space"),
        pytest.param("1.00\n", "whitespace", id="trailing-newline"),
        pytest.param("-1", "sign", id="minus"),
        pytest.param("+1", "sign", id="plus"),
        pytest.param("-0", "sign", id="negative-zero"),
        pytest.param("1e3", "exponent", id="exponent-lower"),
        pytest.param("1E3", "exponent", id="exponent-upper"),
        pytest.param("NaN", "finite", id="nan"),
        pytest.param("sNaN", "finite", id="snan"),
        pytest.param("Infinity", "finite", id="infinity"),
        pytest.param("inf", "finite", id="inf"),
        pytest.param("1,5", "','", id="comma-decimal"),
        pytest.param("1,000.00", "','", id="comma-grouping"),
        pytest.param(".", "both sides", id="lone-dot"),
        pytest.param("1.", "both sides", id="trailing-dot"),
        pytest.param(".5", "both sides", id="leading-dot"),
        pytest.param("1_000", "underscore", id="underscore"),
        pytest.param("\u0661\u0662", "ASCII", id="arabic-indic-digits"),
        pytest.param("\uff11", "ASCII", id="fullwidth-digit"),
        pytest.param("1.2.3", "plain decimal", id="two-dots"),
        pytest.param("0x10", "plain decimal", id="hex"),
        pytest.param("1" * (MAX_AMOUNT_LENGTH + 1), "longer than", id="too-long"),
    ],
)
def test_refuses_anything_but_a_plain_decimal_string(amount: object, reason_part: str) -> None:
    with pytest.raises(InvalidAmount) as caught:
        Money.parse(amount, "EUR")  # type: ignore[arg-type]

    assert caught.value.value == amount
    assert caught.value.currency == "EUR"
    assert reason_part in caught.value.reason


def test_accepts_an_amount_of_exactly_the_maximum_length() -> None:
    amount = "1" * MAX_AMOUNT_LENGTH

    money = Money.parse(amount, "JPY")

    assert money.minor == int(amount)


def test_refuses_to_parse_into_an_unknown_currency() -> None:
    with pytest.raises(UnknownCurrency) as caught:
        Money.parse("1.00", "eur")

    assert caught.value.currency == "eur"


def test_money_errors_are_value_errors() -> None:
    with pytest.raises(ValueError, match="negative") as caught:
        Money.parse("-1", "EUR")

    assert isinstance(caught.value, MoneyError)


# --- rendering ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money(5699, "PHP"), "56.99"),
        (Money(5, "PHP"), "0.05"),
        (Money(0, "EUR"), "0.00"),
        (Money(100, "JPY"), "100"),
        (Money(1234, "KWD"), "1.234"),
        (Money(1, "ETH"), "0.000000000000000001"),
    ],
)
def test_formats_with_exactly_the_currency_exponent_places(money: Money, text: str) -> None:
    result = money.format_amount()

    assert result == text
    assert money.to_decimal() == Decimal(text)
    assert f"{money.to_decimal():f}" == text


def test_reads_as_amount_then_currency() -> None:
    money = Money(5699, "PHP")

    assert str(money) == "56.99 PHP"


# --- arithmetic and comparison ------------------------------------------------------------


def test_adds_and_subtracts_within_one_currency() -> None:
    a, b = Money(1000, "EUR"), Money(250, "EUR")

    assert a + b == Money(1250, "EUR")
    assert a - b == Money(750, "EUR")
    assert a - a == Money.zero("EUR")


def test_refuses_a_subtraction_below_zero() -> None:
    small, big = Money(100, "EUR"), Money(101, "EUR")

    with pytest.raises(InvalidAmount) as caught:
        small - big

    assert caught.value.reason == "negative result"
    assert caught.value.currency == "EUR"
    assert caught.value.value == "1.00 - 1.01"  # the refused expression, readable in a log


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(lambda a, b: a + b, id="add"),
        pytest.param(lambda a, b: a - b, id="sub"),
        pytest.param(lambda a, b: a < b, id="lt"),
        pytest.param(lambda a, b: a <= b, id="le"),
        pytest.param(lambda a, b: a > b, id="gt"),
        pytest.param(lambda a, b: a >= b, id="ge"),
    ],
)
def test_refuses_to_mix_currencies(operation: Callable[[Money, Money], object]) -> None:
    eur, usd = Money(100, "EUR"), Money(100, "USD")

    with pytest.raises(CurrencyMismatch) as caught:
        operation(eur, usd)

    assert (caught.value.expected, caught.value.got) == ("EUR", "USD")
    assert str(caught.value) == "currency mismatch: expected EUR, got USD"


def test_amounts_in_different_currencies_are_simply_unequal() -> None:
    eur, usd = Money(100, "EUR"), Money(100, "USD")

    assert eur != usd
    assert eur == Money(100, "EUR")


@pytest.mark.parametrize("other", [100, 1.0, Decimal(1), "1.00", None])
def test_refuses_to_compare_or_combine_with_a_non_money(other: object) -> None:
    money = Money(100, "EUR")

    with pytest.raises(TypeError):
        money < other  # type: ignore[operator]  # noqa: B015
    with pytest.raises(TypeError):
        money + other  # type: ignore[operator]
    assert money != other


# --- properties ---------------------------------------------------------------------------


@given(currency=currencies, minor=minors)
def test_parsing_the_formatted_amount_gives_back_the_same_money(currency: str, minor: int) -> None:
    money = Money(minor, currency)

    parsed = Money.parse(money.format_amount(), currency)

    assert parsed == money


@given(currency=currencies, minor=minors, zeros=st.integers(min_value=1, max_value=8))
def test_surplus_trailing_zeros_do_not_change_the_amount(
    currency: str, minor: int, zeros: int
) -> None:
    money = Money(minor, currency)
    text = money.format_amount()
    padded = text + ("" if "." in text else ".") + "0" * zeros

    parsed = Money.parse(padded, currency)

    assert parsed == money


@given(currency=currencies, a=minors, b=minors)
def test_adding_then_subtracting_round_trips(currency: str, a: int, b: int) -> None:
    x, y = Money(a, currency), Money(b, currency)

    total = x + y

    assert total - y == x
    assert total - x == y


@given(currency=currencies, a=minors, b=minors)
def test_ordering_agrees_with_the_minor_units(currency: str, a: int, b: int) -> None:
    x, y = Money(a, currency), Money(b, currency)

    results = (x < y, x <= y, x > y, x >= y, x == y)

    assert results == (a < b, a <= b, a > b, a >= b, a == b)


@given(currency=currencies, minor=minors)
def test_to_decimal_is_exact(currency: str, minor: int) -> None:
    money = Money(minor, currency)

    value = money.to_decimal()

    assert value == Decimal(minor).scaleb(-EXPONENTS[currency], context=Context(prec=100))
    assert value.as_tuple().exponent == -EXPONENTS[currency]


def test_a_negative_amount_is_refused_as_negative() -> None:
    with pytest.raises(InvalidAmount) as caught:
        Money(-1, "EUR")

    assert (caught.value.value, caught.value.reason) == (-1, "negative amount")
