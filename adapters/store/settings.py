"""Where events are kept, chosen by one setting: a URL or a path.

- ``memory``: in-process, for tests;
- a file path, or ``sqlite:///path/to/orders.db``: the embedded default (WAL journal);
- ``postgresql://user[:password]@host[:port]/dbname[?schema=name]``: several processes or
  machines sharing one store. Its sessions never wait forever: ``lock_timeout`` (seconds an
  append waits for the events table's lock; default 3), ``statement_timeout`` (default 30)
  and ``idle_in_transaction_timeout`` (default 10) may be given as query parameters
  (``?schema=x&lock_timeout=5``); 0 turns one off.

The setting becomes eventsourcing's environment for the application; no other code changes.
Its password is never shown: ``describe()`` hides it however the URL is mistyped, without
trusting ``urlparse`` (which reads an unencoded ``/ # ?`` in a password as the path, fragment
or query, and so would print the rest of it).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from orderstate.engine.errors import OrderstateError

__all__ = ["DEFAULT_STORE", "POSTGRES_TIMEOUTS", "StoreError", "describe", "store_env"]

DEFAULT_STORE = "orderstate.db"

POSTGRES_TIMEOUTS = {
    "lock_timeout": ("POSTGRES_LOCK_TIMEOUT", 3),
    "statement_timeout": ("POSTGRES_STATEMENT_TIMEOUT", 30),
    "idle_in_transaction_timeout": ("POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT", 10),
}
"""URL parameter -> (eventsourcing's environment key, default seconds)."""

_RESERVED_IN_USERINFO = frozenset("/?#@")
_PASSWORD_PARAMETER = re.compile(r"(?i)([?&;]password=)[^&;]*")


class StoreError(OrderstateError, ValueError):
    """The store setting cannot be understood."""


def store_env(store: str) -> dict[str, str]:
    """eventsourcing's environment variables for ``store``."""
    if not store:
        raise StoreError("the store setting is empty")
    if store in {"memory", "memory://", ":memory:"}:
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    if store.startswith(("postgresql://", "postgres://")):
        return _postgres_env(store)
    if store.startswith("sqlite:///"):
        path = store.removeprefix("sqlite://")  # sqlite:///abs/path -> /abs/path
        return _sqlite_env("" if path == "/" else path)  # bare sqlite:/// names no file
    if "://" in store:
        raise StoreError(
            f"unknown store {describe(store)!r}: use a path, sqlite:///…, postgresql://…"
        )
    return _sqlite_env(store)


def _sqlite_env(path: str) -> dict[str, str]:
    if not path:
        raise StoreError("a SQLite store needs a file path")
    parent = Path(path).expanduser().resolve().parent
    if not parent.is_dir():
        raise StoreError(f"no directory {parent} for the SQLite file")
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(Path(path).expanduser()),
        "SQLITE_LOCK_TIMEOUT": "10",
    }


def _postgres_env(url: str) -> dict[str, str]:
    userinfo = _split_userinfo(url)[1]
    if userinfo is not None and _RESERVED_IN_USERINFO & set(userinfo):
        raise StoreError(
            "percent-encode / ? # @ in the user name or password of a PostgreSQL URL "
            f"(%2F %3F %23 %40): {describe(url)!r}"
        )
    parts = urlparse(url)
    dbname = parts.path.lstrip("/")
    if not parts.hostname or not dbname:
        raise StoreError(f"a PostgreSQL URL needs a host and a database name: {describe(url)!r}")
    try:
        port = parts.port or 5432
    except ValueError:  # urllib's own message would not say which setting is wrong
        raise StoreError(f"a PostgreSQL URL needs a numeric port: {describe(url)!r}") from None
    env = {
        # eventsourcing's PostgreSQL factory, with a statement timeout on every session
        "PERSISTENCE_MODULE": "orderstate.adapters.store.postgres:PostgresStore",
        "POSTGRES_DBNAME": unquote(dbname),
        "POSTGRES_HOST": parts.hostname,
        "POSTGRES_PORT": str(port),
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "POSTGRES_POOL_SIZE": "5",
    }
    query = parse_qs(parts.query)
    schema = query.get("schema")
    if schema:
        env["POSTGRES_SCHEMA"] = schema[0]
    for parameter, (key, default) in POSTGRES_TIMEOUTS.items():
        env[key] = str(_seconds(parameter, query.get(parameter, [str(default)])[-1]))
    return env


def _seconds(parameter: str, text: str) -> int:
    """A timeout given in the URL: whole seconds (what eventsourcing reads), 0 for none."""
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        raise StoreError(f"{parameter} is whole seconds (0 for none), not {text!r}")
    return int(text)


def describe(store: str) -> str:
    """The store without its password, for logs and error messages.

    Any URL (a mistyped scheme still carries a real password): a ``password=`` parameter is
    hidden, then everything between the scheme and the last ``@`` is the user and password,
    so a password holding ``/ # ? @`` is hidden whole. A user part that is not a plain name
    is hidden too.
    """
    if "://" not in store:
        return store
    scheme, userinfo, rest = _split_userinfo(_PASSWORD_PARAMETER.sub(r"\1***", store))
    if userinfo is None:
        return f"{scheme}://{rest}"
    user, has_password, _ = userinfo.partition(":")
    if _RESERVED_IN_USERINFO & set(user):
        user = "***"
    return f"{scheme}://{user}{':***' if has_password else ''}@{rest}"


def _split_userinfo(url: str) -> tuple[str, str | None, str]:
    """``scheme://userinfo@rest`` -> (scheme, userinfo or None, rest), split at the last ``@``."""
    scheme, _, rest = url.partition("://")
    userinfo, at, host_and_path = rest.rpartition("@")
    return (scheme, userinfo, host_and_path) if at else (scheme, None, rest)
