"""Merchant commands that speak plainly and script well: listing orders and the inbox,
re-processing a kept callback, resolving a mismatch, typed JSON, stated summaries, errors on
one unwrapped line, and input read the way a merchant types it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.cli.app import app
from orderstate.adapters.service import Shop
from orderstate.adapters.vertex import SIGNATURE_HEADER, sign
from orderstate.adapters.vertex.payloads import order_to_json
from orderstate.engine import Money
from orderstate.testing.vertex_histories import HistorySpec, history

runner = CliRunner()
SECRET = "s3cret"
LINK = "https://pay.example/payment?session-id=" + "0123456789abcdef" * 6 + "&page-id=1"


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A store with 115/A-1 paid and settled (100.00 PHP) and 115/A-2 on its payment page."""
    path = str(tmp_path / "orders.db")
    service = build_service(store=path, shops={115: Shop((SECRET,))})
    service.place(shop_id=115, order_number="A-1", amount=Money.parse("100.00", "PHP"))
    service.place(shop_id=115, order_number="A-2", amount=Money.parse("5.50", "PHP"))
    order = service.orders.require(115, "A-2")
    service.orders.change(order.id, lambda o: o.record_payment_link(LINK), loaded=order)
    service.close()
    code, out, err = run(
        path, "ingest", str(bodies(tmp_path, "paid_and_cleared", "A-1")), "--shop", "115"
    )
    assert code == 0, out + err
    return path


def run(db: str, *args: str, shops: str = f"115:{SECRET}") -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", db, "--shops", shops, *args])
    return result.exit_code, result.stdout, result.stderr


def bodies(tmp_path: Path, outcome: str, number: str, amount: str = "100.00") -> Path:
    snapshots = history(outcome, HistorySpec(115, number, Money.parse(amount, "PHP")))
    path = tmp_path / f"{outcome}-{number}.jsonl"
    path.write_text("".join(json.dumps(order_to_json(s)) + "\n" for s in snapshots))
    return path


# -- reading, for scripts -------------------------------------------------------------------


def test_history_json_keeps_numbers_booleans_and_null(db: str) -> None:
    code, out, _ = run(db, "history", "115/A-1", "--json")

    assert code == 0
    placed = json.loads(out)[0]["data"]
    assert placed["shop_id"] == 115
    assert placed["auto_capture"] is True
    assert placed["time_limit"] is None
    assert placed["amount"] == {"minor": 10000, "decimal": "100.00", "currency": "PHP"}


def test_show_json_gives_amount_and_currency_as_separate_fields(db: str) -> None:
    code, out, _ = run(db, "show", "115/A-2", "--json")

    assert code == 0
    view = json.loads(out)
    assert view["currency"] == "PHP"
    assert view["amount"] == {"minor": 550, "decimal": "5.50", "currency": "PHP"}
    assert view["captured"]["minor"] == 0
    assert view["pending"] is None
    assert isinstance(view["version"], int)


def test_show_never_cuts_the_payment_link(db: str) -> None:
    code, out, _ = run(db, "show", "115/A-2")

    assert code == 0
    assert len(LINK) > 80
    assert LINK in out.splitlines()[7]


