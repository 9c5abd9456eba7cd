"""orderstate's pure domain core: money, the life cycle, the Order aggregate and its errors.

Nothing here does I/O: persistence, HTTP and the CLI live in ``orderstate.adapters``.
"""

from .errors import (
    CommandRefused,
    CurrencyMismatch,
    DeadlineNotReached,
    GuardFailed,
    InvalidAmount,
    InvalidOrder,
    LifecycleSpecError,
    MoneyError,
    OperationPending,
    OrderstateError,
    TokenStandardRequired,
    TransitionNotAllowed,
    UnknownCurrency,
)
from .lifecycle import Lifecycle, Transition, load_lifecycle
from .money import Money
from .order import LIFECYCLE, Order, Request, order_id
from .replay import project_order
from .states import (
    CANCELLABLE_STATES,
    CAPTURABLE_STATES,
    EXPIRABLE_STATES,
    FINAL_STATES,
    PAID_STATES,
    REFUNDABLE_STATES,
    SPINE,
    STATES_AHEAD,
    State,
)

__all__ = [
    "CANCELLABLE_STATES",
    "CAPTURABLE_STATES",
    "EXPIRABLE_STATES",
    "FINAL_STATES",
    "LIFECYCLE",
    "PAID_STATES",
    "REFUNDABLE_STATES",
    "SPINE",
    "STATES_AHEAD",
    "CommandRefused",
    "CurrencyMismatch",
    "DeadlineNotReached",
    "GuardFailed",
    "InvalidAmount",
    "InvalidOrder",
    "Lifecycle",
    "LifecycleSpecError",
    "Money",
    "MoneyError",
    "OperationPending",
    "Order",
    "OrderstateError",
    "Request",
    "State",
    "TokenStandardRequired",
    "Transition",
    "TransitionNotAllowed",
    "UnknownCurrency",
    "load_lifecycle",
    "order_id",
    "project_order",
]
