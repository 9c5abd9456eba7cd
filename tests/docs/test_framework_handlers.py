"""The FastAPI and Django handlers in docs/embedding.md are shown as text (neither framework is
a dependency); the Starlette one beside them is executed by test_docs. These at least compile,
and read the raw body and answer from the service's outcome as the executed one does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "embedding.md"
SHOWN = re.findall(r"```py\n(.*?)```", PAGE.read_text(), re.S)


@pytest.mark.parametrize("framework", ["fastapi", "django"])
def test_a_shown_handler_compiles_and_answers_from_handle_callback(framework: str) -> None:
    [block] = [block for block in SHOWN if f"from {framework}" in block]

    compile(block, f"embedding.md {framework} handler", "exec")

    assert re.search(r"service\.handle_callback[(,] ?shop_id, ", block)
    assert "STATUS_BY_OUTCOME[result.outcome]" in block
    assert "await request.body()" in block or "request.body," in block
    assert len([line for line in block.splitlines() if line.strip()]) <= 16
