"""Vertex captures only in full: ``capture ORDER AMOUNT`` takes the whole authorization, and a
part of it is refused in one line, with nothing recorded or sent."""

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


def authorized(db: str, gateway: SimulatedGateway, url: str, number: str) -> None:
    run(db, url, "place", f"115/{number}", "20.00", "PHP", "--two-stage")
    gateway.pay(number)
    run(db, url, "reconcile", "--older-than", "0")


def test_a_partial_capture_is_refused_because_vertex_captures_only_in_full(
    sqlite_store: str, sim: tuple[SimulatedGateway, str]
) -> None:
    gateway, url = sim
    authorized(sqlite_store, gateway, url, "C-1")

    code, _, err = run(sqlite_store, url, "capture", "115/C-1", "5.00")

    assert code == ExitCode.ERROR
    assert err == (
        "error: 115/C-1: order C-1: vertex captures only in full: capture 5.00 PHP of the "
        "20.00 PHP authorized is not possible; capture without an amount takes it all\n"
    )
    assert [op for op, number, _ in gateway.operation_log if number == "C-1"] == []
    shown = runner.invoke(app, ["--db", sqlite_store, "show", "115/C-1", "--json"])
    assert json.loads(shown.stdout)["pending"] is None


def test_a_capture_of_the_whole_authorization_is_a_plain_capture(
    sqlite_store: str, sim: tuple[SimulatedGateway, str]
) -> None:
    gateway, url = sim
    authorized(sqlite_store, gateway, url, "C-2")

    code, _, err = run(sqlite_store, url, "capture", "115/C-2", "20.00")

    assert (code, err) == (ExitCode.OK, "")
    assert [op for op, number, _ in gateway.operation_log if number == "C-2"] == ["capture"]
