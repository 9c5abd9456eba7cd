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


def _as_written_by_v2(db: Path) -> int:
    """The v2 layout: ``orderstate.readmodel.v2`` over ``orderstate_orders_v2``, whose rows
    held no captured or refunded amounts, payment link, confirmation sender or reason."""
    with sqlite3.connect(db) as c:
        (position,) = c.execute(
            "SELECT MAX(notification_id) FROM tracking WHERE application_name = ?", (READ_MODEL,)
        ).fetchone()
        c.execute(
            "UPDATE tracking SET application_name = ? WHERE application_name = ?",
            (RETIRED_READ_MODELS[1], READ_MODEL),
        )
        c.execute(
            "CREATE TABLE orderstate_orders_v2 AS SELECT id, shop_id, order_number, state, amount, "
            f"currency, version, modified_on, time_limit, final, pending FROM {ORDERS_TABLE}"
        )
        c.execute(f"DROP TABLE {ORDERS_TABLE}")
    return int(position)


def test_a_v2_read_model_is_projected_again_with_what_a_list_of_orders_shows(
    tmp_path: Path,
) -> None:
    db = tmp_path / "store.sqlite"
    service = build_service(store=str(db), shops=SHOPS)
    service.place(shop_id=115, order_number="U-2", amount=COST)
    oid = order_id(115, "U-2")
    service.orders.change(oid, lambda o: o.record_payment_link("https://p/2"))
    service.orders.change(oid, lambda o: o.record_capture())
    service.orders_by_state()
    position = _as_written_by_v2(db)

    reopened = build_service(store=str(db), shops=SHOPS)
    [listed] = reopened.list_orders()

    assert RETIRED_READ_MODELS[1] not in reopened.read_store.positions()
    assert reopened.read_store.positions()[READ_MODEL] == position
    assert listed == reopened.view(115, "U-2")
    assert (listed.captured, listed.payment_link) == (COST, "https://p/2")
    with sqlite3.connect(db) as c:  # left for v2 still running
        assert c.execute("SELECT COUNT(*) FROM orderstate_orders_v2").fetchone() == (1,)
