"""``place`` in a multi-chain token (USDT) is one line naming the token standards, exit 1."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from orderstate.adapters.cli.app import app
from orderstate.adapters.cli.exits import ExitCode

runner = CliRunner()


def test_placing_in_usdt_names_the_token_standards_and_stores_nothing(tmp_path: Path) -> None:
    db = str(tmp_path / "orders.db")

    result = runner.invoke(app, ["--db", db, "place", "115/U-1", "10.00", "USDT"])

    assert result.exit_code == ExitCode.ERROR
    assert result.stderr.startswith("error: ")
    assert "USDT needs its token standard" in result.stderr
    assert "BEP20 18" in result.stderr
    assert result.stderr.count("\n") == 1
    listed = runner.invoke(app, ["--db", db, "orders", "--json"])
    assert "U-1" not in listed.stdout
