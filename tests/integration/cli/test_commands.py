"""The orderstate command against a SQLite store: reading, ingesting, replaying, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.cli.app import app
from orderstate.adapters.vertex.payloads import order_to_json
from orderstate.engine import Money
from orderstate.testing.vertex_histories import HistorySpec, history

runner = CliRunner()
SHOPS = "115:s3cret"


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "orders.db")
    service = build_service(store=path)
    service.place(shop_id=115, order_number="test04", amount=Money.parse("56.99", "PHP"))
    service.close()
    return path


def run(db: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", db, "--shops", SHOPS, *args])
    return result.exit_code, result.stdout, result.stderr


def callbacks_file(tmp_path: Path) -> Path:
    snapshots = history("fully_refunded", HistorySpec(115, "test04", Money.parse("56.99", "PHP")))
    path = tmp_path / "callbacks.jsonl"
    lines = [json.dumps(order_to_json(s)) for s in snapshots]
    path.write_text("\n".join([*lines, lines[0]]) + "\n")
    return path


def test_show_prints_the_orders_view_as_json(db: str) -> None:
    code, out, _ = run(db, "show", "115/test04", "--json")

    assert code == 0
    assert json.loads(out)["state"] == "created"


def test_ingest_applies_callbacks_one_outcome_line_each(db: str, tmp_path: Path) -> None:
    code, out, _ = run(db, "ingest", str(callbacks_file(tmp_path)), "--shop", "115")

    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].endswith("test04 applied")
    assert lines[-1].endswith("test04 stale")
    _, view, _ = run(db, "show", "115/test04", "--json")
    assert json.loads(view)["state"] == "refunded"


def test_ingest_reports_a_malformed_line_and_exits_non_zero(db: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"orderNumber": "test04"}\n')

    code, out, _ = run(db, "ingest", str(path), "--shop", "115")

    assert code == 2
    assert "malformed" in out


def test_history_lists_the_events_oldest_first(db: str, tmp_path: Path) -> None:
    run(db, "ingest", str(callbacks_file(tmp_path)), "--shop", "115")

    code, out, _ = run(db, "history", "115/test04", "--json")

    assert code == 0
    events = [e["event"] for e in json.loads(out)]
    assert events[0] == "OrderPlaced"
    assert events[-1] == "RefundSucceeded"


def test_orders_groups_by_state_with_totals(db: str) -> None:
    code, out, _ = run(db, "orders", "--totals", "--json")

    assert code == 0
    assert json.loads(out) == [{"state": "created", "orders": 1, "totals": ["56.99 PHP"]}]


def test_replay_verifies_every_order(db: str) -> None:
    code, out, _ = run(db, "replay")

    assert code == 0
    assert "replayed 1 orders, 1 events" in out


def test_an_unknown_order_is_one_line_on_stderr_and_exit_1(db: str) -> None:
    code, out, err = run(db, "show", "115/nope")

    assert code == 1
    assert err.strip() == "error: no order nope in shop 115"
    assert out == ""


def test_a_malformed_order_reference_is_refused(db: str) -> None:
    code, _, err = run(db, "show", "test04")

    assert code == 1
    assert "SHOP_ID/ORDER_NUMBER" in err


def test_diagram_prints_mermaid_from_the_spec(db: str) -> None:
    code, out, _ = run(db, "diagram")

    assert code == 0
    assert "created --> in_progress" in out.replace(": PaymentLinkIssued", "")


def test_provider_commands_need_a_token(db: str) -> None:
    code, _, err = run(db, "capture", "115/test04")

    assert code == 1
    assert "--vertex-token" in err


def test_work_once_catches_the_followers_up_and_status_shows_no_lag(
    db: str, tmp_path: Path
) -> None:
    run(db, "ingest", str(callbacks_file(tmp_path)), "--shop", "115")

    code, worked, _ = run(db, "work", "--once")
    _, status, _ = run(db, "status", "--json")
    _, again, _ = run(db, "work", "--once")
    _, table, _ = run(db, "status")

    assert code == 0
    assert "orderstate.confirmation-emails: " in worked
    assert {f["name"]: (f["lag"], f["last_error"]) for f in json.loads(status)} == {
        "orderstate.readmodel.v3": (0, None),
        "orderstate.confirmation-emails": (0, None),
    }
    assert "orderstate.confirmation-emails: 0 update(s)" in again
    assert "followers of the log" in table


def test_work_once_exits_non_zero_and_status_shows_a_failing_follower(db: str) -> None:
    service = build_service(store=db)

    def broken(update: object) -> None:
        raise RuntimeError("shipping API down")

    service.subscribe(broken, name="shipping")
    service.work()
    service.close()

    _, status, _ = run(db, "status", "--json")
    code, _, err = run(db, "work", "--once")

    assert code == 1
    assert "shipping failing: RuntimeError: shipping API down" in err
    shipping = next(f for f in json.loads(status) if f["name"] == "shipping")
    assert shipping["failures"] == 1
    assert shipping["last_error"] == "RuntimeError: shipping API down"
    assert shipping["lag"] > 0
