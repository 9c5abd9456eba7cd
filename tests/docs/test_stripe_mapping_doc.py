"""docs/stripe.md shows the mapping the Stripe adapter really uses."""

from __future__ import annotations

from pathlib import Path

from orderstate.adapters.docgen.stripe_mapping import mapping_markdown, rewrite
from orderstate.adapters.stripe import (
    CHARGE_STATUSES,
    DISPUTE_STATUSES,
    EVENT_TYPES,
    INTENT_STATUSES,
    REFUND_STATUSES,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "stripe.md"


def test_the_committed_mapping_tables_are_the_generated_ones() -> None:
    text = DOC.read_text(encoding="utf-8")

    assert rewrite(text) == text, (
        "docs/stripe.md is stale: run python -m orderstate.adapters.docgen.stripe_mapping"
    )


def test_the_tables_list_every_event_type_and_status() -> None:
    table = mapping_markdown()
    statuses = {*INTENT_STATUSES, *CHARGE_STATUSES, *REFUND_STATUSES, *DISPUTE_STATUSES}

    assert all(f"| `{name}` |" in table for name in (*EVENT_TYPES, *statuses))
