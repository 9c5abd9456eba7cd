"""Where followers keep what they have done: read-model rows and positions, in the event store.

Each backend's recorder is eventsourcing's own tracking recorder for that store (SQLite,
in-memory POPO, and PostgreSQL in ``readstore_postgres``, imported only when used), extended
with these tables: ``orderstate_orders_v3`` (one row per order: shop, number, state, amounts,
last change, pending request, what else its view shows), ``orderstate_inbox`` (one row per
received callback: status, kind, reason, order), ``orderstate_unreadable`` (stored events that
could not be read back: listed, never skipped silently) and ``orderstate_followers`` (each
follower's last failure). ``write`` saves rows and the read model's tracking record in ONE
transaction, so a crash can never leave rows without their position or a position without its
rows; a tracking record that is not ahead of the stored one raises ``IntegrityError`` (another
process caught up first) and the rows are rolled back with it.

Positions are eventsourcing tracking records, one per follower name (``application_name``):
the notification id up to which that follower has finished.
"""

from __future__ import annotations

import re
import sys
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.persistence import InfrastructureFactory, IntegrityError, Tracking
from eventsourcing.popo import POPOFactory, POPOTrackingRecorder
from eventsourcing.sqlite import SQLiteFactory, SQLiteTrackingRecorder

from .unreadable import UnreadableEvent

__all__ = [
    "FollowerFailure",
    "InboxRow",
    "OrderPage",
    "OrderQuery",
    "OrderRow",
    "OrderState",
    "POPOReadStore",
    "ReadStore",
    "SQLReadStore",
    "SQLiteReadStore",
    "create_statements",
    "read_store_for",
]


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One order as the read model keeps it."""

    id: UUID
    shop_id: int
    order_number: str
    state: str
    amount: int
    currency: str
    version: int
    modified_on: datetime
    time_limit: datetime | None
    final: bool
    pending: str | None = None
    """The merchant request awaiting the provider's answer (``Request``), if any."""
    authorized: int = 0
    captured: int = 0
    refunded: int = 0
    payment_link: str | None = None
    confirmation_sender: str = "merchant"
    reason: str | None = None
    """These six (v3) make a row a whole ``OrderView``: a list of orders reads rows only."""


class OrderState(NamedTuple):
    """What the replay audit compares with an order rebuilt from its events: a row's state, a
    fraction of its cost (the audit reads every row)."""

    id: UUID
    version: int
    state: str
    amount: int
    currency: str
    final: bool


@dataclass(frozen=True, slots=True)
class InboxRow:
    """One received callback as the read model keeps it (never its body)."""

    id: UUID
    shop_id: int
    status: str
    kind: str | None
    reason: str | None
    order_id: UUID | None
    received_at: datetime


@dataclass(frozen=True, slots=True)
class OrderQuery:
    """One page of the order list: filters, then the newest change first.

    ``text`` matches part of the order number (any case); ``shops`` keeps only these shops and
    ``other_shops`` drops these (a provider's orders are its configured shops, or for the
    default provider every shop but the others'). Paging is LIMIT/OFFSET on the indexed
    ``(modified_on, id)``; ``limit`` is capped by ``MAX_PAGE``.
    """

    text: str = ""
    state: str | None = None
    shops: tuple[int, ...] | None = None
    other_shops: tuple[int, ...] = ()
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True, slots=True)
class OrderPage:
    """The rows of one page and how many orders match in all."""

    rows: tuple[OrderRow, ...]
    total: int


MAX_PAGE = 500
"""The most rows one page of ``search`` returns."""


@dataclass(frozen=True, slots=True)
class FollowerFailure:
    """A follower's last failure: how many in a row, the error, and when."""

    name: str
    failures: int
    error: str
    at: datetime


ORDER_COLUMNS = (
    "id",
    "shop_id",
    "order_number",
    "state",
    "amount",
    "currency",
    "version",
    "modified_on",
    "time_limit",
    "final",
    "pending",
    "authorized",
    "captured",
    "refunded",
    "payment_link",
    "confirmation_sender",
    "reason",
)
MIGRATION_RACES = 3
"""Constructions to try when workers race to create the tracking table (see ``read_store_for``)."""

