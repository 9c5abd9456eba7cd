"""Tables in the docs that restate the code's own tables: each must say what the code does."""

from __future__ import annotations

import re
from pathlib import Path

from orderstate.adapters.cli.exits import ExitCode
from orderstate.adapters.port import Outcome
from orderstate.adapters.web import STATUS_BY_OUTCOME

ROOT = Path(__file__).resolve().parents[2]


def _rows(page: str, heading: str) -> list[list[str]]:
    """The cells of the first table after ``heading`` on ``page``."""
    text = (ROOT / page).read_text()
    after = text[text.index(heading) :]
    table = re.search(r"((?:^\|.*\|\n)+)", after, re.M)
    assert table is not None, f"no table after {heading!r} in {page}"
    lines = table.group(1).strip().splitlines()[2:]  # skip the header and its rule
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def test_the_exit_code_table_lists_every_exit_code() -> None:
    documented = [int(row[0]) for row in _rows("docs/operations.md", "### Exit codes")]

    assert documented == [code.value for code in ExitCode]


def test_the_callback_status_table_is_the_web_app_s_mapping() -> None:
    documented: dict[Outcome, int] = {}
    for outcomes, status, _ in _rows("docs/embedding.md", "| outcome | HTTP | meaning |"):
        for name in re.findall(r"`(\w+)`", outcomes):
            documented[Outcome(name)] = int(status)

    assert documented == dict(STATUS_BY_OUTCOME)
