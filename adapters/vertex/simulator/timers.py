"""``Timekeeping``: the simulator's clock and timers (clearing, deadlines, review timeouts).

Split out of ``SimulatedGateway`` to keep each class under the adapters' ~200-line limit (see
``core``); ``SimulatedGateway`` inherits it through ``MerchantOperations``.
"""

from __future__ import annotations

import heapq
import math
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from orderstate.adapters.simulation import SimClock

from ..models import OrderStatus, PaymentStatus
from .core import GatewayCore
from .state import SimOrder

__all__ = ["SimClock", "Timekeeping"]

_HOUR = timedelta(hours=1)
_HOLDS_MONEY = (PaymentStatus.COMPLETED, PaymentStatus.AUTHORIZED)


@dataclass(order=True, frozen=True, slots=True)
class _Timer:
    due: datetime
    sequence: int
    kind: str = field(compare=False)
    order: SimOrder = field(compare=False)


class Timekeeping(GatewayCore):
    """Moving the clock, and what happens when it passes a timer."""

    _timers: list[_Timer]

    def run_pending(self, *, older_than: float | None = None) -> int:
        """Apply the accepted (202) operations now; returns how many there were. With
        ``older_than`` (seconds), only those accepted at least that long ago."""
        with self._lock:
            if older_than is None:
                return self._run_operations()
            return self._run_operations(queued_before=time.monotonic() - older_than)

    def advance(self, delta: timedelta) -> None:
        """Move the clock: apply pending operations, fire due timers in time order, then
        release callbacks held back for reordering."""
        if delta < timedelta(0):
            raise ValueError("the simulator's clock does not go backwards")
        with self._lock:
            self._run_operations()
            self.advance_timers(delta)

    def advance_timers(self, delta: timedelta) -> None:
        """Move the clock and fire due timers, leaving queued operations alone (a served
        simulator on the wall clock applies those after their own delay)."""
        if delta < timedelta(0):
            raise ValueError("the simulator's clock does not go backwards")
        with self._lock:
            target = self.clock.now() + delta
            while self._timers and self._timers[0].due <= target:
                timer = heapq.heappop(self._timers)
                self.clock._move_to(timer.due)
                self._fire(timer)
            self.clock._move_to(target)
            self.callbacks.release_held()

    def _schedule(self, due: datetime, kind: str, order: SimOrder) -> None:
        heapq.heappush(self._timers, _Timer(due, next(self._sequence), kind, order))

    def _fire(self, timer: _Timer) -> None:
        """A timer fires only if the order is still where the timer expects it."""
        order = timer.order
        in_progress = order.status is OrderStatus.IN_PROGRESS
        if timer.kind == "clearing":
            if in_progress and order.charge_in(PaymentStatus.COMPLETED) is not None:
                self._set_status(order, OrderStatus.COMPLETED)
        elif timer.kind == "review":
            if order.status is OrderStatus.REVIEW and order.review_until is not None:
                self._fail_review(order)
        elif in_progress and order.charge_in(*_HOLDS_MONEY) is None:
            self._set_status(order, self.expiry_status)  # the deadline passed unpaid

    def _start_review(self, order: SimOrder) -> None:
        order.review_until = self.clock.now() + self.review_timeout
        order.review_timeout_hours = math.ceil(self.review_timeout / _HOUR)
        self._set_status(order, OrderStatus.REVIEW)
        self._schedule(order.review_until, "review", order)

    def _start_clearing(self, order: SimOrder, *, notified: bool) -> None:
        if self.clearing_delay <= timedelta(0):
            self._set_status(order, OrderStatus.COMPLETED)
            return
        self._schedule(self.clock.now() + self.clearing_delay, "clearing", order)
        if not notified:
            self._payment_changed(order)

    def _fail_review(self, order: SimOrder) -> None:
        for payment in order.payments:
            payment.status = PaymentStatus.FAILED
        self._set_status(order, OrderStatus.FAILED)
