"""Run the mutation tester over the engine and the Vertex translator; print score and survivors.

``make mutate`` calls this. mutmut names each mutant after its file's path and activates it by
comparing that name with the module's import name, so the package is copied to
``build/mutation/`` laid out under its import names (``orderstate/engine/...``), with the tests,
the docs the diagram tests compare against, and ``pyproject.toml`` (whose ``[tool.mutmut]``
table says what to mutate and which tests to run). Every run starts from a fresh copy, so the
score never leans on a cache from an older tree.

Exit status: 0 when every area reaches ``--fail-under`` percent killed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STAGE = REPO / "build" / "mutation"
PACKAGE = {"engine": "engine", "adapters": "adapters", "specs": "specs", "testing": "testing"}
"""Import name under ``orderstate`` -> folder in the repository (pyproject's package-dir)."""
COPIED = ("tests", "docs", "pyproject.toml")
AREAS = {
    "engine": "orderstate/engine/",
    "translator": "orderstate/adapters/vertex/translate.py",
}
KILLED = frozenset({"killed", "timeout", "caught by type check"})
"""mutmut's statuses that mean a test stopped the mutant (a hang ends in a CPU-time kill)."""


@dataclass(frozen=True)
class Mutant:
    name: str
    source: str
    exit_code: int | None

    @property
    def killed(self) -> bool:
        return self.status in KILLED

    @property
    def status(self) -> str:
        """mutmut's own name for the exit code ("killed", "survived", "timeout", ...)."""
        from mutmut.stats import status_by_exit_code  # the [mutate] extra; make mutate has it

        return str(status_by_exit_code[self.exit_code])


def stage() -> None:
    """A fresh copy of the package under its import names, with the tests and docs."""
    shutil.rmtree(STAGE, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name, folder in PACKAGE.items():
        shutil.copytree(REPO / folder, STAGE / "orderstate" / name, ignore=ignore)
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, STAGE / name, ignore=ignore)
        else:
            shutil.copy2(source, STAGE / name)


def run_mutmut(max_children: int) -> None:
    command = [sys.executable, "-m", "mutmut", "run", "--max-children", str(max_children)]
    subprocess.run(command, cwd=STAGE, check=True)


def read_mutants() -> list[Mutant]:
    """Every mutant with its result, from the ``.meta`` files mutmut writes beside each file."""
    mutants = []
    root = STAGE / "mutants"
    for meta in sorted(root.glob("orderstate/**/*.py.meta")):
        source = meta.relative_to(root).as_posix().removesuffix(".meta")
        results = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        mutants += [Mutant(name, source, code) for name, code in sorted(results.items())]
    return mutants


def area_of(mutant: Mutant) -> str | None:
    return next((area for area, prefix in AREAS.items() if mutant.source.startswith(prefix)), None)


def diff(mutant: Mutant) -> str:
    shown = subprocess.run(
        [sys.executable, "-m", "mutmut", "show", mutant.name],
        cwd=STAGE,
        capture_output=True,
        text=True,
        check=False,
    )
    return shown.stdout.strip()


def report(mutants: list[Mutant], *, fail_under: float, show_diffs: bool) -> bool:
    """Print each area's score and every mutant not killed; whether all areas pass."""
    passed = True
    for area in AREAS:
        mine = [m for m in mutants if area_of(m) == area]
        killed = sum(m.killed for m in mine)
        score = 100 * killed / len(mine) if mine else 0.0
        counts = Counter(m.status for m in mine)
        detail = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        print(f"{area}: {killed}/{len(mine)} killed = {score:.1f}% ({detail})")
        passed = passed and score >= fail_under
    survivors = [m for m in mutants if not m.killed]
    print(f"\n{len(survivors)} mutants not killed:")
    for mutant in survivors:
        print(f"  {mutant.name}: {mutant.status}")
        if show_diffs:
            print("    " + diff(mutant).replace("\n", "\n    "))
    return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-children", type=int, default=2, help="parallel test processes")
    parser.add_argument("--fail-under", type=float, default=90.0, help="percent killed per area")
    parser.add_argument("--report-only", action="store_true", help="read the last run's results")
    parser.add_argument("--no-diffs", action="store_true", help="list survivors by name only")
    args = parser.parse_args()
    started = time.monotonic()
    if not args.report_only:
        stage()
        run_mutmut(args.max_children)
    mutants = read_mutants()
    passed = report(mutants, fail_under=args.fail_under, show_diffs=not args.no_diffs)
    if not args.report_only:
        print(f"\nmutation run took {time.monotonic() - started:.0f} s")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
