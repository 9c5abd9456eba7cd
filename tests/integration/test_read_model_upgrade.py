"""A read model written by the previous version (``orderstate.readmodel`` over
``orderstate_orders``, no pending column) is projected again, once, into the versioned table.

``CREATE TABLE IF NOT EXISTS`` never adds a column, so the order rows live in a new table
under a new tracking name; the old position is forgotten (no status lists it as a lagging
follower) and the old table is left alone.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.service import Shop
from orderstate.adapters.service.readmodel import READ_MODEL, RETIRED_READ_MODELS
from orderstate.adapters.service.readstore import ORDERS_TABLE
from orderstate.engine import Money, order_id

SHOPS = {115: Shop(("secret-115",))}
COST = Money.parse("10.00", "PHP")


def _as_written_by_the_previous_version(db: Path) -> int:
    """Rename the new layout back to the old one: old tracking name, old table, no column."""
    with sqlite3.connect(db) as c:
        (position,) = c.execute(
            "SELECT MAX(notification_id) FROM tracking WHERE application_name = ?", (READ_MODEL,)
        ).fetchone()
        c.execute("DELETE FROM tracking WHERE application_name = ?", (READ_MODEL,))
        c.execute(
            "INSERT INTO tracking (application_name, notification_id) VALUES (?, ?)",
            (RETIRED_READ_MODELS[0], position),
        )
        c.execute(
            "CREATE TABLE orderstate_orders AS SELECT id, shop_id, order_number, state, "
            f"amount, currency, version, modified_on, time_limit, final FROM {ORDERS_TABLE}"
        )
        c.execute(f"DROP TABLE {ORDERS_TABLE}")
    return int(position)


def test_an_old_read_model_is_projected_again_with_the_pending_request(tmp_path: Path) -> None:
    db = tmp_path / "store.sqlite"
    service = build_service(store=str(db), shops=SHOPS)
    service.place(shop_id=115, order_number="U-1", amount=COST)
    service.orders.change(order_id(115, "U-1"), lambda o: o.record_payment_link("https://p/1"))
    service.orders.change(order_id(115, "U-1"), lambda o: o.request_cancel())
    service.orders_by_state()
    position = _as_written_by_the_previous_version(db)

    reopened = build_service(store=str(db), shops=SHOPS)
    reopened.orders_by_state()

    positions = reopened.read_store.positions()
    assert RETIRED_READ_MODELS[0] not in positions
    assert positions[READ_MODEL] == position
    (row,) = reopened.read_store.orders()
    assert (row.order_number, row.state, row.pending) == ("U-1", "in_progress", "cancel")
    with sqlite3.connect(db) as c:  # left for a previous version still running
        assert c.execute("SELECT COUNT(*) FROM orderstate_orders").fetchone() == (1,)
