"""``GatewayCore``: the simulator's shared state, look-ups, callbacks and 202-operation queue.

``SimulatedGateway`` grew past the adapters' ~200-line limit for a class, so it is split by
responsibility into a linear chain of bases, each in its own module: this one (state every part
reads, looking orders up, emitting signed callbacks, draining queued operations), ``timers``
(the clock and its timers), ``operations`` (merchant operations) and ``gateway`` (the knobs,
creating and paying). The attributes are declared here, typed, and set by
``SimulatedGateway.__init__``.
"""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

import httpx

from ..errors import ProviderError
from ..models import OrderSnapshot, OrderStatus, PaymentMethod
from ..payloads import order_to_json
from ..signatures import sign
from .faults import FaultPlan
from .outbox import Outbox, SentCallback
from .refusals import not_found
from .state import SimOrder, SimShop

if TYPE_CHECKING:
    from .timers import SimClock

__all__ = ["GatewayCore", "Operation"]


@dataclass(frozen=True, slots=True)
class Operation:
    """A merchant operation answered 202: checked when requested, applied later."""

    kind: str
    order: SimOrder
    apply: Callable[[], None]
    queued_at: float = field(default_factory=time.monotonic)
    """When it was accepted (``time.monotonic``), for a served simulator applying it later."""


class GatewayCore:
    """What every part of ``SimulatedGateway`` shares; see its docstring for the knobs."""

    shops: dict[int, SimShop]
    clock: SimClock
    public_base_url: str
    clearing_delay: timedelta
    expiry_status: OrderStatus
    default_time_limit: timedelta | None
    review_timeout: timedelta
    immediate_operations: bool
    notify_payment_changes: bool
    legacy_callbacks: bool
    sender: httpx.Client | httpx.AsyncClient | None
    auto_deliver: bool
    delivery_timeout: float
    payment_methods: tuple[PaymentMethod, ...]
    callbacks: Outbox
    faults: FaultPlan
    operation_log: list[tuple[str, str, str]]
    """(operation, orderNumber, outcome) for every 202 operation applied or dropped."""
    _tokens: dict[str, int]
    _random: random.Random
    _lock: threading.RLock
    _orders: dict[tuple[int, str], SimOrder]
    _sessions: dict[str, SimOrder]
    _operations: deque[Operation]
    _sequence: itertools.count[int]

    # --- looking things up ------------------------------------------------------------------

    @property
    def outbox(self) -> list[SentCallback]:
        """Every callback sent so far, in delivery order (after drops, duplicates, reordering)."""
        return self.callbacks.sent

    @property
    def default_shop_id(self) -> int:
        return next(iter(self.shops))

    def shop_for_token(self, token: str | None) -> int | None:
        """The shop an ``Api-Access-Token`` belongs to, or None for an unknown token."""
        return None if token is None else self._tokens.get(token)

    def order(self, order_number: str, *, shop_id: int | None = None) -> OrderSnapshot:
        """What Retrieve Order Details would answer now."""
        with self._lock:
            return self._find(shop_id, order_number).snapshot()

    def orders(self) -> list[OrderSnapshot]:
        with self._lock:
            return [order.snapshot() for order in self._orders.values()]

    def session(self, session_id: str) -> OrderSnapshot | None:
        """The order behind a payment-page session id, if any."""
        with self._lock:
            order = self._sessions.get(session_id)
            return None if order is None else order.snapshot()

    def history(self, order_number: str, *, shop_id: int | None = None) -> list[OrderStatus]:
        """Every status the order has had, starting with ``registered``."""
        with self._lock:
            return list(self._find(shop_id, order_number).history)

    def _find(self, shop_id: int | None, order_number: str) -> SimOrder:
        shop = self.default_shop_id if shop_id is None else shop_id
        order = self._orders.get((shop, order_number))
        if order is None:
            raise not_found(shop, order_number)
        return order

    # --- the 202-operation queue ------------------------------------------------------------

    def _run_operations(self, *, queued_before: float | None = None) -> int:
        """Apply queued operations in order; with ``queued_before``, only those accepted
        before that ``time.monotonic`` instant (the queue is in acceptance order)."""
        count = 0
        while self._operations:
            if queued_before is not None and self._operations[0].queued_at > queued_before:
                break
            operation = self._operations.popleft()
            count += 1
            try:
                operation.apply()
            except ProviderError as refusal:
                outcome = f"dropped: {refusal.detail}"
            else:
                outcome = f"applied: order {operation.order.status.value}"
            self.operation_log.append((operation.kind, operation.order.order_number, outcome))
        return count

    # --- callbacks --------------------------------------------------------------------------

    def _set_status(self, order: SimOrder, status: OrderStatus) -> None:
        order.status = status
        order.history.append(status)
        self._notify(order)

    def _payment_changed(self, order: SimOrder) -> None:
        if self.notify_payment_changes:
            self._notify(order)

    def _notify(self, order: SimOrder) -> None:
        """Sign the order's current ORDER object with the shop's secret and send it."""
        data = order_to_json(order.snapshot())
        if self.legacy_callbacks:
            data = {_LEGACY.get(key, key): value for key, value in data.items()}
        body = json.dumps(data, separators=(",", ":")).encode()
        shop = self.shops[order.shop_id]
        self.callbacks.emit(
            SentCallback(
                sequence=next(self._sequence),
                shop_id=order.shop_id,
                order_number=order.order_number,
                status=order.status,
                url=order.webhook_url or shop.callback_url,
                body=body,
                signature=sign(body, shop.secret),
                emitted_at=self.clock.now(),
            )
        )

    def deliver(self) -> int:
        """Send queued callbacks through the synchronous ``sender``; returns how many got 2xx."""
        if not isinstance(self.sender, httpx.Client):
            raise TypeError("deliver() needs an httpx.Client sender; use adeliver() for async")
        return self.callbacks.deliver(self.sender, timeout=self.delivery_timeout)

    async def adeliver(self) -> int:
        """Send queued callbacks through the async ``sender``; returns how many got 2xx."""
        if not isinstance(self.sender, httpx.AsyncClient):
            raise TypeError("adeliver() needs an httpx.AsyncClient sender; use deliver()")
        return await self.callbacks.adeliver(self.sender, timeout=self.delivery_timeout)


_LEGACY = {"orderNumber": "number", "orderStatus": "status"}
