"""PostgreSQL sessions that never wait forever, and a probe that says whether writing works.

eventsourcing appends events under ``LOCK TABLE ... IN EXCLUSIVE MODE``; with no lock timeout a
transaction stalled while holding that lock (a hung worker, a person's ``psql`` left open)
makes every callback wait indefinitely. So every session of the store gets a lock timeout (the
append gives up and the callback is answered 503, which the provider retries), a statement
timeout, and an idle-in-transaction timeout (the server ends our own stalled transactions).
eventsourcing reads the first and the last from its environment; the statement timeout is set
here, as a connection option of every session the pool opens.

eventsourcing also retries a failed append ten times; after a lock timeout that multiplies
the wait tenfold. Appends here are retried only when the connection failed, never after a
timeout: the time already spent waiting is the answer.

``orderstate.adapters.store.probe`` takes the same lock to tell whether writing works.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
import psycopg_pool
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresFactory,
    PostgresProcessRecorder,
)
from eventsourcing.utils import Environment, EnvType

__all__ = [
    "APPEND_ATTEMPTS",
    "STATEMENT_TIMEOUT",
    "FailFastApplicationRecorder",
    "FailFastProcessRecorder",
    "PostgresStore",
]

STATEMENT_TIMEOUT = "POSTGRES_STATEMENT_TIMEOUT"
"""The environment key of the statement timeout (seconds; 0 or unset: none)."""

APPEND_ATTEMPTS = 3
"""Tries of one append when the connection fails (never again after a timeout)."""

_WAITED = (
    psycopg.errors.LockNotAvailable,  # lock_timeout
    psycopg.errors.QueryCanceled,  # statement_timeout
    psycopg_pool.PoolTimeout,  # every pooled connection busy for the connect timeout
)


class _FailFast:
    """``insert_events`` without eventsourcing's ten retries after a timeout."""

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        retried = super().insert_events  # type: ignore[misc]
        insert: Callable[..., Any] = getattr(retried, "__wrapped__", retried)
        for attempt in range(1, APPEND_ATTEMPTS + 1):
            try:
                return insert(self, stored_events, **kwargs)
            except (InterfaceError, OperationalError) as error:
                if isinstance(error.__cause__, _WAITED) or attempt == APPEND_ATTEMPTS:
                    raise
                time.sleep(0.2 * attempt)
        raise AssertionError("unreachable")  # pragma: no cover


class FailFastApplicationRecorder(_FailFast, PostgresApplicationRecorder):
    """The application recorder, its appends failing fast after a lock or statement timeout."""


class FailFastProcessRecorder(_FailFast, PostgresProcessRecorder):
    """The process recorder (followers), its appends failing fast the same way."""


class PostgresStore(PostgresFactory):
    """eventsourcing's PostgreSQL factory whose sessions also have a statement timeout and
    whose appends fail fast after a timeout."""

    application_recorder_class = FailFastApplicationRecorder
    process_recorder_class = FailFastProcessRecorder

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        seconds = float(self.env.get(STATEMENT_TIMEOUT) or 0)
        if seconds > 0:
            # The pool reads its kwargs for every connection it opens (eventsourcing sets the
            # password there the same way); none is open yet.
            kwargs = self.datastore.pool.kwargs
            assert isinstance(kwargs, dict), "eventsourcing gives its pool a dict of kwargs"
            kwargs["options"] = f"-c statement_timeout={round(seconds * 1000)}"
