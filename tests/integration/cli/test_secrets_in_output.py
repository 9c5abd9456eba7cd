"""The command never prints a secret it was given, however mistyped the setting."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from orderstate.adapters.cli.app import app

runner = CliRunner()
SECRET = "Zq7pw"


@pytest.mark.parametrize(
    "db",
    [
        f"postgresql://shop:{SECRET}/x#y?z@127.0.0.1:1/orders",
        f"postgresql://shop:{SECRET}@127.0.0.1:1/orders",
        f"postgresql://shop:a@{SECRET}@127.0.0.1:notaport/orders",
        f"postgresq://shop:{SECRET}#@127.0.0.1/orders",
    ],
)
def test_a_store_password_is_never_printed(db: str) -> None:
    result = runner.invoke(app, ["--db", db, "--shops", "115:x", "orders"])

    assert result.exit_code != 0
    assert SECRET not in result.stdout + result.stderr
    assert "error:" in result.stderr


@pytest.mark.parametrize(
    "shops", [f"{SECRET}:115:x", f"115{SECRET}", f"vertex:{SECRET}", f"115:ok,{SECRET}"]
)
def test_a_shop_secret_is_never_printed(shops: str, tmp_path: object) -> None:
    result = runner.invoke(app, ["--db", "memory", "--shops", shops, "serve", "--port", "1"])

    assert result.exit_code != 0
    assert SECRET not in result.stdout + result.stderr
    assert "error:" in result.stderr
