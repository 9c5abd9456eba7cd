"""Whether the store can be written to now, found out without writing anything.

A PostgreSQL append first takes ``LOCK TABLE events IN EXCLUSIVE MODE``; a transaction stalled
while holding that lock stops every append while reads still work, so a read-only health
check would say all is well. ``write_probe`` takes the same lock, with a short lock timeout, in
a transaction that is always rolled back: it fails exactly when an append would wait.
"""

from __future__ import annotations

from eventsourcing.persistence import PersistenceError

__all__ = ["write_probe"]


def write_probe(recorder: object, *, timeout: float) -> str | None:
    """None if the store could take its append lock within ``timeout`` seconds, else why not.

    A store that is not PostgreSQL has no such lock to wait for: None.
    """
    # Imported here: a memory or SQLite store never loads the PostgreSQL driver.
    from eventsourcing.postgres import PostgresApplicationRecorder
    from psycopg.sql import SQL, Identifier, Literal

    if not isinstance(recorder, PostgresApplicationRecorder):
        return None
    datastore = recorder.datastore
    statements = [
        SQL("SET LOCAL lock_timeout = {0}").format(Literal(f"{round(timeout * 1000)}ms")),
        SQL("LOCK TABLE {0}.{1} IN EXCLUSIVE MODE").format(
            Identifier(datastore.schema), Identifier(recorder.events_table_name)
        ),
    ]
    try:
        with datastore.transaction(commit=False) as cursor:
            for statement in statements:
                cursor.execute(statement, prepare=False)
    except PersistenceError as error:
        return str(error).strip()
    return None
