"""``orderstate ingest`` survives a line that cannot be processed: it says which line and why,
applies the rest, and exits non-zero with a summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.cli.app import app
from orderstate.engine import Money
from tests.unit.vertex.helpers import order_json

runner = CliRunner()
COST = Money.parse("56.99", "PHP")


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "orders.db")
    service = build_service(store=path)
    for number in ("test04", "test05"):
        service.place(shop_id=115, order_number=number, amount=COST)
    service.close()
    return path


def test_ingest_reports_a_line_that_raises_and_applies_the_lines_after_it(
    db: str, tmp_path: Path
) -> None:
    poison = json.dumps(order_json(orderNumber="\ud800"))  # a lone surrogate, escaped
    good = [json.dumps(order_json(orderNumber=number)) for number in ("test04", "test05")]
    path = tmp_path / "callbacks.jsonl"
    path.write_text("\n".join([good[0], poison, good[1]]) + "\n")

    result = runner.invoke(
        app, ["--db", db, "--shops", "115:s3cret", "ingest", str(path), "--shop", "115"]
    )

    assert result.exit_code != 0
    assert "callbacks.jsonl:2" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "test04 applied" in result.stdout
    assert "test05 applied" in result.stdout
    assert "3 lines" in result.stdout + result.stderr
    shown = runner.invoke(app, ["--db", db, "show", "115/test05", "--json"])
    assert json.loads(shown.stdout)["state"] != "created"
