"""Rebuild orders from their stored events, fast.

eventsourcing's default projector asserts a runtime-checkable Protocol on every event, which is
most of the cost of a rebuild. Orders only ever hold their own events, so the check buys nothing:
this projector folds the events straight through ``mutate`` (which still checks each event's
originator id and that versions are contiguous).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

__all__ = ["project_order"]

T = TypeVar("T")


def project_order(aggregate: T | None, events: Iterable[Any]) -> T | None:
    """Fold ``events`` onto ``aggregate`` (None to start from the creation event)."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate
