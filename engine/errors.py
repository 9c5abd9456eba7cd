"""The engine's exceptions: one tree, so callers can catch as widely or narrowly as they need.

    OrderstateError
    ├── MoneyError (also ValueError)
    │   ├── InvalidAmount          a string or number that is not an exact, non-negative amount
    │   ├── UnknownCurrency        a code with no known exponent
    │   │   └── TokenStandardRequired  a token whose precision depends on its chain (USDT)
    │   └── CurrencyMismatch       arithmetic or a comparison across two currencies
    ├── LifecycleSpecError         the life-cycle spec is malformed or its graph is unsound
    ├── InvalidOrder (also ValueError)  an order that cannot be placed as given
    └── CommandRefused             a command the order cannot accept; nothing was appended
        ├── TransitionNotAllowed   the spec has no such transition from the current state
        ├── GuardFailed            the transition exists but its guard refused the data
        ├── OperationPending       the same provider operation is already awaiting confirmation
        └── DeadlineNotReached     expiring an order whose time limit has not passed

Business outcomes (a declined payment, an expired order) are events, never exceptions.
"""

from __future__ import annotations

from uuid import UUID

__all__ = [
    "CommandRefused",
    "CurrencyMismatch",
    "DeadlineNotReached",
    "GuardFailed",
    "InvalidAmount",
    "InvalidOrder",
    "LifecycleSpecError",
    "MoneyError",
    "OperationPending",
    "OrderstateError",
    "TokenStandardRequired",
    "TransitionNotAllowed",
    "UnknownCurrency",
]


class OrderstateError(Exception):
    """Root of every error orderstate raises on purpose."""


class MoneyError(OrderstateError, ValueError):
    """A monetary value could not be built or combined."""


class InvalidAmount(MoneyError):
    """The amount is not an exact, non-negative number in the currency's precision."""

    def __init__(self, value: object, currency: str, reason: str) -> None:
        self.value = value
        self.currency = currency
        self.reason = reason
        super().__init__(f"invalid {currency} amount {value!r}: {reason}")


class UnknownCurrency(MoneyError):
    """No exponent is known for this currency code."""

    def __init__(self, currency: object) -> None:
        self.currency = currency
        super().__init__(f"unknown currency {currency!r}")


class TokenStandardRequired(UnknownCurrency):
    """A token issued on several chains (USDT, USDC) whose precision depends on the token
    standard (ERC20, TRC20, BEP20, SPL): a bare code does not say how many places it has."""

    def __init__(self, currency: str, places: dict[str, int]) -> None:
        self.places = places
        standards = ", ".join(f"{standard} {n}" for standard, n in places.items())
        super().__init__(currency)
        self.args = (
            f"{currency} needs its token standard, and its decimal places depend on it "
            f"({standards}); the gateway's field for the standard is undocumented, so amounts "
            f"in {currency} are refused",
        )


class CurrencyMismatch(MoneyError):
    """Two amounts in different currencies were combined or compared."""

    def __init__(self, expected: str, got: str) -> None:
        self.expected = expected
        self.got = got
        super().__init__(f"currency mismatch: expected {expected}, got {got}")


class LifecycleSpecError(OrderstateError):
    """The life-cycle spec cannot be used; ``culprit`` names the state, event or field at fault."""

    def __init__(self, culprit: str, message: str) -> None:
        self.culprit = culprit
        super().__init__(f"{culprit}: {message}")


class InvalidOrder(OrderstateError, ValueError):
    """An order cannot be placed as given (identity, amount or deadline)."""


class CommandRefused(OrderstateError):
    """A command the order refused; the order's events and version are unchanged."""

    def __init__(self, order_id: UUID, state: str, event: str, reason: str) -> None:
        self.order_id = order_id
        self.state = state
        self.event = event
        self.reason = reason
        # str(): a State member's repr would be <State.PAID: 'paid'>; the message quotes the name.
        super().__init__(f"order {order_id}: cannot {event} in state {str(state)!r}: {reason}")


class TransitionNotAllowed(CommandRefused):
    """The life-cycle spec has no transition for this event from the current state."""


class GuardFailed(CommandRefused):
    """A transition exists, but its guard (amounts, currency, capture mode) refused the data."""


class OperationPending(CommandRefused):
    """The same provider operation was requested already and awaits the provider's answer."""


class DeadlineNotReached(CommandRefused):
    """Expiry was asked for before the order's time limit had passed."""
