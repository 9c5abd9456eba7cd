"""Stripe amounts <-> the engine's Money, exactly, per currency.

Stripe writes an amount as an integer in *its* unit of a currency, with a lower-case code; the
engine's unit is the ISO 4217 minor unit (``orderstate.engine.currencies``). The two agree for
most currencies and differ for a few, so each currency has a rule (``StripeCurrency``):

- **zero-decimal** (BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF): whole units.
  They are ISO zero-decimal too, except MGA (ISO: 2 places), so MGA 5 on Stripe is 500 engine
  minor units and an engine amount with a fraction of an ariary cannot be sent.
- **three-decimal** (BHD JOD KWD OMR TND): thousandths, as in ISO, but Stripe requires the last
  digit of an amount it is *sent* to be 0 (``step`` 10).
- **ISK**: ISO zero-decimal, but Stripe keeps writing it with two decimals that must be 00
  (since 2023-04-14: ``invalid_charge_amount_no_decimal_compatible``). *Assumption*, from
  Stripe's notice on fractional ISK: ``100`` is 1 króna on the wire, in requests and responses.
- **HUF, TWD**: two decimals for charges and refunds, as in ISO; Stripe's "divisible by 100"
  rule is for *payouts* only, which this adapter does not make, so no step is applied.
- **every other code** the engine gives two places: two on Stripe (its "unless noted" rule).
  Codes with another ISO exponent that Stripe documents no rule for (IQD, LYD, CLF, UYW, UYI)
  and the crypto assets are refused rather than guessed.

Direction matters: ``to_stripe`` (a request) refuses what Stripe would refuse (a step it does
not allow); ``from_stripe`` (a fact Stripe reports) accepts anything the engine can represent
exactly, and refuses only what it cannot (fractional ISK from before 2023, say).

Errors, both ``MoneyError``s (and ``ValueError``s) from the engine's tree::

    StripeCurrencyRefused (UnknownCurrency)  no Stripe rule for this code, or not lower case
    StripeAmountRefused (InvalidAmount)      not an int >= 0, or not exact in the other unit
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from orderstate.engine.currencies import EXPONENTS
from orderstate.engine.errors import InvalidAmount, UnknownCurrency
from orderstate.engine.money import Money

__all__ = [
    "SPECIAL_CASES",
    "THREE_DECIMAL",
    "ZERO_DECIMAL",
    "StripeAmount",
    "StripeAmountRefused",
    "StripeCurrency",
    "StripeCurrencyRefused",
    "currency_rule",
    "from_stripe",
    "to_stripe",
]

ZERO_DECIMAL = frozenset(
    [
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    ]
)
"""Currencies Stripe writes in whole units (its documented list)."""

THREE_DECIMAL = frozenset(["BHD", "JOD", "KWD", "OMR", "TND"])
"""Currencies Stripe writes in thousandths, whose last digit it requires to be 0."""

SPECIAL_CASES = MappingProxyType(
    {
        "ISK": "two decimals on Stripe that must be 00 (ISO: zero-decimal)",
        "HUF": "two decimals for charges; whole forints only for payouts (not made here)",
        "TWD": "two decimals for charges; whole dollars only for payouts (not made here)",
    }
)
"""Stripe's special cases and the rule this module applies to each."""


class StripeCurrencyRefused(UnknownCurrency):
    """A currency code with no Stripe amount rule here (or not in Stripe's lower case)."""

    def __init__(self, currency: object, reason: str) -> None:
        super().__init__(currency)
        self.reason = reason
        self.args = (f"currency {currency!r} refused for Stripe: {reason}",)


class StripeAmountRefused(InvalidAmount):
    """An amount that is not exact in the other side's unit, or that Stripe would refuse."""


@dataclass(frozen=True, slots=True)
class StripeCurrency:
    """How one currency's amounts are written on Stripe.

    ``stripe_exponent`` is the number of decimal places of Stripe's integer, ``engine_exponent``
    the engine's (ISO), and ``step`` what every amount sent to Stripe must be a multiple of.
    """

    code: str
    stripe_exponent: int
    engine_exponent: int
    step: int = 1

    @property
    def wire_code(self) -> str:
        """The code as Stripe spells it: lower case."""
        return self.code.lower()


@dataclass(frozen=True, slots=True)
class StripeAmount:
    """An amount as it goes on Stripe's wire: an integer in Stripe's unit, lower-case code."""

    amount: int
    currency: str


def _rule_for(code: str) -> StripeCurrency | None:
    """The rule for an upper-case code, or None when Stripe documents none for it."""
    engine = EXPONENTS.get(code)
    if engine is None:
        return None
    if code in ZERO_DECIMAL:
        return StripeCurrency(code, 0, engine)
    if code in THREE_DECIMAL:
        return StripeCurrency(code, 3, engine, step=10)
    if code == "ISK":
        return StripeCurrency(code, 2, engine, step=100)
    if engine == 2:
        return StripeCurrency(code, 2, engine)
    return None


_RULES: dict[str, StripeCurrency] = {
    code: rule for code in EXPONENTS if (rule := _rule_for(code)) is not None
}


def currency_rule(currency: str) -> StripeCurrency:
    """The rule for a code in Stripe's spelling (``"usd"``); anything else is refused."""
    if type(currency) is not str:
        raise StripeCurrencyRefused(currency, "not a string")
    if currency != currency.lower():
        raise StripeCurrencyRefused(currency, "Stripe codes are lower case")
    rule = _RULES.get(currency.upper())
    if rule is None:
        raise StripeCurrencyRefused(currency, "Stripe documents no amount rule for it")
    return rule


def from_stripe(amount: object, currency: str) -> Money:
    """The engine's Money for an amount Stripe reported; refused only if not exact."""
    rule = currency_rule(currency)
    code = rule.code
    if type(amount) is not int:
        kind = type(amount).__name__
        raise StripeAmountRefused(amount, code, f"a Stripe amount is an int, not {kind}")
    if amount < 0:
        raise StripeAmountRefused(amount, code, "negative amount")
    shift = rule.stripe_exponent - rule.engine_exponent
    if shift <= 0:
        return Money(amount * 10**-shift, code)
    whole, rest = divmod(amount, 10**shift)
    if rest:
        reason = (
            f"Stripe's {code} has {rule.stripe_exponent} places, the engine's "
            f"{rule.engine_exponent}: {amount} is not a whole engine unit"
        )
        raise StripeAmountRefused(amount, code, reason)
    return Money(whole, code)


def to_stripe(money: Money) -> StripeAmount:
    """The amount to send Stripe for ``money``; refused if Stripe could not take it as is."""
    rule = currency_rule(money.currency.lower())
    code = rule.code
    shift = rule.stripe_exponent - rule.engine_exponent
    if shift >= 0:
        amount = money.minor * 10**shift
    else:
        amount, rest = divmod(money.minor, 10**-shift)
        if rest:
            reason = f"Stripe takes {code} in units of {rule.stripe_exponent} places only"
            raise StripeAmountRefused(money.format_amount(), code, reason)
    if amount % rule.step:
        reason = f"Stripe requires {code} amounts to be multiples of {rule.step} ({amount})"
        raise StripeAmountRefused(money.format_amount(), code, reason)
    return StripeAmount(amount, rule.wire_code)
