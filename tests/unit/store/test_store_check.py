"""A bad store setting is one line naming the real cause, found before eventsourcing waits."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import pytest

from orderstate.adapters.store import StoreError
from orderstate.adapters.store.check import check_store


def _with(url: str, **parts: str) -> str:
    parsed = urlparse(url)
    netloc = parts.get("netloc", parsed.netloc)
    path = parts.get("path", parsed.path)
    query = parts.get("query", parsed.query)
    return parsed._replace(netloc=netloc, path=path, query=query).geturl()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_directory_is_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a directory: give a file in it"):
        check_store(str(tmp_path))


def test_a_file_that_is_not_sqlite_is_named(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list\n")

    with pytest.raises(StoreError, match="is not a SQLite database"):
        check_store(str(notes))


def test_a_new_or_existing_sqlite_file_passes(tmp_path: Path) -> None:
    existing = tmp_path / "orders.db"
    sqlite3.connect(existing).execute("CREATE TABLE t (x)").connection.close()

    assert check_store(str(existing)) is None
    assert check_store(str(tmp_path / "new.db")) is None
    assert check_store("memory") is None


def test_a_missing_database_is_named(postgres_database: str) -> None:
    url = _with(postgres_database, path="/no_such_database_here")

    with pytest.raises(StoreError, match="has no database 'no_such_database_here'"):
        check_store(url)


def test_a_missing_user_is_named(postgres_database: str) -> None:
    host = urlparse(postgres_database).hostname
    url = _with(
        postgres_database, netloc=f"no_such_user@{host}:{urlparse(postgres_database).port or 5432}"
    )

    with pytest.raises(StoreError, match=r"no user 'no_such_user'|does not let user"):
        check_store(url)


def test_a_port_nobody_listens_on_is_named_at_once(postgres_database: str) -> None:
    parsed = urlparse(postgres_database)
    url = _with(
        postgres_database, netloc=f"{parsed.username or 'postgres'}@127.0.0.1:{_free_port()}"
    )

    with pytest.raises(StoreError, match="connection refused") as caught:
        check_store(url)

    assert str(caught.value).count("\n") == 0


def test_an_unknown_host_is_named(postgres_database: str) -> None:
    url = _with(postgres_database, netloc="postgres@no-such-host.invalid:5432")

    with pytest.raises(StoreError, match="unknown host"):
        check_store(url)


def test_a_password_is_never_in_the_message(postgres_database: str) -> None:
    url = _with(postgres_database, netloc=f"postgres:hunter2-secret@127.0.0.1:{_free_port()}")

    with pytest.raises(StoreError) as caught:
        check_store(url)

    assert "hunter2-secret" not in str(caught.value)


def test_a_missing_schema_is_created_and_said(postgres_database: str) -> None:
    url = _with(postgres_database, query="schema=made_by_check")

    note = check_store(url)

    assert note is not None
    assert "created schema 'made_by_check'" in note
    assert check_store(url) is None  # there now
    with psycopg.connect(postgres_database, autocommit=True) as connection:
        connection.execute("DROP SCHEMA made_by_check")
