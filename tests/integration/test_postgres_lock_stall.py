"""A transaction stalled while holding the events table's lock: callbacks fail fast with a 503
(the provider retries) instead of waiting forever, and ``/healthz`` says the store cannot be
written to; both recover once the lock is released."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

import httpx
import psycopg
from psycopg import sql

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.loopback import serve_app
from orderstate.adapters.service import OrderService, Shop
from orderstate.adapters.store import write_probe
from orderstate.adapters.web import create_app
from orderstate.engine import Money
from tests.unit.vertex.helpers import SECRET, order_json, signed

COST = Money.parse("56.99", "PHP")
BOUND = 10.0
"""Seconds within which every answer must come while the lock is held (it used to be never)."""


@contextmanager
def events_table_locked(store: str, service: OrderService) -> Iterator[None]:
    """Another session holds ``LOCK TABLE events IN EXCLUSIVE MODE`` and does nothing more."""
    url = urlparse(store)
    schema = dict(part.split("=") for part in url.query.split("&"))["schema"]
    recorder: Any = service.recorder
    with psycopg.connect(url._replace(query="").geturl(), autocommit=False) as stalled:
        stalled.execute(
            sql.SQL("LOCK TABLE {}.{} IN EXCLUSIVE MODE").format(
                sql.Identifier(schema), sql.Identifier(recorder.events_table_name)
            )
        )
        try:
            yield
        finally:
            stalled.rollback()


def test_a_stalled_lock_holder_gets_callbacks_a_fast_503_and_healthz_unable_to_write(
    postgres_store: str,
) -> None:
    store = f"{postgres_store}&lock_timeout=1"
    service = build_service(store=store, shops={115: Shop((SECRET,))})
    service.place(shop_id=115, order_number="test04", amount=COST)
    body = order_json_bytes()

    with (
        serve_app(create_app(service)) as server,
        httpx.Client(base_url=server.base_url, timeout=BOUND) as http,
    ):
        with events_table_locked(store, service):
            started = time.monotonic()
            refused = http.post("/callbacks/vertex/115", content=body, headers=signed(body))
            callback_took = time.monotonic() - started
            health = http.get("/healthz")
        healthy = http.get("/healthz")
        retried = http.post("/callbacks/vertex/115", content=body, headers=signed(body))

    assert refused.status_code == 503
    assert refused.headers["retry-after"]
    assert callback_took < BOUND
    assert (health.status_code, health.json()["status"]) == (503, "unable to write")
    assert (healthy.status_code, healthy.json()["status"]) == (200, "ok")
    assert (retried.status_code, retried.json()["outcome"]) == (200, "applied")
    assert service.view(115, "test04").state != "created"
    service.close()


def test_the_write_probe_appends_nothing(postgres_store: str) -> None:
    service = build_service(store=postgres_store)
    before = service.recorder.max_notification_id()

    outcomes = [write_probe(service.recorder, timeout=1) for _ in range(3)]

    assert outcomes == [None, None, None]
    assert service.recorder.max_notification_id() == before
    service.close()


def test_sessions_have_a_statement_timeout(postgres_store: str) -> None:
    service = build_service(store=f"{postgres_store}&statement_timeout=7")
    recorder: Any = service.recorder

    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute("SHOW statement_timeout")
        shown = cursor.fetchone()

    assert shown == {"statement_timeout": "7s"}
    service.close()


def order_json_bytes() -> bytes:
    import json

    return json.dumps(order_json()).encode()
