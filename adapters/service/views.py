"""What the service hands back: views of orders, callback results, replay reports, and its
one error of its own (an order it does not know)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from orderstate.adapters.port import Outcome
from orderstate.engine import Money, Order, OrderstateError, Request, State

from .readstore import OrderRow

__all__ = [
    "CallbackResult",
    "Listener",
    "OrderUpdate",
    "OrderView",
    "ReplayReport",
    "UnknownInboxItem",
    "UnknownOrder",
]


class UnknownOrder(OrderstateError, LookupError):
    """No order with this shop and order number is stored here."""

    def __init__(self, shop_id: int, order_number: str) -> None:
        super().__init__(f"no order {order_number} in shop {shop_id}")
        self.shop_id = shop_id
        self.order_number = order_number


class UnknownInboxItem(OrderstateError, LookupError):
    """No inbox item (kept callback) with this id is stored here."""

    def __init__(self, item_id: object) -> None:
        super().__init__(f"no inbox item {item_id}")
        self.item_id = item_id


@dataclass(frozen=True)
class OrderView:
    """One order as a shop's back office sees it."""

    shop_id: int
    order_number: str
    state: State
    amount: Money
    authorized: Money
    captured: Money
    refunded: Money
    pending: Request | None
    payment_link: str | None
    confirmation_sender: str
    reason: str | None
    version: int
    changed_at: datetime | None = field(default=None, compare=False)
    """When its last event was recorded (UTC); not compared: two stores holding the same
    events recorded at different times hold the same order."""

    @classmethod
    def of(cls, order: Order) -> OrderView:
        return cls(
            shop_id=order.shop_id,
            order_number=order.order_number,
            state=order.state,
            amount=order.amount,
            authorized=order.authorized,
            captured=order.captured,
            refunded=order.refunded,
            pending=order.pending,
            payment_link=order.payment_link,
            confirmation_sender=order.confirmation_sender,
            reason=order.reason,
            version=order.version,
            changed_at=order.modified_on,
        )

    @classmethod
    def of_row(cls, row: OrderRow) -> OrderView:
        """The view a read-model row holds (the order as of the read model's position)."""
        currency = row.currency
        return cls(
            shop_id=row.shop_id,
            order_number=row.order_number,
            state=State(row.state),
            amount=Money(row.amount, currency),
            authorized=Money(row.authorized, currency),
            captured=Money(row.captured, currency),
            refunded=Money(row.refunded, currency),
            pending=None if row.pending is None else Request(row.pending),
            payment_link=row.payment_link,
            confirmation_sender=row.confirmation_sender,
            reason=row.reason,
            version=row.version,
            changed_at=row.modified_on,
        )


@dataclass(frozen=True)
class CallbackResult:
    """What handling one callback did, for the HTTP layer and the CLI."""

    outcome: Outcome
    inbox_id: UUID
    events: tuple[str, ...] = ()
    reason: str | None = None
    order_number: str | None = None
    outbox: tuple[str, ...] = ()
    """What the callback put in the outbox for a follower to deliver (``confirmation_email``)."""


@dataclass(frozen=True)
class OrderUpdate:
    """What a follower hears, once per stored order event, in log order: the order as of that
    event, the event's name, its idempotency key (``<order id>:<version>``: the same on every
    delivery, so dedupe on it) and its position in the notification log."""

    view: OrderView
    events: tuple[str, ...]
    key: str
    position: int


Listener = Callable[[OrderUpdate], None]


@dataclass(frozen=True)
class ReplayReport:
    """``replay --verify``: how much was rebuilt, how fast, and what failed."""

    orders: int
    events: int
    seconds: float
    failures: tuple[str, ...] = field(default=())

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else float("inf")
