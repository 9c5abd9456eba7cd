"""Where events are kept: the store setting (memory, SQLite, PostgreSQL) and how values are
written (eventsourcing transcodings), and how PostgreSQL sessions avoid waiting forever."""

from .check import check_store
from .orjson_transcoder import OrjsonTranscoder
from .probe import write_probe
from .settings import DEFAULT_STORE, POSTGRES_TIMEOUTS, StoreError, describe, store_env
from .startup import DDL_ATTEMPTS, with_ddl_retry
from .transcodings import (
    TRANSCODER_TOPIC,
    MoneyAsDict,
    order_transcoder,
    register_transcodings,
    transcoder_env,
)

__all__ = [
    "DDL_ATTEMPTS",
    "DEFAULT_STORE",
    "POSTGRES_TIMEOUTS",
    "TRANSCODER_TOPIC",
    "MoneyAsDict",
    "OrjsonTranscoder",
    "StoreError",
    "check_store",
    "describe",
    "order_transcoder",
    "register_transcodings",
    "store_env",
    "transcoder_env",
    "with_ddl_retry",
    "write_probe",
]