MIGRATION = "__migration__"
"""eventsourcing's own row in the tracking table (its schema version), not a follower."""

INBOX_COLUMNS = ("id", "shop_id", "status", "kind", "reason", "order_id", "received_at")


class ReadStore(ABC):
    """What the read model and the follower runner need from the store."""

    @abstractmethod
    def position(self, name: str) -> int:
        """The notification id up to which ``name`` has finished (0: nothing yet)."""

    @abstractmethod
    def positions(self) -> dict[str, int]:
        """Every recorded position, by name (followers of other processes included)."""

    @abstractmethod
    def write(
        self,
        tracking: Tracking,
        orders: Sequence[OrderRow],
        inbox: Sequence[InboxRow],
        unreadable: Sequence[UnreadableEvent] = (),
    ) -> None:
        """Upsert rows, list unreadable events and record ``tracking``, in one transaction
        (``IntegrityError`` and nothing written if the position is not ahead)."""

    @abstractmethod
    def unreadable(self) -> list[UnreadableEvent]:
        """Stored events the read model could not read back, by aggregate and version."""

    @abstractmethod
    def advance(self, tracking: Tracking) -> None:
        """Record a follower's position (``IntegrityError`` if not ahead)."""

    @abstractmethod
    def reset(self, name: str, *, clear_rows: bool) -> None:
        """Forget ``name``'s position (and, for the read model, its rows)."""

    @abstractmethod
    def record_failure(self, name: str, error: str | None, at: datetime) -> None:
        """Count one more failure of ``name`` (``error`` None: it succeeded, clear it)."""

    @abstractmethod
    def failures(self) -> dict[str, FollowerFailure]:
        """The followers failing now, by name."""

    @abstractmethod
    def orders(self, *, unfinished_only: bool = False) -> list[OrderRow]:
        """Order rows (only the non-final ones if ``unfinished_only``), by shop and number."""

    @abstractmethod
    def orders_by_id(self, ids: Iterable[UUID]) -> dict[UUID, OrderRow]:
        """The rows of these orders (those that have one)."""

    @abstractmethod
    def order_states(self) -> list[OrderState]:
        """Every order's version, state and amount (what the replay audit compares)."""

    @abstractmethod
    def search(self, query: OrderQuery) -> OrderPage:
        """One page of orders matching ``query``, last changed first."""

    @abstractmethod
    def totals(self) -> list[tuple[str, str, int, int]]:
        """``(state, currency, orders, amount)`` per state and currency, sorted."""

    @abstractmethod
    def inbox(
        self, statuses: Sequence[str] | None = None, *, order_id: UUID | None = None
    ) -> list[InboxRow]:
        """Inbox rows with one of ``statuses`` (all if None; this order's only if given),
        oldest first."""


# -- SQL (SQLite and PostgreSQL share it; only placeholders and the schema differ) ------------


ORDERS_TABLE = "orderstate_orders_v3"
"""The order rows' table, versioned with the read model's name (``readmodel.READ_MODEL``): a
new column means a new table and a new name, so a store written by an older version is
projected again from the log once (``CREATE TABLE IF NOT EXISTS`` never adds a column). The
older tables (``orderstate_orders``, ``_v2``) are left as they were, unused, for a version
still running (v3: the amounts captured and refunded, the payment link, the confirmation's
sender and the reason, so that listing orders needs no aggregate)."""


