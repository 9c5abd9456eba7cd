"""The store setting: one string becomes eventsourcing's environment, or a clear StoreError."""

from __future__ import annotations

from pathlib import Path

import pytest

from orderstate.adapters.store import StoreError, describe, store_env


@pytest.mark.parametrize("setting", ["memory", "memory://", ":memory:"])
def test_memory_keeps_events_in_the_process(setting: str) -> None:
    env = store_env(setting)

    assert env == {"PERSISTENCE_MODULE": "eventsourcing.popo"}


def test_a_path_is_a_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "orders.db"

    env = store_env(str(path))

    assert env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
    assert env["SQLITE_DBNAME"] == str(path)
    assert int(env["SQLITE_LOCK_TIMEOUT"]) > 0


def test_a_relative_path_is_a_sqlite_file_in_the_working_directory() -> None:
    env = store_env("orders.db")

    assert env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
    assert env["SQLITE_DBNAME"] == "orders.db"


def test_a_home_relative_path_is_expanded() -> None:
    env = store_env("~/orders.db")

    assert env["SQLITE_DBNAME"] == str(Path("~/orders.db").expanduser())


def test_a_sqlite_url_names_an_absolute_path(tmp_path: Path) -> None:
    path = tmp_path / "orders.db"

    env = store_env(f"sqlite://{path}")

    assert env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
    assert env["SQLITE_DBNAME"] == str(path)


def test_refuses_a_sqlite_file_in_a_missing_directory(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "orders.db"

    with pytest.raises(StoreError, match="no directory"):
        store_env(str(missing))


def test_refuses_a_sqlite_url_without_a_path() -> None:
    with pytest.raises(StoreError, match="needs a file path"):
        store_env("sqlite:///")


def test_a_postgresql_url_gives_every_connection_setting() -> None:
    env = store_env("postgresql://shop:s3cret@db.internal:6543/orders?schema=payments")

    assert env == {
        "PERSISTENCE_MODULE": "orderstate.adapters.store.postgres:PostgresStore",
        "POSTGRES_DBNAME": "orders",
        "POSTGRES_HOST": "db.internal",
        "POSTGRES_PORT": "6543",
        "POSTGRES_USER": "shop",
        "POSTGRES_PASSWORD": "s3cret",
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "POSTGRES_POOL_SIZE": "5",
        "POSTGRES_SCHEMA": "payments",
        "POSTGRES_LOCK_TIMEOUT": "3",
        "POSTGRES_STATEMENT_TIMEOUT": "30",
        "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "10",
    }


def test_a_postgresql_url_sets_its_sessions_timeouts() -> None:
    env = store_env("postgresql://db.internal/orders?lock_timeout=1&statement_timeout=0")

    assert env["POSTGRES_LOCK_TIMEOUT"] == "1"
    assert env["POSTGRES_STATEMENT_TIMEOUT"] == "0"
    assert env["POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT"] == "10"


@pytest.mark.parametrize("value", ["-1", "1.5", "soon", "9999999"])
def test_refuses_a_timeout_that_is_not_whole_seconds(value: str) -> None:
    with pytest.raises(StoreError, match="lock_timeout is whole seconds"):
        store_env(f"postgresql://db.internal/orders?lock_timeout={value}")


def test_a_postgresql_url_without_port_user_password_or_schema_uses_the_defaults() -> None:
    env = store_env("postgres://db.internal/orders")

    assert env["POSTGRES_HOST"] == "db.internal"
    assert env["POSTGRES_PORT"] == "5432"
    assert env["POSTGRES_USER"] == "postgres"
    assert env["POSTGRES_PASSWORD"] == ""
    assert "POSTGRES_SCHEMA" not in env


def test_a_postgresql_url_with_a_user_but_no_password_sends_an_empty_one() -> None:
    env = store_env("postgresql://shop@127.0.0.1/orders")

    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == ("shop", "")


def test_a_postgresql_url_decodes_percent_escapes() -> None:
    env = store_env("postgresql://sh%40p:p%40ss%2Fword@127.0.0.1/my%20orders")

    assert env["POSTGRES_USER"] == "sh@p"
    assert env["POSTGRES_PASSWORD"] == "p@ss/word"
    assert env["POSTGRES_DBNAME"] == "my orders"


@pytest.mark.parametrize(
    "url",
    ["postgresql://db.internal", "postgresql://db.internal/", "postgresql:///orders"],
)
def test_refuses_a_postgresql_url_without_host_or_database(url: str) -> None:
    with pytest.raises(StoreError, match="needs a host and a database name"):
        store_env(url)


def test_refuses_a_postgresql_url_with_a_port_that_is_not_a_number() -> None:
    with pytest.raises(StoreError, match="numeric port"):
        store_env("postgresql://shop:s3cret@db.internal:pg/orders")


@pytest.mark.parametrize(
    "setting", ["mysql://shop@db/orders", "http://example.com/orders", "sqlite://orders.db"]
)
def test_refuses_an_unknown_scheme_and_says_what_is_understood(setting: str) -> None:
    with pytest.raises(StoreError, match=r"unknown store .*use a path, sqlite:///…, postgresql://"):
        store_env(setting)


def test_refuses_an_empty_setting() -> None:
    with pytest.raises(StoreError, match="empty"):
        store_env("")


@pytest.mark.parametrize(
    "setting",
    [
        "postgresql://db.internal:s3cret@",  # no database: the message must not show the password
        "postgresql://shop:s3cret@db.internal:pg/orders",
        "mysql://shop:s3cret@db/orders",
    ],
)
def test_error_messages_never_show_the_password(setting: str) -> None:
    with pytest.raises(StoreError) as refused:
        store_env(setting)

    assert "s3cret" not in str(refused.value)


def test_a_store_error_is_a_value_error() -> None:
    assert issubclass(StoreError, ValueError)


@pytest.mark.parametrize(
    ("setting", "shown"),
    [
        ("postgresql://shop:s3cret@db:5432/orders", "postgresql://shop:***@db:5432/orders"),
        ("postgres://shop:p%40ss@db/orders?schema=x", "postgres://shop:***@db/orders?schema=x"),
        ("postgresql://shop@db/orders", "postgresql://shop@db/orders"),
        ("mysql://shop:s3cret@db/orders", "mysql://shop:***@db/orders"),
        ("memory", "memory"),
        ("/var/lib/orderstate/orders.db", "/var/lib/orderstate/orders.db"),
    ],
)
def test_describe_hides_the_password_and_nothing_else(setting: str, shown: str) -> None:
    assert describe(setting) == shown
