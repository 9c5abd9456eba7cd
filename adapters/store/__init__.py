"""Where events are kept: the store setting (memory, SQLite, PostgreSQL) and how values are
written (eventsourcing transcodings)."""

from .orjson_transcoder import OrjsonTranscoder
from .settings import DEFAULT_STORE, StoreError, describe, store_env
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
    "TRANSCODER_TOPIC",
    "MoneyAsDict",
    "OrjsonTranscoder",
    "StoreError",
    "describe",
    "order_transcoder",
    "register_transcodings",
    "store_env",
    "transcoder_env",
    "with_ddl_retry",
]