def create_statements(prefix: str) -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {prefix}{ORDERS_TABLE} ("
        "id TEXT PRIMARY KEY, shop_id BIGINT NOT NULL, order_number TEXT NOT NULL, "
        "state TEXT NOT NULL, amount TEXT NOT NULL, currency TEXT NOT NULL, "
        "version INTEGER NOT NULL, modified_on TEXT NOT NULL, time_limit TEXT, "
        "final BOOLEAN NOT NULL, pending TEXT, authorized TEXT NOT NULL, captured TEXT NOT NULL, "
        "refunded TEXT NOT NULL, payment_link TEXT, confirmation_sender TEXT NOT NULL, "
        "reason TEXT)",
        f"CREATE INDEX IF NOT EXISTS {ORDERS_TABLE}_unfinished ON {prefix}{ORDERS_TABLE} (final)",
        # The console's pages: newest change first, overall and within a state.
        f"CREATE INDEX IF NOT EXISTS {ORDERS_TABLE}_changed "
        f"ON {prefix}{ORDERS_TABLE} (modified_on, id)",
        f"CREATE INDEX IF NOT EXISTS {ORDERS_TABLE}_state_changed "
        f"ON {prefix}{ORDERS_TABLE} (state, modified_on, id)",
        f"CREATE TABLE IF NOT EXISTS {prefix}orderstate_inbox ("
        "id TEXT PRIMARY KEY, shop_id BIGINT NOT NULL, status TEXT NOT NULL, kind TEXT, "
        "reason TEXT, order_id TEXT, received_at TEXT NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS orderstate_inbox_status ON {prefix}orderstate_inbox (status)",
        f"CREATE TABLE IF NOT EXISTS {prefix}orderstate_unreadable ("
        "originator_id TEXT NOT NULL, version BIGINT NOT NULL, topic TEXT NOT NULL, "
        "reason TEXT NOT NULL, PRIMARY KEY (originator_id, version))",
        f"CREATE TABLE IF NOT EXISTS {prefix}orderstate_followers ("
        "name TEXT PRIMARY KEY, failures INTEGER NOT NULL, error TEXT NOT NULL, at TEXT NOT NULL)",
    ]


def _upsert(prefix: str, table: str, columns: Sequence[str]) -> str:
    names = ", ".join(columns)
    values = ", ".join(f"%({c})s" for c in columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "id")
    return (
        f"INSERT INTO {prefix}{table} ({names}) VALUES ({values}) "
        f"ON CONFLICT (id) DO UPDATE SET {updates}"
    )


def _order_params(row: OrderRow) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "shop_id": row.shop_id,
        "order_number": row.order_number,
        "state": str(row.state),
        "amount": str(row.amount),  # minor units can pass 64 bits (18-decimal currencies)
        "currency": row.currency,
        "version": row.version,
        "modified_on": row.modified_on.isoformat(),
        "time_limit": row.time_limit.isoformat() if row.time_limit else None,
        "final": row.final,
        "pending": row.pending,
        "authorized": str(row.authorized),
        "captured": str(row.captured),
        "refunded": str(row.refunded),
        "payment_link": row.payment_link,
        "confirmation_sender": row.confirmation_sender,
        "reason": row.reason,
    }


def _inbox_params(row: InboxRow) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "shop_id": row.shop_id,
        "status": row.status,
        "kind": row.kind,
        "reason": row.reason,
        "order_id": str(row.order_id) if row.order_id else None,
        "received_at": row.received_at.isoformat(),
    }


def _unreadable_params(bad: UnreadableEvent) -> dict[str, Any]:
    return {
        "id": str(bad.originator_id),
        "version": bad.version,
        "topic": bad.topic,
        "reason": bad.reason,
    }


def _order_row(r: Any) -> OrderRow:
    return OrderRow(
        id=UUID(r["id"]),
        shop_id=int(r["shop_id"]),
        order_number=r["order_number"],
        state=r["state"],
        amount=int(r["amount"]),
        currency=r["currency"],
        version=int(r["version"]),
        modified_on=datetime.fromisoformat(r["modified_on"]),
        time_limit=datetime.fromisoformat(r["time_limit"]) if r["time_limit"] else None,
        final=bool(r["final"]),
        pending=r["pending"],
        authorized=int(r["authorized"]),
        captured=int(r["captured"]),
        refunded=int(r["refunded"]),
        payment_link=r["payment_link"],
        confirmation_sender=r["confirmation_sender"],
        reason=r["reason"],
    )


