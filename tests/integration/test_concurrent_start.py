"""Workers starting together on a fresh PostgreSQL schema all start: eventsourcing's
``CREATE TABLE IF NOT EXISTS`` races itself (a duplicate key in ``pg_type``), and the loser
must not fail."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from eventsourcing.persistence import IntegrityError

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.store import with_ddl_retry
from tests.support.postgres import create_schema

WORKERS = 16
ROUNDS = 4


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_workers_starting_together_on_a_fresh_schema_all_start(
    postgres_database: str, round_: int
) -> None:
    store = create_schema(postgres_database)
    start = threading.Barrier(WORKERS)

    def worker(_: int) -> int | None:
        start.wait(timeout=30)
        service = build_service(store=store)
        try:
            return service.recorder.max_notification_id()
        finally:
            service.close()

    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(worker, range(WORKERS), timeout=120))

    assert len(results) == WORKERS
    assert set(results) <= {None, 0}  # every worker started, and nothing was written


@pytest.mark.parametrize(
    "message",
    [
        'duplicate key value violates unique constraint "pg_type_typname_nsp_index"',
        'duplicate key value violates unique constraint "pg_class_relname_nsp_index"',
        'relation "orderstate_events" already exists',
    ],
)
def test_a_worker_that_loses_the_create_table_race_retries(message: str) -> None:
    attempts: list[int] = []

    def construct() -> str:
        attempts.append(len(attempts) + 1)
        if len(attempts) == 1:
            raise IntegrityError(message)
        return "recorder"

    assert with_ddl_retry(construct, sleep=lambda seconds: None) == "recorder"
    assert attempts == [1, 2]


def test_a_duplicate_key_in_the_events_is_not_a_start_up_race() -> None:
    def construct() -> str:
        raise IntegrityError('duplicate key value violates unique constraint "events_pkey"')

    with pytest.raises(IntegrityError, match="events_pkey"):
        with_ddl_retry(construct, sleep=lambda seconds: None)
