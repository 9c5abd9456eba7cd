"""The engine stays pure: the import-linter contract in pyproject.toml holds, and it has teeth."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def run_lint_imports(config: Path, cwd: Path, pythonpath: str | None = None) -> str:
    env = {"PATH": str(LINT_IMPORTS.parent)}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    result = subprocess.run(
        [str(LINT_IMPORTS), str(config), "--no-cache"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return f"exit={result.returncode}\n{result.stdout}{result.stderr}"


def test_the_engine_imports_no_adapter_http_database_or_web_framework() -> None:
    output = run_lint_imports(ROOT / "pyproject.toml", ROOT)

    assert output.startswith("exit=0"), output
    assert "1 kept, 0 broken" in output


def test_the_contract_catches_an_engine_that_imports_sqlite3(tmp_path: Path) -> None:
    contract = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    probe = tmp_path / "probe"  # a namespace package, like orderstate
    (probe / "engine").mkdir(parents=True)
    (probe / "adapters").mkdir()
    (probe / "testing").mkdir()
    (probe / "testing" / "__init__.py").write_text("")
    (probe / "adapters" / "__init__.py").write_text("")
    (probe / "engine" / "__init__.py").write_text("import sqlite3\n")
    text = (ROOT / "pyproject.toml").read_text()
    section = text[text.index("[tool.importlinter]") :].replace("orderstate.", "probe.")
    config = tmp_path / "pyproject.toml"
    config.write_text(section)

    output = run_lint_imports(config, tmp_path, pythonpath=str(tmp_path))

    assert contract["contracts"][0]["type"] == "forbidden"
    assert output.startswith("exit=1"), output
    assert "probe.engine is not allowed to import sqlite3" in output