def _inbox_row(r: Any) -> InboxRow:
    return InboxRow(
        id=UUID(r["id"]),
        shop_id=int(r["shop_id"]),
        status=r["status"],
        kind=r["kind"],
        reason=r["reason"],
        order_id=UUID(r["order_id"]) if r["order_id"] else None,
        received_at=datetime.fromisoformat(r["received_at"]),
    )


class SQLReadStore(ReadStore):
    """The queries, written once (SQLite and PostgreSQL); subclasses give the cursor, the
    placeholders and the tracking insert."""

    prefix = ""
    tracking_table = "tracking"

    @abstractmethod
    def _transaction(self, *, commit: bool) -> AbstractContextManager[Any]: ...

    @abstractmethod
    def _track(self, cursor: Any, tracking: Tracking) -> None: ...

    def _sql(self, statement: str) -> str:
        return statement

    def _run(self, cursor: Any, statement: str, params: Any = None) -> None:
        cursor.execute(self._sql(statement), params or {})

    def _many(self, cursor: Any, statement: str, rows: list[dict[str, Any]]) -> None:
        for params in rows:
            self._run(cursor, statement, params)

    def position(self, name: str) -> int:
        with self._transaction(commit=False) as c:
            self._run(
                c,
                f"SELECT MAX(notification_id) AS position FROM {self.prefix}"
                f"{self.tracking_table} WHERE application_name = %(name)s",
                {"name": name},
            )
            row = c.fetchone()
        return int(row["position"]) if row and row["position"] is not None else 0

    def positions(self) -> dict[str, int]:
        rows = self._select(
            "SELECT application_name AS name, MAX(notification_id) AS position "
            f"FROM {self.prefix}{self.tracking_table} GROUP BY application_name"
        )
        return {r["name"]: int(r["position"]) for r in rows if r["name"] != MIGRATION}

    def write(
        self,
        tracking: Tracking,
        orders: Sequence[OrderRow],
        inbox: Sequence[InboxRow],
        unreadable: Sequence[UnreadableEvent] = (),
    ) -> None:
        with self._transaction(commit=True) as c:
            self._many(
                c,
                f"INSERT INTO {self.prefix}orderstate_unreadable (originator_id, version, topic, "
                "reason) VALUES (%(id)s, %(version)s, %(topic)s, %(reason)s) "
                "ON CONFLICT DO NOTHING",
                [_unreadable_params(bad) for bad in unreadable],
            )
            self._many(
                c,
                _upsert(self.prefix, ORDERS_TABLE, ORDER_COLUMNS),
                [_order_params(r) for r in orders],
            )
            self._many(
                c,
                _upsert(self.prefix, "orderstate_inbox", INBOX_COLUMNS),
                [_inbox_params(r) for r in inbox],
            )
            self._track(c, tracking)

    def advance(self, tracking: Tracking) -> None:
        with self._transaction(commit=True) as c:
            self._track(c, tracking)

    def reset(self, name: str, *, clear_rows: bool) -> None:
        with self._transaction(commit=True) as c:
            self._run(
                c,
                f"DELETE FROM {self.prefix}{self.tracking_table} WHERE application_name = %(n)s",
                {"n": name},
            )
            if clear_rows:
                self._run(c, f"DELETE FROM {self.prefix}{ORDERS_TABLE}")
                self._run(c, f"DELETE FROM {self.prefix}orderstate_inbox")
                self._run(c, f"DELETE FROM {self.prefix}orderstate_unreadable")

    def record_failure(self, name: str, error: str | None, at: datetime) -> None:
        table = f"{self.prefix}orderstate_followers"
        with self._transaction(commit=True) as c:
            if error is None:
                self._run(c, f"DELETE FROM {table} WHERE name = %(name)s", {"name": name})
                return
            self._run(
                c,
                f"INSERT INTO {table} (name, failures, error, at) "
                "VALUES (%(name)s, 1, %(error)s, %(at)s) ON CONFLICT (name) DO UPDATE SET "
                f"failures = {table}.failures + 1, error = excluded.error, at = excluded.at",
                {"name": name, "error": error, "at": at.isoformat()},
            )

    def failures(self) -> dict[str, FollowerFailure]:
        rows = self._select(f"SELECT * FROM {self.prefix}orderstate_followers")
        return {
            r["name"]: FollowerFailure(
                r["name"], int(r["failures"]), r["error"], datetime.fromisoformat(r["at"])
            )
            for r in rows
        }

    def orders(self, *, unfinished_only: bool = False) -> list[OrderRow]:
        where = " WHERE final = %(no)s" if unfinished_only else ""
        rows = self._select(
            f"SELECT * FROM {self.prefix}{ORDERS_TABLE}{where} ORDER BY shop_id, order_number",
            {"no": False},
        )
        return [_order_row(r) for r in rows]

    def orders_by_id(self, ids: Iterable[UUID]) -> dict[UUID, OrderRow]:
        return {row.id: row for row in map(_order_row, self._by_id(ORDERS_TABLE, ids))}

    def order_states(self) -> list[OrderState]:
        rows = self._select(
            f"SELECT id, version, state, amount, currency, final FROM {self.prefix}{ORDERS_TABLE}"
        )
        return [
            OrderState(
                UUID(r["id"]),
                int(r["version"]),
                r["state"],
                int(r["amount"]),
                r["currency"],
                bool(r["final"]),
            )
            for r in rows
        ]

    def search(self, query: OrderQuery) -> OrderPage:
        where, params = _search_where(query)
        table = f"{self.prefix}{ORDERS_TABLE}"
        with self._transaction(commit=False) as c:
            self._run(c, f"SELECT COUNT(*) AS n FROM {table}{where}", params)
            total = int(c.fetchone()["n"])
            self._run(
                c,
                f"SELECT * FROM {table}{where} ORDER BY modified_on DESC, id DESC "
                "LIMIT %(limit)s OFFSET %(offset)s",
                {**params, **_window(query)},
            )
            rows = tuple(_order_row(r) for r in c.fetchall())
        return OrderPage(rows, total)

    def totals(self) -> list[tuple[str, str, int, int]]:
        # Summed here, not in SQL: amounts are exact integers of any size, stored as text.
        rows = self._select(f"SELECT state, currency, amount FROM {self.prefix}{ORDERS_TABLE}")
        return _totals((r["state"], r["currency"], int(r["amount"])) for r in rows)

    def inbox(
        self, statuses: Sequence[str] | None = None, *, order_id: UUID | None = None
    ) -> list[InboxRow]:
        params = _params(list(statuses or ()))
        where = f"status IN ({_marks(list(statuses))})" if statuses is not None else "1 = 1"
        if order_id is not None:
            where += " AND order_id = %(order_id)s"
            params["order_id"] = str(order_id)
        rows = self._select(
            f"SELECT * FROM {self.prefix}orderstate_inbox WHERE {where} ORDER BY received_at, id",
            params,
        )
        return [_inbox_row(r) for r in rows]

    def _by_id(self, table: str, ids: Iterable[UUID]) -> list[Any]:
        """The rows of ``table`` with these ids, queried in chunks (bounded placeholders)."""
        found: list[Any] = []
        for chunk in _chunks([str(i) for i in ids]):
            found += self._select(
                f"SELECT * FROM {self.prefix}{table} WHERE id IN ({_marks(chunk)})",
                _params(chunk),
            )
        return found

    def unreadable(self) -> list[UnreadableEvent]:
        rows = self._select(
            f"SELECT * FROM {self.prefix}orderstate_unreadable ORDER BY originator_id, version"
        )
        return [
            UnreadableEvent(UUID(r["originator_id"]), int(r["version"]), r["topic"], r["reason"])
            for r in rows
        ]

    def _select(self, statement: str, params: Any = None) -> list[Any]:
        with self._transaction(commit=False) as c:
            self._run(c, statement, params)
            return list(c.fetchall())


