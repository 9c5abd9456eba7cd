"""Checking a store setting before a command uses it: one line naming the real cause, fast.

eventsourcing opens the store lazily through a connection pool, so a wrong PostgreSQL database
shows up as "couldn't get a connection after 5.00 sec" at the end of a long traceback, and a
file that is not SQLite as "file is not a database". ``check_store`` tries the setting directly
(one connection, a short timeout) and raises ``StoreError`` saying which part is wrong: the
host, the port, the user, the password, the database, the schema, or the file. A schema named
by ``?schema=`` that does not exist yet is created (eventsourcing creates its tables, not
schemas), and said so. A password is never part of a message.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from .settings import StoreError, store_env

if TYPE_CHECKING:  # psycopg is the optional [postgres] extra: imported only when needed
    import psycopg

__all__ = ["CONNECT_TIMEOUT", "SQLITE_HEADER", "check_store"]

CONNECT_TIMEOUT = 3.0
"""Seconds to wait for PostgreSQL to answer before saying it does not."""

SQLITE_HEADER = b"SQLite format 3\x00"
"""The first 16 bytes of every SQLite database file."""

# SQLSTATEs PostgreSQL answers a connection with, by what the merchant got wrong.
_NO_DATABASE = "3D000"
_NO_ROLE_OR_ACCESS = "28000"
_BAD_PASSWORD = "28P01"


def check_store(store: str, *, timeout: float = CONNECT_TIMEOUT) -> str | None:
    """Raise ``StoreError`` if ``store`` cannot be used as given; return a note when the check
    changed something (a schema created), else None. ``memory`` needs no check."""
    env = store_env(store)
    module = env["PERSISTENCE_MODULE"]
    if module == "eventsourcing.sqlite":
        _check_sqlite(Path(env["SQLITE_DBNAME"]))
    elif "POSTGRES_DBNAME" in env:
        return _check_postgres(env, timeout)
    return None


def _check_sqlite(path: Path) -> None:
    if path.is_dir():
        raise StoreError(
            f"the store {str(path)!r} is a directory: give a file in it, e.g. {path / 'orders.db'}"
        )
    if not path.exists():
        return  # a new store: SQLite creates the file
    try:
        with path.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except OSError as error:
        raise StoreError(f"cannot read the store {str(path)!r}: {error.strerror}") from None
    if header and header != SQLITE_HEADER:
        raise StoreError(
            f"the store {str(path)!r} is not a SQLite database (it is another kind of file): "
            "give a new path or an orderstate store"
        )


def _check_postgres(env: dict[str, str], timeout: float) -> str | None:
    host, port = env["POSTGRES_HOST"], env["POSTGRES_PORT"]
    user, dbname = env["POSTGRES_USER"], env["POSTGRES_DBNAME"]
    where = f"PostgreSQL at {host}:{port}"
    try:
        import psycopg
    except ImportError:
        raise StoreError(
            "a PostgreSQL store needs psycopg: pip install 'orderstate[postgres]'"
        ) from None
    try:
        connection = psycopg.connect(
            host=host,
            port=port,
            user=user,
            dbname=dbname,
            password=env.get("POSTGRES_PASSWORD") or None,
            connect_timeout=max(1, math.ceil(timeout)),
            autocommit=True,
        )
    except psycopg.OperationalError as error:
        raise StoreError(_connect_failure(error, where, user, dbname, timeout)) from None
    with connection:
        schema = env.get("POSTGRES_SCHEMA")
        if schema:
            return _ensure_schema(connection, schema, where, dbname, user)
    return None


def _connect_failure(
    error: psycopg.OperationalError, where: str, user: str, dbname: str, timeout: float
) -> str:
    """One line for a failed connection, by SQLSTATE where the server sent one, else by the
    client library's message (connection refused, unknown host, no answer)."""
    state = error.sqlstate
    text = str(error)
    if state == _NO_DATABASE or f'database "{dbname}" does not exist' in text:
        return f"{where} has no database {dbname!r}: create it (createdb {dbname}) or fix the URL"
    if state == _BAD_PASSWORD or "password authentication failed" in text:
        return f"{where} refused the password of user {user!r}"
    if f'role "{user}" does not exist' in text:
        return f"{where} has no user {user!r}"
    if state == _NO_ROLE_OR_ACCESS or "no pg_hba.conf entry" in text:
        return f"{where} does not let user {user!r} into database {dbname!r}"
    if "Connection refused" in text:
        return f"nothing accepts connections at {where.removeprefix('PostgreSQL at ')}: " + (
            "check the host and port (connection refused)"
        )
    if "translate host name" in text or "Name or service not known" in text:
        return f"{where}: unknown host; check the host name in the URL"
    if "timeout expired" in text:
        return f"{where} did not answer within {timeout:g} s: check the host and port"
    first = next((line.strip() for line in text.splitlines() if line.strip()), type(error).__name__)
    return f"cannot connect to {where} as {user!r}: {first}"


def _ensure_schema(
    connection: psycopg.Connection[tuple[object, ...]],
    schema: str,
    where: str,
    dbname: str,
    user: str,
) -> str | None:
    from psycopg import errors, sql

    found = connection.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
    if found.fetchone() is not None:
        return None
    try:
        connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    except errors.InsufficientPrivilege:
        raise StoreError(
            f"{where}: database {dbname!r} has no schema {schema!r} and user {user!r} may not "
            "create it"
        ) from None
    return f"created schema {schema!r} in database {dbname!r} ({where})"