def test_an_error_is_one_unwrapped_line_when_stderr_is_not_a_terminal(db: str) -> None:
    number = "N" * 150

    done = subprocess.run(
        [sys.executable, "-m", "orderstate.adapters.cli", "--db", db, "show", f"115/{number}"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 1
    assert done.stderr == f"error: no order {number} in shop 115\n"


# -- orders ---------------------------------------------------------------------------------


def test_orders_lists_each_order_with_its_state_amount_and_last_change(db: str) -> None:
    code, out, _ = run(db, "orders", "--json")

    assert code == 0
    rows = {row["order_number"]: row for row in json.loads(out)}
    assert set(rows) == {"A-1", "A-2"}
    assert rows["A-1"]["state"] == "completed"
    assert rows["A-2"]["amount"]["decimal"] == "5.50"
    assert rows["A-1"]["changed_at"] >= rows["A-2"]["changed_at"]


def test_orders_filters_by_state(db: str) -> None:
    code, out, _ = run(db, "orders", "--state", "in_progress")

    assert code == 0
    assert "115/A-2" in out
    assert "115/A-1" not in out


def test_orders_totals_count_by_state(db: str) -> None:
    code, out, _ = run(db, "orders", "--totals", "--json")

    assert code == 0
    assert {row["state"]: row["orders"] for row in json.loads(out)} == {
        "completed": 1,
        "in_progress": 1,
    }


# -- the inbox ------------------------------------------------------------------------------


def signed_line(body: bytes, secret: str) -> str:
    headers = {SIGNATURE_HEADER: sign(body, secret)}
    return json.dumps({"body": body.decode(), "headers": headers})


def test_inbox_lists_a_rejected_callback_and_reprocess_applies_it_once_fixed(
    db: str, tmp_path: Path
) -> None:
    [first, *_] = history("paid_and_cleared", HistorySpec(115, "A-2", Money.parse("5.50", "PHP")))
    body = json.dumps(order_to_json(first)).encode()
    received = tmp_path / "received.jsonl"
    received.write_text(signed_line(body, "rotated-secret") + "\n")
    code, _, _ = run(db, "ingest", str(received), "--shop", "115", "--signed")
    assert code == 2  # the shop's secret here is not the one the provider signs with yet

    code, out, _ = run(db, "inbox")

    assert code == 0
    [line] = out.splitlines()
    item_id, _, _, _, shop, status, *_ = line.split()
    assert (shop, status) == ("115", "rejected/unauthenticated")
    assert "does not match any configured secret" in line
    listed = json.loads(run(db, "inbox", "--json")[1])
    assert listed[0]["id"] == item_id
    assert listed[0]["kind"] == "unauthenticated"

    code, out, _ = run(db, "inbox", "reprocess", item_id, shops="115:rotated-secret")

    assert code == 0
    assert out.strip().endswith("A-2 duplicate") or out.strip().endswith("A-2 applied")
    assert run(db, "inbox")[1] == ""
    code, _, err = run(db, "inbox", "reprocess", item_id, shops="115:rotated-secret")
    assert code == 1
    assert "nothing to process again" in err


def test_inbox_reprocess_names_an_unknown_item(db: str) -> None:
    code, _, err = run(db, "inbox", "reprocess", "00000000-0000-0000-0000-000000000000")

    assert code == 1
    assert err.strip() == "error: no inbox item 00000000-0000-0000-0000-000000000000"


def test_inbox_reprocess_refuses_what_is_not_an_id(db: str) -> None:
    code, _, err = run(db, "inbox", "reprocess", "A-1")

    assert code == 1
    assert "not an inbox item id" in err


# -- resolving a mismatch --------------------------------------------------------------------


def test_resolve_records_the_merchant_s_decision_on_a_need_action_order(
    db: str, tmp_path: Path
) -> None:
    service = build_service(store=db)
    service.place(shop_id=115, order_number="M-1", amount=Money.parse("100.00", "PHP"))
    service.close()
    run(db, "ingest", str(bodies(tmp_path, "amount_mismatch", "M-1")), "--shop", "115")
    assert json.loads(run(db, "show", "115/M-1", "--json")[1])["state"] == "need_action"

    code, _, _ = run(
        db, "resolve", "115/M-1", "--as", "completed", "--captured", "99.99",
        "--by", "ana", "--reason", "customer keeps the difference",
    )  # fmt: skip

    assert code == 0
    resolved = build_service(store=db).history(115, "M-1")[-1]
    assert (resolved.by, resolved.reason) == ("ana", "customer keeps the difference")
    view = json.loads(run(db, "show", "115/M-1", "--json")[1])
    assert view["state"] == "completed"
    assert view["captured"]["decimal"] == "99.99"
    events = [e["event"] for e in json.loads(run(db, "history", "115/M-1", "--json")[1])]
    assert events[-1] == "MismatchResolved"


def test_resolve_refuses_an_order_without_a_mismatch_in_plain_words(db: str) -> None:
    code, _, err = run(db, "resolve", "115/A-1", "--as", "refunded")

    assert code == 1
    assert err.strip() == (
        "error: 115/A-1: cannot resolve: the order is completed; allowed now: refund"
    )


def test_resolve_names_the_resolutions(db: str) -> None:
    code, _, err = run(db, "resolve", "115/A-1", "--as", "kept")

    assert code == 1
    assert "completed, refunded, cancelled" in err


# -- input as a merchant types it -------------------------------------------------------------


def test_a_negative_refund_is_an_amount_refused_not_an_option(db: str) -> None:
    code, _, err = run(db, "refund", "115/A-1", "-5")

    assert code == 1
    assert err.strip() == "error: 115/A-1: a refund must be above zero, not -5"


def test_a_refund_of_zero_must_be_above_zero(db: str) -> None:
    code, _, err = run(db, "refund", "115/A-1", "0")

    assert code == 1
    assert "must be above zero" in err


def _help(command: str) -> str:
    wide = {"COLUMNS": "400", "TERMINAL_WIDTH": "400"}  # so no help line wraps
    return " ".join(runner.invoke(app, [command, "--help"], env=wide).stdout.split())


def test_time_limit_help_gives_an_example_with_a_zone() -> None:
    assert "ISO-8601 with a zone, e.g. 2026-12-01T18:00:00+08:00" in _help("place")


def test_a_deadline_without_a_zone_is_refused_with_an_example(db: str) -> None:
    code, _, err = run(db, "place", "115/T-1", "10", "PHP", "--time-limit", "2026-12-01T18:00:00")

    assert code == 1
    assert "has no zone" in err
    assert "2026-12-01T18:00:00+08:00" in err


def test_an_unknown_currency_is_named(db: str) -> None:
    code, _, err = run(db, "place", "115/T-2", "10", "pesos")

    assert code == 1
    assert "unknown currency 'pesos'" in err


# -- a bad store setting ----------------------------------------------------------------------


def test_a_store_that_is_a_directory_is_one_line(tmp_path: Path) -> None:
    code, out, err = run(str(tmp_path), "orders")

    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert "is a directory" in err


def test_a_missing_postgres_database_is_one_line(postgres_database: str) -> None:
    url = postgres_database.rsplit("/", 1)[0] + "/no_such_database_here"

    code, _, err = run(url, "orders")

    assert code == 1
    assert err.strip() == (
        f"error: PostgreSQL at {url.split('@')[-1].rsplit('/', 1)[0]} has no database "
        "'no_such_database_here': create it (createdb no_such_database_here) or fix the URL"
    )
