"""The orders a group-commit batch needs, and the log's head, in one read.

``Orders.get`` costs ~80-100 us of CPU an order on SQLite, more than half of it eventsourcing's
read-transaction machinery (a pooled connection, BEGIN, one SELECT, ROLLBACK), and reading the
log's head costs another transaction. On a plain SQLite store (UUID ids, no snapshots, no
aggregate cache) ``BatchLoader.read`` opens one read transaction for the batch: the head, then
one SELECT for all the orders' stored events, decoded as ``histories`` decodes them
(``EventDecoder.fast``) and folded with ``project_order``, as ``repository.get`` folds them.

An order with any event the fast decoder leaves to the mapper (an unusual row, an unknown
topic, an upcast) or whose fold raises is loaded again by ``Orders.get`` after the read, so
what it gives, or the error it raises, is eventsourcing's. Other stores (memory, PostgreSQL,
SQLite with snapshots or a cache) load each order through ``Orders.get`` as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.sqlite import SQLiteApplicationRecorder

from orderstate.engine import Order, project_order

from .histories import EventDecoder
from .orders import Orders

__all__ = ["CHUNK", "BatchLoader", "Read"]

CHUNK = 500
"""Order ids in one SELECT at most (well under SQLite's limit on bound parameters)."""


class Read:
    """One batch's read: the log's head when it began, and (complete once the read is over)
    the orders asked for inside it."""

    def __init__(
        self, head: int | None, load: Callable[[Sequence[UUID], dict[UUID, Order | None]], None]
    ) -> None:
        self.head = head
        self.loaded: dict[UUID, Order | None] = {}
        """Each order asked for, as ``Orders.get`` gives it (None: not stored), by id."""
        self.by_repository: list[UUID] = []
        """The orders loaded by ``Orders.get`` (a row for the mapper, or any other store)."""
        self._load = load

    def load(self, oids: Sequence[UUID]) -> None:
        """Read these orders (distinct ids) into ``loaded``, at the head's point of the log."""
        self._load(oids, self.loaded)


class BatchLoader:
    """Loads many orders at once where the store allows it, one by one elsewhere."""

    def __init__(self, orders: Orders) -> None:
        self._orders = orders
        app = orders.app
        recorder = app.recorder
        repository = app.repository
        self._recorder: SQLiteApplicationRecorder | None = None
        if (
            isinstance(recorder, SQLiteApplicationRecorder)
            and recorder.datastore.originator_id_type == "uuid"
            and repository.snapshot_store is None
            and repository.cache is None
        ):
            self._recorder = recorder
            self._decoder = EventDecoder(app.mapper)
            self._select = (
                "SELECT originator_id, originator_version, topic, state "
                f"FROM {recorder.events_table_name} WHERE originator_id IN ({{}}) "
                "ORDER BY originator_id, originator_version"
            )
            self._head = recorder.select_max_notification_id_statement

    @property
    def bulk(self) -> bool:
        """Whether this store's orders are read in one query (plain SQLite)."""
        return self._recorder is not None

    @contextmanager
    def read(self) -> Iterator[Read]:
        """The head and the orders asked for inside, read at one point of the log."""
        recorder = self._recorder
        if recorder is None:
            read = Read(self._orders.head(), self._one_by_one)
            yield read
            read.by_repository.extend(read.loaded)
            return
        again: list[UUID] = []
        with recorder.datastore.transaction(commit=False) as cursor:
            raw = cursor.sqlite_cursor
            raw.row_factory = None  # tuples, not sqlite3.Row
            raw.execute(self._head)
            head = raw.fetchone()[0]
            read = Read(head, lambda oids, loaded: self._fold(raw, oids, loaded, again))
            yield read
        for oid in again:  # after the transaction: eventsourcing's own read, and its errors
            read.loaded[oid] = self._orders.get(oid)
        read.by_repository.extend(again)

    def _one_by_one(self, oids: Sequence[UUID], loaded: dict[UUID, Order | None]) -> None:
        for oid in oids:
            loaded[oid] = self._orders.get(oid)

    def _fold(
        self,
        raw: Any,
        oids: Sequence[UUID],
        loaded: dict[UUID, Order | None],
        again: list[UUID],
    ) -> None:
        loaded.update(dict.fromkeys(oids))
        by_hex = {oid.hex: oid for oid in oids}
        histories: dict[str, list[Any]] = {}
        unusual: set[str] = set()
        fast = self._decoder.fast
        for start in range(0, len(oids), CHUNK):
            chunk = [oid.hex for oid in oids[start : start + CHUNK]]
            raw.execute(self._select.format(",".join("?" * len(chunk))), chunk)
            for stored_id, version, topic, state in raw.fetchall():
                if stored_id in unusual:
                    continue
                event = fast(by_hex[stored_id], version, topic, state)
                if event is None:
                    unusual.add(stored_id)
                    continue
                history = histories.get(stored_id)
                if history is None:
                    histories[stored_id] = [event]
                else:
                    history.append(event)
        for stored_id, events in histories.items():
            if stored_id in unusual:
                continue
            oid = by_hex[stored_id]
            try:
                loaded[oid] = project_order(None, events)
            except Exception:  # the repository's fold would raise too: let it, with its error
                unusual.add(stored_id)
        again.extend(by_hex[stored_id] for stored_id in unusual)
