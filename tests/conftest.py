"""Store fixtures: one setting per backend (memory, a SQLite file, a PostgreSQL schema).

PostgreSQL gets a fresh database per test session and a fresh schema per test. Without a
server the PostgreSQL cases skip, saying why; under CI (``CI=true``) they fail instead, so a
missing server can never pass unnoticed. Every service a test opens is closed afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from orderstate.adapters.service import Shop
from tests.support.postgres import (
    SECRET,
    CountingService,
    Open,
    create_database,
    create_schema,
    drop_database,
    server_unavailable,
)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database made for this test session, dropped at its end."""
    reason = server_unavailable()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {reason}", pytrace=False)
        pytest.skip(reason)
    url = create_database()
    yield url
    drop_database(url)


@pytest.fixture
def postgres_store(postgres_database: str) -> str:
    """A PostgreSQL store URL with a schema of its own (``?schema=t_…``)."""
    return create_schema(postgres_database)


@pytest.fixture
def sqlite_store(tmp_path: Path) -> str:
    return str(tmp_path / "orders.db")


def _store(request: pytest.FixtureRequest) -> str:
    if request.param == "memory":
        return "memory"
    value: str = request.getfixturevalue(f"{request.param}_store")
    return value


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> str:
    """Every backend, one at a time."""
    return _store(request)


@pytest.fixture(params=["sqlite", "postgres"])
def shared_store(request: pytest.FixtureRequest) -> str:
    """The backends several services (or processes) can share."""
    return _store(request)


@pytest.fixture
def open_service() -> Iterator[Open]:
    """Opens services (shop 1 with ``SECRET``, unless told otherwise) and closes them all."""
    opened: list[CountingService] = []

    def open_(store: str, **settings: Any) -> CountingService:
        settings.setdefault("shops", {1: Shop((SECRET,))})
        service = CountingService(store=store, **settings)
        opened.append(service)
        return service

    yield open_
    for service in opened:
        service.close()
