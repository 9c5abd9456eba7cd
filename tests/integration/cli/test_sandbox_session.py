"""A whole by-hand session through the CLI against a served sandbox, as README's "Try it by
hand" shows it: ``orderstate serve --simulator`` in one process, then ``place``, pay on the
payment link, ``capture``, two partial ``refund``s, ``show`` and ``history`` as separate
processes configured only by the exports the server printed."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from orderstate.adapters.bootstrap import build_service
from orderstate.engine import Money

WAIT = 30.0
"""Seconds any one step may take on a loaded machine before the test fails."""


def free_port_pair() -> int:
    """A loopback port ``p`` with ``p + 1`` free too (the sandbox's simulator takes it)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port: int = probe.getsockname()[1]
        with contextlib.suppress(OSError), socket.socket() as second, socket.socket() as first:
            first.bind(("127.0.0.1", port))
            second.bind(("127.0.0.1", port + 1))
            return port
    raise AssertionError("no two adjacent free ports")


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERSTATE_")}
    return {**env, "PYTHONUNBUFFERED": "1"}


@contextlib.contextmanager
def sandbox(store: Path, log: Path) -> Iterator[dict[str, str]]:
    """``orderstate serve --simulator`` as its own process; yields the exports it printed."""
    port = free_port_pair()
    command = [
        *(sys.executable, "-m", "orderstate.adapters.cli", "--db", str(store), "serve"),
        *("--simulator", "--port", str(port), "--simulator-delay", "0.3"),
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


def healthy(process: subprocess.Popen[bytes], port: int, log: Path) -> bool:
    assert process.poll() is None, f"serve exited:\n{log.read_text()}"
    with contextlib.suppress(httpx.TransportError):
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    return False


def exports(printed: str) -> dict[str, str]:
    """The ``export NAME=value`` lines, read the way a shell would."""
    found = {}
    for line in printed.splitlines():
        words = shlex.split(line)
        if words[:1] == ["export"]:
            name, _, value = words[1].partition("=")
            found[name] = value
    return found


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"waited {WAIT} s for {what}"
        time.sleep(0.1)


class Terminal:
    """The second terminal: ``orderstate`` subprocesses with the exports set."""

    def __init__(self, settings: dict[str, str]) -> None:
        self.env = {**base_env(), **settings, "COLUMNS": "200"}
        self.store = settings["ORDERSTATE_DB"]

    def run(self, *args: str) -> str:
        command = [sys.executable, "-m", "orderstate.adapters.cli", *args]
        done = subprocess.run(
            command, env=self.env, capture_output=True, text=True, timeout=WAIT, check=False
        )
        assert done.returncode == 0, f"{args}: rc={done.returncode}\n{done.stdout}{done.stderr}"
        return done.stdout

    def show(self, order: str) -> dict[str, Any]:
        shown: dict[str, Any] = json.loads(self.run("show", order, "--json"))
        return shown

    def settled_in(self, order: str, state: str) -> bool:
        """The order reached ``state`` with no request pending (read from the shared store
        in process: polling through a subprocess each time would only be slower)."""
        shop, _, number = order.partition("/")
        service = build_service(store=self.store)
        try:
            view = service.view(int(shop), number)
        finally:
            service.close()
        return view.state == state and view.pending is None

    def pay(self, order: str) -> None:
        """The customer pays: a POST to the payment link, as the page's Pay button does."""
        link = self.show(order)["payment_link"]
        response = httpx.post(link, data={"action": "pay"}, timeout=10)
        assert response.status_code == 200, response.text


def test_a_by_hand_session_finishes_every_operation(tmp_path: Path) -> None:
    store = tmp_path / "sandbox.db"
    with sandbox(store, tmp_path / "serve.log") as settings:
        assert settings["ORDERSTATE_DB"] == str(store)
        assert settings["ORDERSTATE_WEBHOOK_URL"].endswith("/callbacks/vertex/115")
        terminal = Terminal(settings)

        terminal.run("place", "115/P-1", "20.00", "PHP")
        terminal.pay("115/P-1")
        wait_for(lambda: terminal.settled_in("115/P-1", "completed"), "P-1 completed")
        terminal.run("refund", "115/P-1", "5.00")
        wait_for(lambda: terminal.settled_in("115/P-1", "partially_refunded"), "first refund")
        terminal.run("refund", "115/P-1", "3.00")  # a second refund: the first one is done
        wait_for(lambda: terminal.settled_in("115/P-1", "partially_refunded"), "second refund")
        shown = terminal.show("115/P-1")

        # Without ORDERSTATE_WEBHOOK_URL the order carries no webhookUrl: callbacks still
        # come, to the shop's standard URL, which the sandbox sets to its webhook app.
        bare = Terminal({k: v for k, v in settings.items() if k != "ORDERSTATE_WEBHOOK_URL"})
        bare.run("place", "115/X-1", "15.50", "PHP", "--two-stage")
        bare.pay("115/X-1")
        wait_for(lambda: bare.settled_in("115/X-1", "authorized"), "X-1 authorized")
        bare.run("capture", "115/X-1")
        wait_for(lambda: bare.settled_in("115/X-1", "completed"), "X-1 captured")

        history = terminal.run("history", "115/P-1")

    assert shown["state"] == "partially_refunded"
    assert "8.00" in json.dumps(shown["refunded"])
    assert history.count("RefundSucceeded") == 2
    service = build_service(store=str(store))
    refunded, captured = service.view(115, "P-1"), service.view(115, "X-1")
    service.close()
    assert (refunded.state, refunded.refunded) == ("partially_refunded", Money(800, "PHP"))
    assert refunded.captured == Money(2000, "PHP")
    assert (captured.state, captured.captured) == ("completed", Money(1550, "PHP"))
