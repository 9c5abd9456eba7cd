"""Money: an exact, non-negative amount in integer minor units of one currency.

Amounts enter the engine as provider strings and leave it as strings again, so parsing is
strict (an anchored ASCII regex, never ``float`` or a permissive ``Decimal(...)``), precision
is never rounded away, and arithmetic or comparison across currencies is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from .currencies import EXPONENTS, refuse_unknown
from .errors import CurrencyMismatch, InvalidAmount

__all__ = ["MAX_AMOUNT_LENGTH", "Money"]

MAX_AMOUNT_LENGTH = 60
"""Longest amount string ``Money.parse`` accepts; anything longer is garbage, not money."""

# Plain dicts: the hot path looks these up on every construction and formatting.
_EXPONENT: dict[str, int] = dict(EXPONENTS)
_SCALE: dict[str, int] = {code: 10**exp for code, exp in _EXPONENT.items()}

_AMOUNT = re.compile(r"([0-9]+)(?:\.([0-9]+))?")

_NOT_FINITE = frozenset({"nan", "snan", "inf", "infinity"})

# Why a string that failed the regex was refused; the first matching test names the reason.
_REFUSALS: tuple[tuple[Callable[[str], bool], str], ...] = (
    (lambda s: s == "", "empty string"),
    (lambda s: s != s.strip(), "leading or trailing whitespace"),
    (lambda s: not s.isascii(), "only ASCII digits 0-9 and '.' are allowed"),
    (lambda s: s[0] in "+-", "signs are not allowed; amounts are never negative"),
    (lambda s: s.lower() in _NOT_FINITE, "not a finite number"),
    (lambda s: "e" in s.lower(), "exponent notation is not allowed"),
    (lambda s: "," in s, "',' is not allowed; use '.' as the decimal point, no grouping"),
    (lambda s: "_" in s, "underscores are not allowed"),
    (lambda s: s.startswith(".") or s.endswith("."), "digits are required on both sides of '.'"),
)
_MALFORMED = "not a plain decimal number: digits, optionally followed by '.' and digits"


def _why_malformed(amount: str) -> str:
    """Name the first recognisable defect, so a refused provider value is easy to diagnose."""
    for test, reason in _REFUSALS:
        if test(amount):
            return reason
    return _MALFORMED


@dataclass(frozen=True, slots=True)
class Money:
    """A non-negative amount as integer minor units; floats are refused everywhere."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        """Refuse bools, non-ints, negatives and unknown codes at the only way in."""
        currency = self.currency
        if type(currency) is not str or currency not in _EXPONENT:
            raise refuse_unknown(currency)
        minor = self.minor
        if type(minor) is not int:
            kind = type(minor).__name__
            raise InvalidAmount(minor, currency, f"minor units must be an int, not {kind}")
        if minor < 0:
            raise InvalidAmount(minor, currency, "negative amount")

    @classmethod
    def parse(cls, amount: object, currency: str) -> Money:
        """Parse a provider's decimal string exactly; surplus trailing zeros are fine."""
        if type(currency) is not str or currency not in _EXPONENT:
            raise refuse_unknown(currency)
        if not isinstance(amount, str):
            kind = type(amount).__name__
            raise InvalidAmount(amount, currency, f"amount must be a decimal string, not {kind}")
        if len(amount) > MAX_AMOUNT_LENGTH:
            reason = f"longer than {MAX_AMOUNT_LENGTH} characters"
            raise InvalidAmount(amount, currency, reason)
        match = _AMOUNT.fullmatch(amount)
        if match is None:
            raise InvalidAmount(amount, currency, _why_malformed(amount))
        whole, fraction = match.group(1), (match.group(2) or "").rstrip("0")
        places = _EXPONENT[currency]
        if len(fraction) > places:
            reason = f"more than {places} decimal places for {currency}"
            raise InvalidAmount(amount, currency, reason)
        minor = int(whole) * _SCALE[currency] + int(fraction.ljust(places, "0") or "0")
        return cls(minor, currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Nothing, in ``currency``: the starting point for sums."""
        return cls(0, currency)

    @property
    def exponent(self) -> int:
        """Number of minor-unit decimal places of this currency."""
        return _EXPONENT[self.currency]

    @property
    def is_zero(self) -> bool:
        """True for a zero amount."""
        return self.minor == 0

    def to_decimal(self) -> Decimal:
        """The exact amount, quantized to the currency's exponent (``Decimal('56.99')``)."""
        return Decimal(self.format_amount())  # from a string: exact, context-free

    def format_amount(self) -> str:
        """The amount as a provider expects it: exactly ``exponent`` decimal places."""
        places = _EXPONENT[self.currency]
        if places == 0:
            return str(self.minor)
        whole, fraction = divmod(self.minor, _SCALE[self.currency])
        return f"{whole}.{fraction:0{places}d}"

    def __str__(self) -> str:
        return f"{self.format_amount()} {self.currency}"

    def _same_currency(self, other: Money) -> None:
        """Refuse to combine or compare amounts whose units differ."""
        if other.currency != self.currency:
            raise CurrencyMismatch(self.currency, other.currency)

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return _derived(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        difference = self.minor - other.minor
        if difference < 0:
            expression = f"{self.format_amount()} - {other.format_amount()}"
            raise InvalidAmount(expression, self.currency, "negative result")
        return _derived(difference, self.currency)

    def __lt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.minor >= other.minor


_new = object.__new__
_set = object.__setattr__  # how a frozen dataclass sets its own fields


def _derived(minor: int, currency: str) -> Money:
    """The result of arithmetic between valid Money of one currency, which is valid by
    construction: skips the checks of ``__post_init__`` (a frozen dataclass build costs ~300 ns).
    """
    money: Money = _new(Money)
    _set(money, "minor", minor)
    _set(money, "currency", currency)
    return money