def _search_where(query: OrderQuery) -> tuple[str, dict[str, Any]]:
    """The WHERE clause and its parameters for ``query``'s filters (values never inlined)."""
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if query.text:
        clauses.append("LOWER(order_number) LIKE %(text)s ESCAPE '!'")
        escaped = query.text.lower().replace("!", "!!").replace("%", "!%").replace("_", "!_")
        params["text"] = f"%{escaped}%"
    if query.state is not None:
        clauses.append("state = %(state)s")
        params["state"] = query.state
    if query.shops is not None:
        keep = [f"%(s{i})s" for i in range(len(query.shops))]
        clauses.append(f"shop_id IN ({', '.join(keep)})" if keep else "1 = 0")
        params |= {f"s{i}": shop for i, shop in enumerate(query.shops)}
    if query.other_shops:
        drop = [f"%(o{i})s" for i in range(len(query.other_shops))]
        clauses.append(f"shop_id NOT IN ({', '.join(drop)})")
        params |= {f"o{i}": shop for i, shop in enumerate(query.other_shops)}
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _window(query: OrderQuery) -> dict[str, int]:
    """LIMIT and OFFSET, bounded: a page has 1 to ``MAX_PAGE`` rows, an offset is not negative."""
    return {"limit": min(max(query.limit, 1), MAX_PAGE), "offset": max(query.offset, 0)}


