"""A by-hand session against the served Stripe sandbox, as docs/stripe.md shows it:
``orderstate serve --simulator --provider stripe`` in one process, then ``place``, the customer
confirming the PaymentIntent, ``reconcile`` for settlement, ``refund``, a two-stage ``capture``,
each a separate process configured only by the exports the server printed."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx

from orderstate.adapters.bootstrap import build_service
from orderstate.engine import Money

from .test_sandbox_session import (
    Terminal,
    base_env,
    exports,
    free_port_pair,
    healthy,
    wait_for,
)


@contextlib.contextmanager
def stripe_sandbox(store: Path, log: Path) -> Iterator[dict[str, str]]:
    port = free_port_pair()
    command = [
        *(sys.executable, "-m", "orderstate.adapters.cli", "--db", str(store), "serve"),
        *("--simulator", "--provider", "stripe", "--port", str(port)),
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=base_env())
    try:
        wait_for(lambda: healthy(process, port, log), "the webhook app's /healthz")
        yield exports(log.read_text())
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def confirm(terminal: Terminal, settings: dict[str, str], order: str) -> None:
    """The customer confirms with a test card (what Stripe.js does with the client secret)."""
    intent = terminal.show(order)["payment_link"].split("_secret_")[0]
    response = httpx.post(
        f"{settings['ORDERSTATE_STRIPE_URL']}/v1/payment_intents/{intent}/confirm",
        data={"payment_method": "pm_card_visa"},
        auth=(settings["ORDERSTATE_STRIPE_KEY"], ""),
        timeout=10,
    )
    assert response.status_code == 200, response.text


def test_a_by_hand_stripe_session_places_pays_settles_refunds_and_captures(tmp_path: Path) -> None:
    store = tmp_path / "stripe-sandbox.db"
    with stripe_sandbox(store, tmp_path / "serve.log") as settings:
        assert settings["ORDERSTATE_PROVIDER"] == "stripe"
        assert settings["ORDERSTATE_SHOPS"].startswith("stripe:216:")
        terminal = Terminal(settings)

        terminal.run("place", "216/S-1", "20.00", "EUR")
        confirm(terminal, settings, "216/S-1")
        wait_for(lambda: terminal.settled_in("216/S-1", "clearing"), "S-1 paid (clearing)")

        def settled() -> bool:
            terminal.run("reconcile", "--older-than", "0", "--clearing-due", "0")
            return terminal.settled_in("216/S-1", "completed")

        wait_for(settled, "S-1 completed (its balance transaction available)")
        terminal.run("refund", "216/S-1", "5.00")
        wait_for(lambda: terminal.settled_in("216/S-1", "partially_refunded"), "the refund")

        terminal.run("place", "216/S-2", "15.50", "EUR", "--two-stage")
        confirm(terminal, settings, "216/S-2")
        wait_for(lambda: terminal.settled_in("216/S-2", "authorized"), "S-2 authorized")
        terminal.run("capture", "216/S-2")
        wait_for(lambda: terminal.settled_in("216/S-2", "clearing"), "S-2 captured")
        history = terminal.run("history", "216/S-1")

    assert "RefundSucceeded" in history
    service = build_service(store=str(store))
    refunded, captured = service.view(216, "S-1"), service.view(216, "S-2")
    service.close()
    assert refunded.refunded == Money(500, "EUR")
    assert captured.captured == Money(1550, "EUR")
