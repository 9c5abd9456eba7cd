"""Stored events that cannot be read back: a topic that names no class (written by a newer
or a foreign version), or state that is not JSON (issue 10).

Before: ``orderstate replay`` skipped an event of unknown type and exited 0; ``show`` of that
order crashed with a traceback; and any undecodable event stopped the webhook at start-up.
Now replay reports each bad event and exits non-zero, ``show`` says in one line which order
and which event, and the webhook serves every other order and lists the bad events.

The bad rows are written the way a foreign writer would: a raw ``sqlite3`` insert.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.cli.app import app
from orderstate.adapters.service import Outcome, Shop
from orderstate.adapters.web import create_app
from orderstate.engine import Money, order_id
from tests.unit.vertex.helpers import SECRET, order_json, signed

COST = Money.parse("56.99", "PHP")
UNKNOWN_TOPIC = "orderstate.engine.order:Order.PaymentTeleported"
KNOWN_TOPIC = "orderstate.engine.order:Order.PaymentLinkIssued"
runner = CliRunner()

BAD_ROWS = {
    "unknown-topic": (UNKNOWN_TOPIC, b'{"timestamp": null}'),
    "corrupt-json": (KNOWN_TOPIC, b'{"payment_link": "https://pay'),
}


@pytest.fixture(params=sorted(BAD_ROWS))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Two orders; ``bad-1``'s second event is the unreadable row."""
    path = str(tmp_path / "orders.db")
    service = build_service(store=path)
    for number in ("good-1", "bad-1"):
        service.place(shop_id=115, order_number=number, amount=COST)
    service.close()
    topic, state = BAD_ROWS[request.param]
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO stored_events (originator_id, originator_version, topic, state)"
            " VALUES (?, 2, ?, ?)",
            (order_id(115, "bad-1").hex, topic, state),
        )
    return path


def run(db: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", db, "--shops", f"115:{SECRET}", *args])
    return result.exit_code, result.stdout, result.stderr


def test_replay_reports_the_order_with_an_unreadable_event_and_exits_non_zero(store: str) -> None:
    code, out, err = run(store, "replay")

    assert code == 1
    assert "replayed 2 orders" in out
    assert err.count("FAIL ") == 1
    assert "FAIL order 115/bad-1: event 2" in err
    assert "Traceback" not in out + err


def test_show_of_that_order_is_one_line_naming_the_order_and_the_event(store: str) -> None:
    code, out, err = run(store, "show", "115/bad-1")

    assert code == 1
    assert err.startswith("error: order 115/bad-1: stored event 2 ")
    assert err.count("\n") == 1
    assert "Traceback" not in out + err
    assert run(store, "show", "115/good-1")[0] == 0


def test_the_webhook_starts_serves_the_other_orders_and_lists_the_bad_event(store: str) -> None:
    service = build_service(store=store, shops={115: Shop((SECRET,))})
    web = create_app(service)
    body = json.dumps(order_json(orderNumber="good-1")).encode()

    async def start_and_post() -> None:
        async with web.router.lifespan_context(web):
            result = service.handle_callback(115, body, list(signed(body).items()))
            assert result.outcome is Outcome.APPLIED

    asyncio.run(start_and_post())

    assert service.view(115, "good-1").state == "clearing"
    [bad] = service.unreadable_events()
    assert (bad.originator_id, bad.version) == (order_id(115, "bad-1"), 2)
    assert bad.topic in (UNKNOWN_TOPIC, KNOWN_TOPIC)
    service.close()


def test_an_inbox_item_whose_later_event_does_not_read_is_listed_and_start_up_goes_on(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "orders.db")
    service = build_service(store=path, shops={115: Shop((SECRET,))})
    service.place(shop_id=115, order_number="good-1", amount=COST)
    body = json.dumps(order_json(orderNumber="good-1")).encode()
    item_id = service.handle_callback(115, body, list(signed(body).items())).inbox_id
    service.close()
    with sqlite3.connect(path) as db:  # its CallbackApplied (version 2) becomes garbage
        db.execute(
            "UPDATE stored_events SET state = ? WHERE originator_id = ? AND originator_version = 2",
            (b"\x00garbage", item_id.hex),
        )
    restarted = build_service(store=path, shops={115: Shop((SECRET,))})
    web = create_app(restarted)

    async def start() -> None:
        async with web.router.lifespan_context(web):
            pass

    asyncio.run(start())

    assert [(bad.originator_id, bad.version) for bad in restarted.unreadable_events()] == [
        (item_id, 2)
    ]
    assert restarted.view(115, "good-1").state == "clearing"
    restarted.close()


def test_the_expiry_job_counts_an_unreadable_order_and_goes_on(tmp_path: Path) -> None:
    path = str(tmp_path / "orders.db")
    service = build_service(store=path)
    past = datetime.now(UTC) - timedelta(hours=1)
    for number in ("good-1", "bad-1"):
        service.place(shop_id=115, order_number=number, amount=COST, time_limit=past)
    service.close()
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO stored_events (originator_id, originator_version, topic, state)"
            " VALUES (?, 2, ?, ?)",
            (order_id(115, "bad-1").hex, UNKNOWN_TOPIC, b"{}"),
        )
    restarted = build_service(store=path)

    counts = restarted.expire()

    assert counts == {"expired": 1, "unreadable": 1}
    assert restarted.view(115, "good-1").state == "expired"
    restarted.close()


def test_the_bad_event_stays_listed_after_a_restart_that_reads_nothing_old(store: str) -> None:
    """The read model is persisted: a later start reads no old notification, so the list of
    unreadable events must be persisted with it (same transaction as its position)."""
    first = build_service(store=store)
    [bad] = first.unreadable_events()
    first.close()

    again = build_service(store=store)
    again.projection.catch_up()
    assert again.projection.reader.read == 0
    assert again.unreadable_events() == [bad]
    again.close()