def _matches(row: OrderRow, query: OrderQuery) -> bool:
    """``_search_where`` in Python, for the in-memory store."""
    return (
        query.text.lower() in row.order_number.lower()
        and query.state in (None, row.state)
        and (query.shops is None or row.shop_id in query.shops)
        and row.shop_id not in query.other_shops
    )


def _totals(rows: Iterable[tuple[str, str, int]]) -> list[tuple[str, str, int, int]]:
    sums: dict[tuple[str, str], tuple[int, int]] = {}
    for state, currency, amount in rows:
        count, total = sums.get((state, currency), (0, 0))
        sums[state, currency] = (count + 1, total + amount)
    return [(s, c, n, t) for (s, c), (n, t) in sorted(sums.items())]


def _chunks(values: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _marks(values: Sequence[str]) -> str:
    return ", ".join(f"%(v{i})s" for i in range(len(values)))


def _params(values: Sequence[str]) -> dict[str, Any]:
    return {f"v{i}": value for i, value in enumerate(values)}


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


class SQLiteReadStore(SQLiteTrackingRecorder, SQLReadStore):
    """The read store in the application's SQLite file."""

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *create_statements("")]

    def _transaction(self, *, commit: bool) -> AbstractContextManager[Any]:
        return self.datastore.transaction(commit=commit)

    def _track(self, cursor: Any, tracking: Tracking) -> None:
        self._insert_tracking(cursor, tracking)

    def _sql(self, statement: str) -> str:
        return _named(statement)


@lru_cache(maxsize=64)
def _named(statement: str) -> str:
    """``%(name)s`` placeholders as SQLite's ``:name``, worked out once per statement (a
    projection writes a row per order: the regex per row was a tenth of a rebuild)."""
    return _PLACEHOLDER.sub(r":\1", statement)


