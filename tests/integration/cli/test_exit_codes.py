"""Each exit code of the ``orderstate`` command (docs/operations.md has the table), run."""

from __future__ import annotations

from typer.testing import CliRunner

from orderstate.adapters.cli.app import app
from orderstate.adapters.cli.exits import ExitCode
from orderstate.adapters.vertex.simulator import Fault, SimulatedGateway

runner = CliRunner()
SHOPS = ["--shops", "115:sim-secret-115"]


def run(db: str, url: str, token: str, *args: str) -> tuple[int, str, str]:
    settings = ["--db", db, "--vertex-url", url, "--vertex-token", token, *SHOPS]
    result = runner.invoke(app, [*settings, *args])
    return result.exit_code, result.stdout, result.stderr


def show_state(db: str, order: str) -> str:
    result = runner.invoke(app, ["--db", db, "show", order, "--json"])
    state: str = __import__("json").loads(result.stdout)["state"]
    return state


def test_exit_0_when_the_order_reached_its_payment_page(
    sqlite_store: str, sim: tuple[SimulatedGateway, str]
) -> None:
    code, out, err = run(sqlite_store, sim[1], "sim-token-115", "place", "115/E-0", "10", "PHP")

    assert code == ExitCode.OK == 0
    assert "payment_link" in out
    assert err == ""


def test_exit_1_when_the_order_refuses_the_command(
    sqlite_store: str, sim: tuple[SimulatedGateway, str]
) -> None:
    run(sqlite_store, sim[1], "sim-token-115", "place", "115/E-1", "10", "PHP")

    code, _, err = run(sqlite_store, sim[1], "sim-token-115", "refund", "115/E-1", "1")

    assert code == ExitCode.ERROR == 1
    assert err.startswith("error: 115/E-1: cannot refund")


def test_a_refund_over_the_balance_is_refused_in_the_merchant_s_words(
    sqlite_store: str, sim: tuple[SimulatedGateway, str]
) -> None:
    gateway, url = sim
    run(sqlite_store, url, "sim-token-115", "place", "115/P-1", "20.00", "php")
    gateway.pay("P-1")
    run(sqlite_store, url, "sim-token-115", "reconcile", "--older-than", "0")

    code, _, err = run(sqlite_store, url, "sim-token-115", "refund", "115/P-1", "20.01")

    assert code == ExitCode.ERROR
    assert err == "error: 115/P-1: refund 20.01 PHP exceeds the 20.00 PHP still refundable\n"


def test_exit_2_on_a_command_line_it_cannot_read(sqlite_store: str) -> None:
    result = runner.invoke(app, ["--db", sqlite_store, "show", "115/E-2", "--no-such-option"])

    assert result.exit_code == ExitCode.USAGE == 2


def test_exit_3_when_the_provider_refuses_the_order(
    sqlite_store: str, sim: tuple[SimulatedGateway, str]
) -> None:
    code, _, err = run(sqlite_store, sim[1], "wrong-token", "place", "115/E-3", "10", "PHP")

    assert code == ExitCode.PROVIDER_REFUSED == 3
    assert err.startswith("error: 115/E-3: the order is failed: provider refused: 401")
    assert show_state(sqlite_store, "115/E-3") == "failed"


def test_exit_4_when_the_provider_cannot_be_reached_and_placing_again_is_safe(
    sqlite_store: str, sim: tuple[SimulatedGateway, str]
) -> None:
    nowhere = "http://127.0.0.1:9/api"  # the discard port: nothing listens there

    code, out, err = run(sqlite_store, nowhere, "sim-token-115", "place", "115/E-4", "10", "PHP")

    assert code == ExitCode.PROVIDER_UNREACHABLE == 4
    assert out == ""
    assert "nothing was sent" in err
    assert "Traceback" not in err
    assert "WARNING" not in err
    assert show_state(sqlite_store, "115/E-4") == "created"
    code, _, _ = run(sqlite_store, sim[1], "sim-token-115", "place", "115/E-4", "10", "PHP")
    assert code == 0
    assert show_state(sqlite_store, "115/E-4") == "in_progress"


def test_exit_4_for_a_request_that_could_not_be_sent_leaves_nothing_pending(
    sqlite_store: str, sim: tuple[SimulatedGateway, str]
) -> None:
    run(sqlite_store, sim[1], "sim-token-115", "place", "115/E-4b", "10", "PHP")
    nowhere = "http://127.0.0.1:9/api"

    code, _, err = run(sqlite_store, nowhere, "sim-token-115", "cancel", "115/E-4b")

    assert code == ExitCode.PROVIDER_UNREACHABLE
    assert "was not sent" in err
    code, _, _ = run(sqlite_store, sim[1], "sim-token-115", "cancel", "115/E-4b")
    assert code == 0


def test_exit_5_when_the_provider_s_answer_is_unclear(
    sqlite_store: str, sim: tuple[SimulatedGateway, str]
) -> None:
    gateway, url = sim
    gateway.faults.script("create", Fault.unavailable())
    gateway.faults.script("details", *[Fault.unavailable()] * 3)

    code, out, err = run(sqlite_store, url, "sim-token-115", "place", "115/E-5", "10", "PHP")

    assert code == ExitCode.OUTCOME_UNKNOWN == 5
    assert "created" in out
    assert err.startswith("error: 115/E-5: no clear answer from the provider")
    assert "reconcile" in err
    assert "WARNING" not in err
