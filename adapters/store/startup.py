"""Workers starting together: eventsourcing's start-up DDL, retried when it races another.

``CREATE TABLE IF NOT EXISTS`` (and ``CREATE INDEX``, ``CREATE OR REPLACE FUNCTION``) is not
safe against itself: two sessions that both find the table missing both create it, and the
loser fails on PostgreSQL's own catalog ("duplicate key value violates unique constraint
pg_type_typname_nsp_index", "relation ... already exists", "tuple concurrently updated").
By then the winner has created what was missing, so running the DDL again succeeds.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from eventsourcing.persistence import IntegrityError, InternalError, ProgrammingError

__all__ = ["DDL_ATTEMPTS", "with_ddl_retry"]

log = logging.getLogger(__name__)

DDL_ATTEMPTS = 8
R = TypeVar("R")

_CATALOG_RACES = (
    "concurrently updated",  # two CREATE OR REPLACE FUNCTION
    "pg_type_typname_nsp_index",  # two CREATE TABLE IF NOT EXISTS (the row type)
    "pg_class_relname_nsp_index",  # two CREATE TABLE / INDEX IF NOT EXISTS (the relation)
    "already exists",  # the same, reported as DuplicateTable / DuplicateObject
)


def with_ddl_retry(
    construct: Callable[[], R],
    *,
    attempts: int = DDL_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> R:
    """``construct()`` (e.g. eventsourcing's recorder, which creates its tables), again when
    PostgreSQL says it lost a race with another worker creating the same objects.

    Any other error, and the last of ``attempts``, propagates.
    """
    for attempt in range(1, attempts + 1):
        try:
            return construct()
        except (InternalError, IntegrityError, ProgrammingError) as error:
            if not lost_ddl_race(error) or attempt == attempts:
                raise
            log.info("start-up DDL raced another worker (attempt %s); retrying", attempt)
            sleep(0.05 * attempt * (1 + random.random()))  # jitter: losers spread out
    raise ValueError("attempts must be at least 1")


def lost_ddl_race(error: Exception) -> bool:
    """Whether ``error`` is PostgreSQL's way of saying another session created it first."""
    message = str(error)
    return any(sign in message for sign in _CATALOG_RACES)
