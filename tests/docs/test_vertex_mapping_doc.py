"""docs/vertex.md shows the mapping the translator really uses."""

from __future__ import annotations

from pathlib import Path

from orderstate.adapters.docgen.vertex_mapping import mapping_markdown, rewrite
from orderstate.adapters.vertex.models import OrderStatus, PaymentStatus

DOC = Path(__file__).resolve().parents[2] / "docs" / "vertex.md"


def test_the_committed_mapping_table_is_the_generated_one() -> None:
    text = DOC.read_text(encoding="utf-8")

    assert rewrite(text) == text, (
        "docs/vertex.md is stale: run python -m orderstate.adapters.docgen.vertex_mapping"
    )


def test_the_table_lists_every_provider_status() -> None:
    table = mapping_markdown()

    assert all(f"| `{status}` |" in table for status in (*OrderStatus, *PaymentStatus))