class POPOReadStore(POPOTrackingRecorder, ReadStore):
    """The read store in process memory, for tests and the ``memory`` store."""

    def __init__(self) -> None:
        super().__init__()
        self._orders: dict[UUID, OrderRow] = {}
        self._inbox: dict[UUID, InboxRow] = {}
        self._failures: dict[str, FollowerFailure] = {}
        self._unreadable: dict[tuple[UUID, int], UnreadableEvent] = {}
        self._lock = threading.RLock()

    def position(self, name: str) -> int:
        return self.max_tracking_id(name) or 0

    def positions(self) -> dict[str, int]:
        with self._database_lock:
            return {n: p for n, p in self._max_tracking_ids.items() if p is not None}

    def write(
        self,
        tracking: Tracking,
        orders: Sequence[OrderRow],
        inbox: Sequence[InboxRow],
        unreadable: Sequence[UnreadableEvent] = (),
    ) -> None:
        with self._database_lock:
            self._assert_tracking_uniqueness(tracking)
            for bad in unreadable:
                self._unreadable.setdefault((bad.originator_id, bad.version), bad)
            self._orders.update((row.id, row) for row in orders)
            self._inbox.update((row.id, row) for row in inbox)
            self._insert_tracking(tracking)

    def advance(self, tracking: Tracking) -> None:
        self.insert_tracking(tracking)

    def reset(self, name: str, *, clear_rows: bool) -> None:
        with self._database_lock:
            self._max_tracking_ids[name] = None
            if clear_rows:
                self._orders.clear()
                self._inbox.clear()
                self._unreadable.clear()

    def record_failure(self, name: str, error: str | None, at: datetime) -> None:
        with self._lock:
            if error is None:
                self._failures.pop(name, None)
                return
            before = self._failures.get(name)
            failures = before.failures + 1 if before else 1
            self._failures[name] = FollowerFailure(name, failures, error, at)

    def failures(self) -> dict[str, FollowerFailure]:
        with self._lock:
            return dict(self._failures)

    def orders(self, *, unfinished_only: bool = False) -> list[OrderRow]:
        with self._database_lock:
            rows = [r for r in self._orders.values() if not (unfinished_only and r.final)]
        return sorted(rows, key=lambda r: (r.shop_id, r.order_number))

    def orders_by_id(self, ids: Iterable[UUID]) -> dict[UUID, OrderRow]:
        with self._database_lock:
            return {i: self._orders[i] for i in ids if i in self._orders}

    def order_states(self) -> list[OrderState]:
        with self._database_lock:
            rows = list(self._orders.values())
        return [OrderState(r.id, r.version, r.state, r.amount, r.currency, r.final) for r in rows]

    def search(self, query: OrderQuery) -> OrderPage:
        with self._database_lock:
            found = [row for row in self._orders.values() if _matches(row, query)]
        found.sort(key=lambda r: (r.modified_on, str(r.id)), reverse=True)
        window = _window(query)
        start = window["offset"]
        return OrderPage(tuple(found[start : start + window["limit"]]), len(found))

    def totals(self) -> list[tuple[str, str, int, int]]:
        return _totals((row.state, row.currency, row.amount) for row in self.orders())

    def inbox(
        self, statuses: Sequence[str] | None = None, *, order_id: UUID | None = None
    ) -> list[InboxRow]:
        with self._database_lock:
            rows = [
                r
                for r in self._inbox.values()
                if (statuses is None or r.status in statuses)
                and (order_id is None or r.order_id == order_id)
            ]
        return sorted(rows, key=lambda r: (r.received_at, str(r.id)))

    def unreadable(self) -> list[UnreadableEvent]:
        with self._database_lock:
            return [self._unreadable[key] for key in sorted(self._unreadable, key=str)]


def _is_postgres(factory: object) -> bool:
    """A PostgreSQL factory (or a subclass), without importing psycopg for other stores."""
    postgres = sys.modules.get("eventsourcing.postgres")
    return postgres is not None and isinstance(factory, postgres.PostgresFactory)


def read_store_for(factory: InfrastructureFactory[Any]) -> ReadStore:
    """The read store for the application's own store (same file, schema or memory).

    Workers starting together on a fresh store race on eventsourcing's tracking table: each
    finds no table, creates it (``IF NOT EXISTS``) and records its schema version; the losers'
    record is not ahead of the winner's (``IntegrityError``). The table exists by then, so a
    second construction finds it and records nothing.
    """
    for attempt in range(1, MIGRATION_RACES + 1):
        try:
            return _construct(factory)
        except IntegrityError as error:
            if MIGRATION not in str(error) or attempt == MIGRATION_RACES:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _construct(factory: InfrastructureFactory[Any]) -> ReadStore:
    recorder: object
    if isinstance(factory, SQLiteFactory):
        recorder = factory.tracking_recorder(SQLiteReadStore)
    elif _is_postgres(factory):
        from .readstore_postgres import PostgresReadStore

        recorder = factory.tracking_recorder(PostgresReadStore)
    elif isinstance(factory, POPOFactory):
        recorder = factory.tracking_recorder(POPOReadStore)
    else:
        recorder = None
    if not isinstance(recorder, ReadStore):
        raise TypeError(f"no read store for {type(factory).__name__}")
    return recorder
