"""The read model: orders and inbox items as rows in the store, following the notification log.

``OrderProjection`` is a follower with its own tracking position (``READ_MODEL``): ``catch_up``
reads only the notifications after it, folds them into rows (with the engine itself, so a row
cannot disagree with the aggregate) and writes the rows and the new position in one
transaction. A process start therefore reads nothing it has already projected; ``rebuild``
(an explicit command) starts again from the first notification.

Several threads share one projection (a lock: one catches up, the others then find nothing
new); several processes catching up at once are safe too: the loser's tracking record is not
ahead of the winner's, its transaction is rolled back (``IntegrityError``), and it reads on
from the winner's position.
An event that cannot be read back (unknown topic, corrupt state) is skipped and listed in the
store (``unreadable``), with the position moving past it: one bad row never stops a start-up.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.utils import get_topic

from orderstate.adapters.port import Outcome
from orderstate.engine import Money, Order

from .audit import ORDER_TOPICS
from .inbox import MOVED_FROM, RECEIVED, InboxItem
from .logreader import LogReader
from .readstore import InboxRow, OrderRow, ReadStore

__all__ = ["INBOX_TOPICS", "ORDER_TOPICS", "READ_MODEL", "OrderProjection", "StateTotal"]

log = logging.getLogger(__name__)

RACES = 100
"""Catch-up races with other processes to lose in a row before giving up (each loss means
another process moved the position on, so this is never reached in practice)."""

READ_MODEL = "orderstate.readmodel.v3"
"""The read model's name in the tracking table, versioned with its order table
(``readstore.ORDERS_TABLE``): a store projected by an older version starts this one at 0 and
is projected again from the log once (v2: the pending request, for ``reconcile``; v3: the rest of
an order's view, for listing orders from rows)."""

RETIRED_READ_MODELS = ("orderstate.readmodel", "orderstate.readmodel.v2")
"""Older versions' names: their positions are forgotten (so no status lists them as lagging
followers); their tables are left for a version still running."""


def _inbox_topics() -> tuple[str, ...]:
    """Every inbox event's topic, under its module now and where 0.1.0 stored it."""
    topics = {
        get_topic(value)
        for value in vars(InboxItem).values()
        if isinstance(value, type)
        and issubclass(value, InboxItem.Event | InboxItem.CallbackReceived)
    }
    moved = {MOVED_FROM + topic[topic.index(":") :] for topic in topics}
    return tuple(sorted(topics | moved))


INBOX_TOPICS: tuple[str, ...] = _inbox_topics()
"""Every inbox event's topic (the Order ones are ``audit.ORDER_TOPICS``)."""


@dataclass(frozen=True, slots=True)
class StateTotal:
    """Orders in one state: how many, and their amounts per currency."""

    state: str
    count: int
    totals: tuple[Money, ...]


def _row(aggregate: Any) -> OrderRow | InboxRow | None:
    """The row of an order or an inbox item; None for the service's other aggregates (the
    customer kept beside an order, ``customers.CustomerOnFile``): read, not projected."""
    if isinstance(aggregate, Order):
        return OrderRow(
            id=aggregate.id,
            shop_id=aggregate.shop_id,
            order_number=aggregate.order_number,
            state=aggregate.state,
            amount=aggregate.amount.minor,
            currency=aggregate.currency,
            version=aggregate.version,
            modified_on=aggregate.modified_on,
            time_limit=aggregate.time_limit,
            final=aggregate.is_final,
            pending=None if aggregate.pending is None else str(aggregate.pending),
            authorized=aggregate.authorized.minor,
            captured=aggregate.captured.minor,
            refunded=aggregate.refunded.minor,
            payment_link=aggregate.payment_link,
            confirmation_sender=aggregate.confirmation_sender,
            reason=aggregate.reason,
        )
    if not isinstance(aggregate, InboxItem):
        return None
    item: InboxItem = aggregate
    return InboxRow(
        id=item.id,
        shop_id=item.shop_id,
        status=item.status,
        kind=item.kind,
        reason=item.reason,
        order_id=item.order_id,
        received_at=item.received_at,
    )


class OrderProjection:
    """Orders and inbox items, persisted, as of the read model's tracking position."""

    def __init__(self, app: Application[UUID], store: ReadStore) -> None:
        self.store = store
        # Every topic, not only ORDER_TOPICS + INBOX_TOPICS: a row whose topic names no class
        # here must be seen to be listed as unreadable.
        self.reader: LogReader[OrderRow | InboxRow | None] = LogReader(app, (), _row)
        self._lock = threading.Lock()
        if retired := set(RETIRED_READ_MODELS) & store.positions().keys():
            for name in sorted(retired):
                store.reset(name, clear_rows=False)

    @property
    def position(self) -> int:
        return self.store.position(READ_MODEL)

    def rebuild(self) -> int:
        """Forget every row and the position, and read the whole log again."""
        with self._lock:
            self.store.reset(READ_MODEL, clear_rows=True)
        return self.catch_up()

    def catch_up(self) -> int:
        """Project the notifications written since the stored position; returns how many."""
        with self._lock:
            for _ in range(RACES):
                try:
                    return self._catch_up_once()
                except IntegrityError:  # another process recorded a position first
                    log.info("read model: another process caught up first; reading on")
            raise RuntimeError(f"read model: lost {RACES} catch-up races in a row")

    def _catch_up_once(self) -> int:
        projected = 0
        for page in self.reader.pages(self.store.position(READ_MODEL)):
            latest: dict[UUID, OrderRow | InboxRow | None] = {
                e.event.originator_id: e.snapshot for e in page.entries
            }
            orders = [r for r in latest.values() if isinstance(r, OrderRow)]
            inbox = [r for r in latest.values() if isinstance(r, InboxRow)]
            for bad in page.unreadable:
                log.error(
                    "read model: skipped an unreadable event: %s of %s", bad, bad.originator_id
                )
            self.store.write(Tracking(READ_MODEL, page.end), orders, inbox, page.unreadable)
            projected += len(page.entries)
        return projected

    @property
    def orders(self) -> dict[UUID, OrderRow]:
        """Every order row, by id (as of the last catch-up)."""
        return {row.id: row for row in self.store.orders()}

    @property
    def inbox(self) -> dict[UUID, InboxRow]:
        """Every inbox row, by id (as of the last catch-up)."""
        return {row.id: row for row in self.store.inbox()}

    def unfinished_inbox(self) -> list[InboxRow]:
        """Items received but never finished (a crash) or waiting for their order."""
        return self.store.inbox((RECEIVED, Outcome.DEFERRED.value))

    def by_state(self) -> list[StateTotal]:
        """Orders grouped by state, with their order amounts summed per currency."""
        counts: dict[str, int] = defaultdict(int)
        totals: dict[str, list[Money]] = defaultdict(list)
        for state, currency, count, amount in self.store.totals():
            counts[state] += count
            totals[state].append(Money(amount, currency))
        return [StateTotal(state, counts[state], tuple(totals[state])) for state in sorted(counts)]
