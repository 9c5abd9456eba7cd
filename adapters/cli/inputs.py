"""Reading what a merchant types: amounts, currencies and deadlines, with errors that say what
to type instead.

Each reader raises ``InputError`` (a ``ValueError``) with one line naming the argument, what
was given and an example; the CLI prints it and exits 1. Amounts stay decimal strings until
the engine reads them in the currency's exponent (no float on the way).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from orderstate.engine import Money, OrderstateError
from orderstate.engine.currencies import EXPONENTS

__all__ = ["DEADLINE_EXAMPLE", "InputError", "currency", "deadline", "positive_amount"]

DEADLINE_EXAMPLE = "2026-12-01T18:00:00+08:00"
"""A deadline as ``--time-limit`` reads it: ISO-8601 with a zone (``Z`` for UTC works too)."""


class InputError(OrderstateError, ValueError):
    """A command-line argument that cannot be read as given."""


def positive_amount(text: str, *, what: str) -> str:
    """``text`` if it is a decimal number above zero; ``what`` names it in the error
    (``a refund``). The currency's precision is checked later, by ``Money``."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InputError(f'{what} must be a decimal number such as "10.00", not {text!r}') from None
    if not value.is_finite() or value <= 0:
        raise InputError(f"{what} must be above zero, not {text}")
    return text.strip()


def currency(code: str) -> str:
    """The currency code in the case the engine knows it (``php`` → ``PHP``); an unknown code
    names the nearest spelling it could have meant."""
    if code in EXPONENTS:
        return code
    if code.upper() in EXPONENTS:
        return code.upper()
    raise InputError(f"unknown currency {code!r}: give an ISO 4217 code such as PHP or USD")


def money(amount: str, code: str) -> Money:
    """An order amount: above zero, in ``code``'s precision."""
    return Money.parse(positive_amount(amount, what="an order amount"), currency(code))


def deadline(text: str) -> datetime:
    """An ISO-8601 time with its zone; a time without one would be read in the local zone of
    whichever machine runs the command, so it is refused."""
    hint = f"give ISO-8601 with a zone, e.g. {DEADLINE_EXAMPLE} or 2026-12-01T10:00:00Z"
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"--time-limit {text!r} is not a time: {hint}") from None
    if moment.utcoffset() is None:
        raise InputError(f"--time-limit {text!r} has no zone: {hint}")
    return moment
