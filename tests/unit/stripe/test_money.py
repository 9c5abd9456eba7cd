"""Stripe amounts <-> Money: a table over every currency shared/provider-stripe.md lists."""

from __future__ import annotations

import pytest

from orderstate.adapters.stripe.money import (
    SPECIAL_CASES,
    THREE_DECIMAL,
    ZERO_DECIMAL,
    StripeAmount,
    StripeAmountRefused,
    StripeCurrencyRefused,
    currency_rule,
    from_stripe,
    to_stripe,
)
from orderstate.engine.errors import InvalidAmount, MoneyError, UnknownCurrency
from orderstate.engine.money import Money

# (Stripe code, Stripe amount, the engine's Money as a decimal string): one row per listed code.
TABLE = [
    # Zero-decimal on Stripe and in ISO.
    ("bif", 500, "500"),
    ("clp", 500, "500"),
    ("djf", 500, "500"),
    ("gnf", 500, "500"),
    ("jpy", 500, "500"),
    ("kmf", 500, "500"),
    ("krw", 500, "500"),
    ("pyg", 500, "500"),
    ("rwf", 500, "500"),
    ("ugx", 500, "500"),
    ("vnd", 500, "500"),
    ("vuv", 500, "500"),
    ("xaf", 500, "500"),
    ("xof", 500, "500"),
    ("xpf", 500, "500"),
    # Zero-decimal on Stripe, two places in ISO: 500 ariary are 500.00.
    ("mga", 500, "500.00"),
    # Three-decimal, last digit 0.
    ("bhd", 5120, "5.120"),
    ("jod", 5120, "5.120"),
    ("kwd", 5120, "5.120"),
    ("omr", 5120, "5.120"),
    ("tnd", 5120, "5.120"),
    # Special cases: ISK two decimals on the wire, zero in ISO; HUF and TWD two.
    ("isk", 500, "5"),
    ("huf", 12345, "123.45"),
    ("twd", 12345, "123.45"),
    # Two-decimal, the default.
    ("usd", 1099, "10.99"),
    ("eur", 1, "0.01"),
]


def test_the_table_covers_every_listed_currency() -> None:
    listed = ZERO_DECIMAL | THREE_DECIMAL | set(SPECIAL_CASES)

    covered = {code.upper() for code, _, _ in TABLE}

    assert listed <= covered


@pytest.mark.parametrize(("code", "amount", "decimal"), TABLE)
def test_maps_a_stripe_amount_to_money_and_back(code: str, amount: int, decimal: str) -> None:
    money = Money.parse(decimal, code.upper())

    assert from_stripe(amount, code) == money
    assert to_stripe(money) == StripeAmount(amount, code)


@pytest.mark.parametrize(
    ("code", "stripe_exponent"),
    [("jpy", 0), ("mga", 0), ("kwd", 3), ("isk", 2), ("huf", 2), ("twd", 2), ("usd", 2)],
)
def test_names_stripes_places_per_currency(code: str, stripe_exponent: int) -> None:
    assert currency_rule(code).stripe_exponent == stripe_exponent


@pytest.mark.parametrize(("code", "step"), [("kwd", 10), ("isk", 100), ("huf", 1), ("usd", 1)])
def test_names_the_step_stripe_requires(code: str, step: int) -> None:
    assert currency_rule(code).step == step


@pytest.mark.parametrize("decimal", ["5.125", "0.001", "1.009"])
def test_refuses_to_send_a_three_decimal_amount_whose_last_digit_is_not_zero(
    decimal: str,
) -> None:
    with pytest.raises(StripeAmountRefused, match="multiples of 10"):
        to_stripe(Money.parse(decimal, "KWD"))


def test_accepts_a_reported_three_decimal_amount_it_can_represent_exactly() -> None:
    assert from_stripe(5125, "kwd") == Money(5125, "KWD")


@pytest.mark.parametrize("amount", [4010, 1, 99, 150])
def test_refuses_a_reported_fractional_krona(amount: int) -> None:
    with pytest.raises(StripeAmountRefused, match="not a whole engine unit") as refused:
        from_stripe(amount, "isk")

    assert refused.value.value == amount
    assert refused.value.currency == "ISK"


def test_refuses_to_send_a_fraction_of_an_ariary() -> None:
    with pytest.raises(StripeAmountRefused, match="units of 0 places"):
        to_stripe(Money.parse("5.50", "MGA"))


@pytest.mark.parametrize(
    "code",
    [
        "USD",  # Stripe spells codes in lower case; not repaired silently
        "Usd",
        "iqd",  # ISO three-decimal, no Stripe rule
        "lyd",
        "clf",  # ISO four-decimal
        "uyi",  # ISO zero-decimal, no Stripe rule
        "btc",  # crypto
        "usdt",
        "xau",  # no minor unit at all
        "zzz",
        "",
    ],
)
def test_refuses_a_currency_it_has_no_rule_for(code: str) -> None:
    with pytest.raises(StripeCurrencyRefused) as refused:
        from_stripe(100, code)

    assert refused.value.currency == code


def test_refuses_to_send_money_in_a_currency_stripe_has_no_rule_for() -> None:
    with pytest.raises(StripeCurrencyRefused):
        to_stripe(Money.parse("1.000", "IQD"))


@pytest.mark.parametrize("amount", [-1, 10.0, "100", True, None, 1.5])
def test_refuses_a_reported_amount_that_is_not_a_non_negative_int(amount: object) -> None:
    with pytest.raises(StripeAmountRefused) as refused:
        from_stripe(amount, "usd")

    assert refused.value.value == amount


def test_refuses_a_currency_code_that_is_not_a_string() -> None:
    with pytest.raises(StripeCurrencyRefused):
        currency_rule(840)  # type: ignore[arg-type]


def test_its_errors_are_the_engines_money_errors() -> None:
    assert issubclass(StripeAmountRefused, InvalidAmount)
    assert issubclass(StripeCurrencyRefused, UnknownCurrency)
    assert issubclass(StripeAmountRefused, MoneyError)
    assert issubclass(StripeCurrencyRefused, ValueError)


@pytest.mark.parametrize("minor", [0, 1, 7, 10**15 + 3])
def test_round_trips_any_two_decimal_amount(minor: int) -> None:
    money = Money(minor, "EUR")

    sent = to_stripe(money)

    assert from_stripe(sent.amount, sent.currency) == money
