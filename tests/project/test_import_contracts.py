"""The house holds: the import-linter contracts in pyproject.toml are kept, and they have teeth.

Three contracts: the engine is pure; the adapters are layered (entry points, the composition
root, web, service, providers and store, the port); only the composition root imports a
provider package.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
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


def test_every_contract_is_kept_engine_purity_layers_and_provider_independence() -> None:
    output = run_lint_imports(ROOT / "pyproject.toml", ROOT)

    assert output.startswith("exit=0"), output
    assert "3 kept, 0 broken" in output
    assert (
        "Layers: cli, docgen, bootstrap, web, service, vertex | stripe | store, port KEPT" in output
    )
    assert "Only the composition root and the docs writers import a provider KEPT" in output


def test_the_engine_and_the_service_may_import_nothing_of_stripe() -> None:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    by_name = {contract["name"]: contract for contract in contracts["contracts"]}
    engine = by_name["The engine is pure: no adapters, HTTP, databases or web frameworks"]
    providers = by_name["Only the composition root and the docs writers import a provider"]

    assert "stripe" in engine["forbidden_modules"]
    assert "orderstate.adapters.service" in providers["source_modules"]
    assert {"stripe", "orderstate.adapters.stripe"} <= set(providers["forbidden_modules"])


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
    start = text.index("[tool.importlinter]")
    second = text.index(
        "[[tool.importlinter.contracts]]", text.index("[[tool.importlinter.contracts]]") + 1
    )
    section = text[start:second].replace("orderstate.", "probe.")  # the engine-purity contract
    config = tmp_path / "pyproject.toml"
    config.write_text(section)

    output = run_lint_imports(config, tmp_path, pythonpath=str(tmp_path))

    assert contract["contracts"][0]["type"] == "forbidden"
    assert output.startswith("exit=1"), output
    assert "probe.engine is not allowed to import sqlite3" in output


ADAPTER_ROOMS = (
    "cli",
    "docgen",
    "bootstrap",
    "web",
    "service",
    "vertex",
    "stripe",
    "store",
    "port",
)


def probe_house(tmp_path: Path, imports: dict[str, str]) -> Path:
    """A package shaped like orderstate (every room of the contracts), where ``imports`` maps a
    room to the line its ``__init__`` holds; the whole contract set, renamed to it."""
    probe = tmp_path / "probe"
    for room in ("engine", "testing", *(f"adapters/{name}" for name in ADAPTER_ROOMS)):
        (probe / room).mkdir(parents=True)
        (probe / room / "__init__.py").write_text(imports.get(room, ""))
    (probe / "adapters" / "__init__.py").write_text("")
    text = (ROOT / "pyproject.toml").read_text()
    config = tmp_path / "pyproject.toml"
    config.write_text(text[text.index("[tool.importlinter]") :].replace("orderstate.", "probe."))
    return config


def test_the_contracts_catch_a_service_that_imports_a_provider(tmp_path: Path) -> None:
    config = probe_house(tmp_path, {"adapters/service": "import probe.adapters.vertex\n"})

    output = run_lint_imports(config, tmp_path, pythonpath=str(tmp_path))

    assert output.startswith("exit=1"), output
    assert "probe.adapters.service is not allowed to import probe.adapters.vertex" in output


def test_the_contracts_catch_a_service_that_imports_the_stripe_adapter(tmp_path: Path) -> None:
    config = probe_house(tmp_path, {"adapters/service": "import probe.adapters.stripe\n"})

    output = run_lint_imports(config, tmp_path, pythonpath=str(tmp_path))

    assert output.startswith("exit=1"), output
    assert "probe.adapters.service is not allowed to import probe.adapters.stripe" in output


def test_the_contracts_catch_a_provider_that_imports_the_service(tmp_path: Path) -> None:
    config = probe_house(tmp_path, {"adapters/vertex": "import probe.adapters.service\n"})

    output = run_lint_imports(config, tmp_path, pythonpath=str(tmp_path))

    assert output.startswith("exit=1"), output
    assert "probe.adapters.vertex -> probe.adapters.service" in output
