"""The sandbox (``orderstate serve --simulator``): what it tells a second terminal, and where
its callbacks go when nobody set ``ORDERSTATE_WEBHOOK_URL``."""

from __future__ import annotations

import shlex
import socket
from pathlib import Path

import pytest

from orderstate.adapters.bootstrap import Settings
from orderstate.adapters.bootstrap.sandbox import start_sandbox


def free_port_pair() -> int:
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port: int = probe.getsockname()[1]
        try:
            with socket.socket() as taken:
                taken.bind(("127.0.0.1", port + 1))
        except OSError:
            continue
        return port
    raise AssertionError("no two adjacent free ports")


def test_the_exports_read_back_as_the_settings_the_sandbox_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    port = free_port_pair()
    sandbox = start_sandbox(Settings(db="relative.db"), host="127.0.0.1", port=port)
    try:
        lines = sandbox.exports()
    finally:
        sandbox.stop()

    environ = dict(shlex.split(line)[1].split("=", 1) for line in lines)
    assert Settings.from_env(environ) == sandbox.settings
    assert environ["ORDERSTATE_DB"] == str(tmp_path / "relative.db")  # any directory shares it
    assert environ["ORDERSTATE_VERTEX_URL"] == f"http://127.0.0.1:{port + 1}/api/v1"
    assert environ["ORDERSTATE_SHOPS"] == "115:sim-secret-115"


def test_callbacks_go_to_the_served_webhook_without_a_webhook_url() -> None:
    port = free_port_pair()
    settings = Settings(db="memory", shops=((116, "s-116"), (117, "s-117", "stripe")))
    sandbox = start_sandbox(settings, host="0.0.0.0", port=port)
    sandbox.stop()

    assert [shop.callback_url for shop in sandbox.sim.shops.values()] == [
        f"http://127.0.0.1:{port}/callbacks/vertex/116"
    ]
    assert sandbox.settings.shops == settings.shops
    assert sandbox.settings.vertex_token == "sim-token-116"


def test_a_negative_delay_is_refused() -> None:
    with pytest.raises(ValueError, match="delay"):
        start_sandbox(Settings(), host="127.0.0.1", port=free_port_pair(), operation_delay=-1)
