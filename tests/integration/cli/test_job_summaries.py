"""``reconcile`` and ``expire`` say what they did in a sentence, and as JSON for scripts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from orderstate.adapters.cli.app import app
from orderstate.adapters.vertex.simulator import SimulatedGateway

runner = CliRunner()


def run(db: str, url: str, *args: str) -> tuple[int, str]:
    settings = ["--db", db, "--vertex-url", url, "--vertex-token", "sim-token-115"]
    result = runner.invoke(app, [*settings, "--shops", "115:sim-secret-115", *args])
    return result.exit_code, result.stdout + result.stderr


def test_reconcile_states_how_many_orders_it_polled_and_what_it_found(
    sqlite_store: str, sim: tuple[SimulatedGateway, str]
) -> None:
    gateway, url = sim
    run(sqlite_store, url, "place", "115/R-1", "10.00", "PHP")
    run(sqlite_store, url, "place", "115/R-2", "10.00", "PHP")
    gateway.pay("R-1")

    code, out = run(sqlite_store, url, "reconcile", "--older-than", "0")

    assert code == 0
    assert out == "reconcile: 2 orders polled: 1 applied, 1 duplicate\n"
    code, out = run(sqlite_store, url, "reconcile", "--older-than", "0", "--json")
    assert json.loads(out) == {"duplicate": 1}  # R-1 is completed now: not polled again


def test_expire_states_what_it_expired(
    sqlite_store: str, sim: tuple[SimulatedGateway, str]
) -> None:
    _, url = sim
    soon = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    run(sqlite_store, url, "place", "115/X-1", "10.00", "PHP", "--time-limit", soon)

    code, out = run(sqlite_store, url, "expire")

    assert code == 0
    assert out == "expire: 0 orders past their time limit\n"
