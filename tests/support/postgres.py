"""Helpers for the store tests: PostgreSQL databases, signed callbacks, racing services.

The PostgreSQL part creates a throw-away database per test session and a schema per test, so
tests never see each other's events. ``CountingService`` is the real ``OrderService`` that also
counts the saves it lost to a concurrent writer (``IntegrityError``) and can run a hook just
before saving an order, which makes a lost race happen on purpose. ``apply_callbacks`` is the
scale-out worker: it lives in an importable module so ``spawn``-ed processes can run it.
"""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlparse

import psycopg
from eventsourcing.persistence import IntegrityError
from psycopg import sql

from orderstate.adapters.bootstrap import providers_for
from orderstate.adapters.service import OrderService, Shop
from orderstate.adapters.vertex.models import OrderSnapshot
from orderstate.adapters.vertex.payloads import order_to_json
from orderstate.adapters.vertex.signatures import SIGNATURE_HEADER, sign
from orderstate.engine import Order

__all__ = [
    "SECRET",
    "SERVER_URL",
    "Callback",
    "CountingService",
    "Open",
    "WorkerReport",
    "apply_callbacks",
    "callback",
    "create_database",
    "create_schema",
    "drop_database",
    "server_unavailable",
]

SERVER_URL: Final = os.environ.get(
    "ORDERSTATE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
"""A database on the server the tests may use to create and drop their own databases."""

CONNECT_TIMEOUT: Final = 3
"""Seconds to wait for the server before deciding it is not there."""

SECRET: Final = "store-test-secret"
"""The callback secret of every shop in these tests; nothing real is signed with it."""


def _connect(url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT)


def server_unavailable(url: str = SERVER_URL) -> str | None:
    """Why the PostgreSQL server cannot be used, or None when it can."""
    try:
        with _connect(url) as connection:
            connection.execute("SELECT 1")
    except psycopg.OperationalError as error:
        return f"PostgreSQL at {urlparse(url).hostname}:{urlparse(url).port} unreachable: {error}"
    return None


def _with_database(url: str, dbname: str) -> str:
    return urlparse(url)._replace(path=f"/{dbname}", query="").geturl()


def create_database(url: str = SERVER_URL) -> str:
    """A new empty database on the server; returns its URL."""
    name = f"orderstate_test_{uuid.uuid4().hex[:12]}"
    with _connect(url) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return _with_database(url, name)


def drop_database(database_url: str, url: str = SERVER_URL) -> None:
    """Drop a database made by ``create_database``, closing anything still connected to it."""
    name = urlparse(database_url).path.lstrip("/")
    with _connect(url) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def create_schema(database_url: str) -> str:
    """A new schema in the database (eventsourcing creates tables, not schemas); the store URL."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with _connect(database_url) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    return f"{database_url}?schema={schema}"


@dataclass(frozen=True)
class Callback:
    """A callback as the provider would send it: the raw body and its signed headers."""

    shop_id: int
    body: bytes
    headers: tuple[tuple[str, str], ...]


def callback(snapshot: OrderSnapshot, secret: str = SECRET) -> Callback:
    """The signed callback carrying ``snapshot``."""
    body = json.dumps(order_to_json(snapshot)).encode()
    headers = (("content-type", "application/json"), (SIGNATURE_HEADER, sign(body, secret)))
    return Callback(snapshot.shop_id, body, headers)


class CountingService(OrderService):
    """The order service, counting the saves it lost to another writer.

    ``before_order_save`` (if set) runs once, just before the next save that includes an order:
    a test uses it to let another service write that order first.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("providers", providers_for())
        super().__init__(**kwargs)
        self.conflicts = 0
        self.before_order_save: Callable[[], object] | None = None

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        hook = self.before_order_save
        if hook is not None and any(isinstance(obj, Order) for obj in objs):
            self.before_order_save = None
            hook()
        try:
            return super().save(*objs, **kwargs)
        except IntegrityError:
            self.conflicts += 1
            raise


Open = Callable[..., CountingService]
"""The ``open_service`` fixture: ``open_service(store, **settings)`` opens a service on a store."""


@contextmanager
def counting_service(store: str, shop_ids: Iterable[int]) -> Iterator[CountingService]:
    """A ``CountingService`` on ``store`` knowing ``shop_ids``, closed afterwards."""
    service = CountingService(store=store, shops={shop: Shop((SECRET,)) for shop in shop_ids})
    try:
        yield service
    finally:
        service.close()


@dataclass(frozen=True)
class WorkerReport:
    """What one worker did: outcomes of the callbacks it handled, and the races it lost."""

    outcomes: Counter[str] = field(default_factory=Counter)
    conflicts: int = 0


def apply_callbacks(store: str, callbacks: Sequence[Callback]) -> WorkerReport:
    """Handle ``callbacks`` one after another on a service of its own (a scale-out worker)."""
    outcomes: Counter[str] = Counter()
    with counting_service(store, {item.shop_id for item in callbacks}) as service:
        for item in callbacks:
            outcomes[service.handle_callback(item.shop_id, item.body, item.headers).outcome] += 1
        return WorkerReport(outcomes, service.conflicts)
