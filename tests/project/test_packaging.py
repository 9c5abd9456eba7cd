"""The wheel installs the three folders under ``orderstate.*`` only, with the spec as package data.

The folders sit at the repository's top level and reach ``orderstate.engine`` etc. through
setuptools' package-dir mapping; these tests prove that mapping holds both for a built wheel
installed into a clean virtualenv and for the editable install the project venv uses, and that
no stray top-level ``engine``/``adapters``/``specs`` package leaks out of either.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("engine", "adapters", "specs")
TIMEOUT = 300  # seconds per subprocess: fail clearly instead of hanging on a dead index

# Run in the interpreter under test from a temporary cwd; prints what it found as JSON.
PROBE = """
import importlib, json, sysconfig
import orderstate.engine, orderstate.adapters, orderstate.specs
found = {
    "engine": orderstate.engine.__file__,
    "adapters": orderstate.adapters.__file__,
    "specs": orderstate.specs.__file__,
    "purelib": sysconfig.get_paths()["purelib"],
    "states": list(orderstate.engine.LIFECYCLE.states),
    "top_level": {},
}
for name in ("engine", "adapters", "specs"):
    try:
        importlib.import_module(name)
    except ModuleNotFoundError:
        found["top_level"][name] = "missing"
    else:
        found["top_level"][name] = "importable"
print(json.dumps(found))
"""


def _run(args: list[str | Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


def _probe(python: Path, cwd: Path) -> dict[str, object]:
    found: dict[str, object] = json.loads(_run([python, "-c", PROBE], cwd).stdout)
    return found


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of the repository.

    A copy, because building in place writes ``build/`` into the repo and setuptools then packs
    whatever stale files ``build/lib`` still holds. Build isolation stays on: the project venv's
    setuptools is older than ``[build-system] requires`` (pip fetches a current one).
    """
    source = tmp_path_factory.mktemp("source") / "orderstate"
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            "build",
            "*.egg-info",
            ".*cache*",
            ".typecheck",
            ".hypothesis",
            "__pycache__",
        ),
    )
    out = tmp_path_factory.mktemp("wheelhouse")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--disable-pip-version-check",
            "-q",
            "-w",
            out,
            source,
        ],
        cwd=out,
    )
    (built,) = out.glob("orderstate-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """What a fresh venv, given the wheel and its dependencies from the index, imports."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    _run([sys.executable, "-m", "venv", venv], cwd=venv.parent)
    python = venv / "bin" / "python"
    _run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel], venv.parent)
    return _probe(python, cwd=tmp_path_factory.mktemp("elsewhere"))


def test_the_wheel_ships_every_module_and_data_file_under_orderstate(wheel: Path) -> None:
    expected = {
        f"orderstate/{package}/{path.relative_to(REPO / package).as_posix()}"
        for package in PACKAGES
        for path in (REPO / package).rglob("*")
        if path.is_file()
        and path.suffix in {".py", ".yaml", ".typed", ".html"}
        and "__pycache__" not in path.parts
    }

    names = set(zipfile.ZipFile(wheel).namelist())

    assert expected <= names, f"missing from the wheel: {sorted(expected - names)}"
    assert {
        "orderstate/engine/py.typed",
        "orderstate/adapters/py.typed",
        "orderstate/specs/lifecycle.yaml",
        "orderstate/adapters/web/console/templates/base.html",
    } <= names


def test_the_wheel_has_no_top_level_engine_adapters_or_specs(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()

    roots = {name.split("/", 1)[0] for name in names}

    assert roots == {"orderstate", "orderstate-0.1.0.dist-info"}
    assert "orderstate/__init__.py" not in names  # a namespace package: no __init__


def test_the_installed_wheel_imports_from_site_packages_not_the_repo(
    installed: dict[str, object],
) -> None:
    purelib = Path(str(installed["purelib"]))
    for package in PACKAGES:
        module = Path(str(installed[package]))
        assert module.is_relative_to(purelib), f"{package} came from {module}, not {purelib}"
        assert not module.is_relative_to(REPO)


def test_the_installed_wheel_has_no_top_level_engine_adapters_or_specs(
    installed: dict[str, object],
) -> None:
    assert installed["top_level"] == dict.fromkeys(PACKAGES, "missing")


def test_the_installed_wheel_loads_the_lifecycle_spec_as_package_data(
    installed: dict[str, object],
) -> None:
    states = installed["states"]
    assert isinstance(states, list)
    assert {"created", "in_progress", "paid", "clearing", "completed"} <= set(states)


def test_the_editable_install_resolves_orderstate_to_the_repo_folders(tmp_path: Path) -> None:
    found = _probe(Path(sys.executable), cwd=tmp_path)

    assert found["engine"] == str(REPO / "engine" / "__init__.py")
    assert found["adapters"] == str(REPO / "adapters" / "__init__.py")
    assert found["specs"] == str(REPO / "specs" / "__init__.py")
    assert found["top_level"] == dict.fromkeys(PACKAGES, "missing")
