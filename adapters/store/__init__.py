"""Where events are kept: the store setting (memory, SQLite, PostgreSQL) and how values are
written (eventsourcing transcodings), and how PostgreSQL sessions avoid waiting forever."""

from .check import check_store
from .probe import write_probe
from .settings import DEFAULT_STORE, POSTGRES_TIMEOUTS, StoreError, describe, store_env
from .startup import DDL_ATTEMPTS, with_ddl_retry
from .transcodings import MoneyAsDict, order_transcoder, register_transcodings

__all__ = [
    "DDL_ATTEMPTS",
    "DEFAULT_STORE",
    "POSTGRES_TIMEOUTS",
    "MoneyAsDict",
    "StoreError",
    "check_store",
    "describe",
    "order_transcoder",
    "register_transcodings",
    "store_env",
    "with_ddl_retry",
    "write_probe",
]
