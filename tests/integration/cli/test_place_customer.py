"""``place --email`` never invents a customer's name: the provider needs a first and a last name
with any customer, so they are given (``--first-name``, ``--last-name``) or the command says so."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from orderstate.adapters.cli.app import app
from orderstate.adapters.cli.exits import ExitCode
from orderstate.adapters.vertex.simulator import SimulatedGateway

runner = CliRunner()


def run(db: str, url: str, *args: str) -> tuple[int, str, str]:
    settings = ["--db", db, "--vertex-url", url, "--vertex-token", "sim-token-115"]
    result = runner.invoke(app, [*settings, "--shops", "115:sim-secret-115", *args])
    return result.exit_code, result.stdout, result.stderr


def test_an_email_without_names_is_refused_before_anything_is_recorded(
    sqlite_store: str, sim: tuple[SimulatedGateway, str]
) -> None:
    gateway, url = sim

    code, _, err = run(sqlite_store, url, "place", "115/N-1", "10", "PHP", "--email", "a@b.co")

    assert code == ExitCode.ERROR
    assert err.startswith("error: 115/N-1: a customer needs --first-name and --last-name")
    assert gateway.orders() == []


def test_the_customer_s_own_names_reach_the_provider(
    sqlite_store: str, sim: tuple[SimulatedGateway, str]
) -> None:
    _, url = sim
    names = ["--first-name", "Ana", "--last-name", "Cruz", "--email", "ana@example.com"]

    code, _, err = run(sqlite_store, url, "place", "115/N-2", "10", "PHP", *names)

    assert (code, err) == (ExitCode.OK, "")
    shown = runner.invoke(app, ["--db", sqlite_store, "show", "115/N-2", "--json"])
    assert json.loads(shown.stdout)["confirmation_sender"] == "provider"
