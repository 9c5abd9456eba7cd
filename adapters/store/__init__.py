"""Where events are kept: the store setting (memory, SQLite, PostgreSQL) and how values are
written (eventsourcing transcodings)."""

from .check import check_store
from .settings import DEFAULT_STORE, StoreError, describe, store_env
from .startup import DDL_ATTEMPTS, with_ddl_retry
from .transcodings import MoneyAsDict, order_transcoder, register_transcodings

__all__ = [
    "DDL_ATTEMPTS",
    "DEFAULT_STORE",
    "MoneyAsDict",
    "StoreError",
    "check_store",
    "describe",
    "order_transcoder",
    "register_transcodings",
    "store_env",
    "with_ddl_retry",
]
