"""Every command works the same on the SQLite default and on a PostgreSQL URL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from orderstate.adapters.cli.app import app
from orderstate.adapters.vertex.simulator import API_PREFIX, SimulatedGateway, serve

runner = CliRunner()


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest) -> str:
    value: str = request.getfixturevalue(f"{request.param}_store")
    return value


@pytest.fixture
def provider() -> Iterator[list[str]]:
    """The simulator on loopback, posting its callbacks nowhere: the CLI's provider options."""
    sender = httpx.Client(timeout=5.0)
    sim = SimulatedGateway(sender=sender)
    with sender, serve(sim) as site:
        yield [
            "--vertex-url",
            site.base_url + API_PREFIX,
            "--vertex-token",
            "sim-token-115",
            "--shops",
            "115:sim-secret-115",
        ]


def run(db: str, provider: list[str], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--db", db, *provider, *args])
    return result.exit_code, result.stdout + result.stderr


def test_the_commands_run_a_two_stage_order_end_to_end(
    db: str, provider: list[str], tmp_path: Path
) -> None:
    code, out = run(db, provider, "place", "115/cli-1", "10.00", "EUR", "--two-stage")
    assert code == 0, out

    code, out = run(db, provider, "reconcile", "--older-than", "0")
    assert code == 0, out
    code, out = run(db, provider, "show", "115/cli-1", "--json")

    assert json.loads(out)["state"] == "in_progress"
    code, out = run(db, provider, "cancel", "115/cli-1")
    assert code == 0, out
    assert json.loads(run(db, provider, "show", "115/cli-1", "--json")[1])["pending"] == "cancel"
    code, out = run(db, provider, "orders", "--json")
    assert [row["order_number"] for row in json.loads(out)] == ["cli-1"]
    code, out = run(db, provider, "orders", "--totals", "--json")
    assert json.loads(out)[0]["orders"] == 1
    code, out = run(db, provider, "history", "115/cli-1", "--json")
    assert [e["event"] for e in json.loads(out)][-1] == "CancelRequested"
    code, out = run(db, provider, "replay")
    assert code == 0, out
    code, out = run(db, provider, "expire")
    assert code == 0, out


def test_a_provider_refusal_is_one_line_and_exit_1(db: str, provider: list[str]) -> None:
    run(db, provider, "place", "115/cli-2", "10.00", "EUR")

    code, out = run(db, provider, "refund", "115/cli-2", "1.00")

    assert code == 1
    assert out.startswith("error: ")
    assert "Traceback" not in out
