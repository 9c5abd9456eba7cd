"""Read models: projections over the store's notification log, rebuildable from scratch.

``OrderProjection`` follows every event in the log, in order, and keeps what the read side
needs: each order's current state and amounts (folded with the engine itself, so it cannot
disagree with the aggregate) and each inbox item's status. ``catch_up`` reads only what is new;
``rebuild`` starts again from the first notification. A notification that cannot be read back
(unknown topic, corrupt state) is listed in ``unreadable`` and skipped, so that one bad row
never stops a start-up.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from orderstate.engine import Money, Order, project_order

from .inbox import InboxItem
from .unreadable import UnreadableEvent, decode

__all__ = ["OrderProjection", "StateTotal"]

log = logging.getLogger(__name__)

PAGE = 500


@dataclass(frozen=True, slots=True)
class StateTotal:
    """Orders in one state: how many, and their amounts per currency."""

    state: str
    count: int
    totals: tuple[Money, ...]


class OrderProjection:
    """Orders and inbox items as of the last notification read."""

    def __init__(self, select: Callable[[int, int], list[Any]], mapper: Any):
        self._select = select
        self._mapper = mapper
        self.unreadable: list[UnreadableEvent] = []
        self.position = 0
        self.orders: dict[UUID, Order] = {}
        self.inbox: dict[UUID, InboxItem] = {}

    def rebuild(self) -> None:
        """Forget everything and read the whole log again."""
        self.position = 0
        self.orders.clear()
        self.inbox.clear()
        self.unreadable.clear()
        self.catch_up()

    def catch_up(self) -> int:
        """Read the notifications written since the last call; returns how many."""
        read = 0
        while True:
            page = self._select(self.position + 1, PAGE)
            if not page:
                return read
            for notification in page:
                event, bad = decode(self._mapper, notification)
                if bad is None:
                    self._fold(event)
                else:
                    log.error("skipped an unreadable event: %s of %s", bad, bad.originator_id)
                    self.unreadable.append(bad)
                self.position = notification.id
            read += len(page)

    def _fold(self, event: Any) -> None:
        if isinstance(event, Order.Event | Order.OrderPlaced):
            order = project_order(self.orders.get(event.originator_id), [event])
            if order is not None:
                self.orders[event.originator_id] = order
        elif isinstance(event, InboxItem.Event | InboxItem.CallbackReceived):
            item = project_order(self.inbox.get(event.originator_id), [event])
            if item is not None:
                self.inbox[event.originator_id] = item

    def by_state(self) -> list[StateTotal]:
        """Orders grouped by state, with their order amounts summed per currency."""
        counts: Counter[str] = Counter()
        sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for order in self.orders.values():
            counts[order.state] += 1
            sums[order.state][order.currency] += order.amount.minor
        return [
            StateTotal(
                state,
                counts[state],
                tuple(Money(minor, cur) for cur, minor in sorted(sums[state].items())),
            )
            for state in sorted(counts)
        ]

    def unfinished_inbox(self) -> Iterator[InboxItem]:
        """Items received but never finished (a crash) or waiting for their order."""
        return (item for item in self.inbox.values() if not item.finished)
