"""Workers starting together: eventsourcing's start-up DDL, retried when it races another."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from eventsourcing.persistence import InternalError

__all__ = ["DDL_ATTEMPTS", "with_ddl_retry"]

log = logging.getLogger(__name__)

DDL_ATTEMPTS = 5
R = TypeVar("R")


def with_ddl_retry(
    construct: Callable[[], R],
    *,
    attempts: int = DDL_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> R:
    """``construct()`` (e.g. eventsourcing's recorder, which creates its tables), again when
    PostgreSQL answers the loser of a race between workers "tuple concurrently updated".

    Any other error, and the last of ``attempts``, propagates.
    """
    for attempt in range(1, attempts + 1):
        try:
            return construct()
        except InternalError as error:
            if "concurrently updated" not in str(error) or attempt == attempts:
                raise
            log.info("start-up DDL raced another worker (attempt %s); retrying", attempt)
            sleep(0.05 * attempt)
    raise ValueError("attempts must be at least 1")
