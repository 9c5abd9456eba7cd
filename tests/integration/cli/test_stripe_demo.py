"""``orderstate demo --provider stripe``: the checkout mix through the Stripe simulator."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.bootstrap.stripe_demo import STRIPE_OUTCOME_MIX, run_stripe_demo
from orderstate.adapters.cli.app import app


def test_the_stripe_demo_agrees_with_stripe_disputes_included_and_replays(tmp_path: Path) -> None:
    report = run_stripe_demo(orders=60, store=str(tmp_path / "demo.db"), seed=11)

    assert report.ok, report.disagreements
    assert report.replay.orders == 60
    states = {total.state: total.count for total in report.by_state}
    assert sum(states.values()) == 60
    assert {"completed", "cancelled"} <= set(states)
    assert report.callbacks > 60
    assert set(report.outcomes) <= set(STRIPE_OUTCOME_MIX)


def test_the_demo_command_takes_provider_stripe(tmp_path: Path) -> None:
    store = str(tmp_path / "demo.db")

    result = CliRunner().invoke(
        app, ["--db", store, "demo", "--provider", "stripe", "--orders", "30", "--seed", "2"]
    )

    assert result.exit_code == 0, result.stdout + result.stderr
    assert "orders by state" in result.stdout
    assert "every order agrees with the provider" in result.stdout
    service = build_service(store=store)
    assert service.replay_verify().orders == 30
    service.close()


def test_the_demo_refuses_a_provider_it_cannot_simulate(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["--db", str(tmp_path / "d.db"), "demo", "--provider", "adyen"]
    )

    assert result.exit_code != 0
    assert "vertex or stripe" in result.stdout + result.stderr
