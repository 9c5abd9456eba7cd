"""The read store in the application's PostgreSQL schema (see ``readstore``).

Its own module so that psycopg is imported only by a service on PostgreSQL.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from psycopg.sql import SQL

from .readstore import SQLReadStore, create_statements

__all__ = ["PostgresReadStore"]


class PostgresReadStore(PostgresTrackingRecorder, SQLReadStore):
    """The read store in the application's PostgreSQL schema."""

    def __init__(self, datastore: Any, *, tracking_table_name: str, **kwargs: Any) -> None:
        super().__init__(datastore, tracking_table_name=tracking_table_name, **kwargs)
        self.prefix = f'"{datastore.schema}".'
        self.tracking_table = f'"{tracking_table_name}"'
        self.sql_create_statements.extend(
            SQL(s).format()
            for s in create_statements(self.prefix)  # Composed, as eventsourcing's
        )

    def _transaction(self, *, commit: bool) -> AbstractContextManager[Any]:
        return self.datastore.transaction(commit=commit)

    def _track(self, cursor: Any, tracking: Tracking) -> None:
        self._insert_tracking(cursor, tracking)
