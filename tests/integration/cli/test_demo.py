"""The main job: ``orderstate demo`` runs checkouts end to end and checks them."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.bootstrap.demo import run_demo
from orderstate.adapters.cli.app import app

ROOT = Path(__file__).resolve().parents[3]


def test_the_demo_agrees_with_the_provider_and_replays(tmp_path: Path) -> None:
    store = str(tmp_path / "demo.db")

    report = run_demo(orders=40, store=store, seed=3)

    assert report.ok, report.disagreements
    assert report.replay.orders == 40
    assert sum(total.count for total in report.by_state) == 40
    assert report.callbacks > 40


def test_the_demo_command_prints_the_table_and_exits_zero(tmp_path: Path) -> None:
    store = str(tmp_path / "demo.db")

    result = CliRunner().invoke(app, ["--db", store, "demo", "--orders", "25", "--seed", "5"])

    assert result.exit_code == 0, result.stdout + result.stderr
    assert "orders by state" in result.stdout
    assert "every order agrees with the provider" in result.stdout
    service = build_service(store=store)
    assert service.replay_verify().orders == 25
    service.close()


def test_make_demo_works_on_a_fresh_clone(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=60)
    shared = ROOT.parent / "shared"
    if shared.is_dir() and not (tmp_path / "shared").exists():
        shutil.copytree(shared, tmp_path / "shared", symlinks=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "ORDERSTATE_"))}

    result = subprocess.run(
        ["make", "demo"], cwd=clone, env=env, capture_output=True, text=True, timeout=600
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "orders by state" in result.stdout
    assert "all equal their live state" in result.stdout
    assert "demo store: orderstate-demo.db" in result.stdout
    assert (clone / "orderstate-demo.db").exists()


def test_a_second_run_gets_a_fresh_store_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ORDERSTATE_DB", raising=False)
    runs = [CliRunner().invoke(app, ["demo", "--orders", "8", "--seed", "2"]) for _ in range(2)]

    for result in runs:
        assert result.exit_code == 0, result.stdout + result.stderr
        assert "demo store: orderstate-demo.db (its own, fresh for this run" in result.stdout
        assert "missing" not in result.stdout
    service = build_service(store=str(tmp_path / "orderstate-demo.db"))
    assert sum(total.count for total in service.orders_by_state()) == 8
    service.close()
    assert not (tmp_path / "orderstate.db").exists()


def test_a_named_store_that_holds_orders_is_refused_not_piled_onto(tmp_path: Path) -> None:
    store = str(tmp_path / "mine.db")
    first = CliRunner().invoke(app, ["--db", store, "demo", "--orders", "3"])
    assert first.exit_code == 0, first.stdout + first.stderr

    again = CliRunner().invoke(app, ["--db", store, "demo", "--orders", "3"])

    assert again.exit_code == 1
    assert "already holds 3 orders" in again.stderr
    assert "customers pay" not in again.stdout  # refused before anything ran
    service = build_service(store=store)
    assert sum(total.count for total in service.orders_by_state()) == 3
    service.close()
