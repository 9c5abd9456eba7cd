"""The docs are executed: README and docs/ code blocks run, examples run, tables match the spec."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from orderstate.engine import LIFECYCLE

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCKS = {page.name: re.findall(r"```python\n(.*?)```", page.read_text(), re.S) for page in PAGES}
EXAMPLES = sorted((ROOT / "docs" / "examples").glob("*.py"))


def test_the_docs_have_code_to_run() -> None:
    assert sum(len(blocks) for blocks in BLOCKS.values()) >= 8
    assert EXAMPLES


@pytest.mark.parametrize("page", [name for name, blocks in BLOCKS.items() if blocks])
def test_a_pages_code_blocks_run_in_order(page: str) -> None:
    """A page is one story: its blocks share a namespace, top to bottom."""
    namespace: dict[str, object] = {}

    for number, block in enumerate(BLOCKS[page]):
        exec(compile(block, f"{page} block {number}", "exec"), namespace)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_example_program_runs_and_succeeds(example: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(example)], capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 0, result.stderr
    assert "equals the live order: True" in result.stdout


def test_concepts_page_names_every_state_and_event_of_the_spec() -> None:
    text = (ROOT / "docs" / "concepts.md").read_text()

    missing = [name for name in (*LIFECYCLE.states, *LIFECYCLE.events) if f"`{name}`" not in text]

    assert missing == []
