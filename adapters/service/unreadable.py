"""Stored events that cannot be read back, named instead of crashing whoever reads them.

A stored event is unreadable when its topic names no class in this version (written by a newer
or a foreign writer, or a class removed without upcasting) or when its state does not decode
(corrupt bytes). Stored events are forever, so such a row is never skipped silently: the
replay audit reports it, reading its order raises ``UnreadableHistory`` naming the order and
the event, and the read model lists it (``OrderService.unreadable_events``) while it serves
everything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import AggregateRecorder, MapperDeserialisationError
from eventsourcing.utils import TopicError

from orderstate.engine import OrderstateError

__all__ = [
    "READ_ERRORS",
    "UnreadableEvent",
    "UnreadableHistory",
    "decode",
    "diagnose",
]

READ_ERRORS = (TopicError, MapperDeserialisationError)
"""What eventsourcing's mapper raises for a row it cannot turn back into an event."""

_MAX_REASON = 200


@dataclass(frozen=True, slots=True)
class UnreadableEvent:
    """One stored event that cannot be read back, and why."""

    originator_id: UUID
    version: int
    topic: str
    reason: str

    def __str__(self) -> str:
        return f"stored event {self.version} ({self.topic}) cannot be read: {self.reason}"


class UnreadableHistory(OrderstateError):
    """An order's stored history holds an event that cannot be read back."""

    def __init__(self, name: str, event: UnreadableEvent) -> None:
        super().__init__(f"order {name}: {event}")
        self.name = name
        self.event = event


def reason_of(error: Exception) -> str:
    """One short line saying why a row did not decode."""
    if isinstance(error, TopicError):
        return "its topic names no event class here (a newer or foreign writer?)"
    cause = error.__cause__ if isinstance(error, MapperDeserialisationError) else error
    text = f"{type(cause).__name__}: {cause}" if cause is not None else str(error)
    return " ".join(text.split())[:_MAX_REASON]


def decode(mapper: Any, record: Any) -> tuple[Any, UnreadableEvent | None]:
    """The domain event of a stored record, or None and what is wrong with it."""
    try:
        return mapper.to_domain_event(record), None
    except READ_ERRORS as error:
        oid = record.originator_id
        bad = UnreadableEvent(
            oid if isinstance(oid, UUID) else UUID(str(oid)),
            record.originator_version,
            record.topic,
            reason_of(error),
        )
        return None, bad


def diagnose(recorder: AggregateRecorder, mapper: Any, oid: UUID) -> UnreadableHistory | None:
    """The first unreadable event of aggregate ``oid``, named by its order (shop/number) when
    the order's first event reads; None when every event reads."""
    name = str(oid)
    for record in recorder.select_events(oid):
        event, bad = decode(mapper, record)
        if bad is not None:
            return UnreadableHistory(name, bad)
        if record.originator_version == 1:
            name = order_name(event, name)
    return None


def order_name(event: Any, default: str) -> str:
    """``shop/number`` from an order's first event; ``default`` for any other event."""
    shop_id, number = getattr(event, "shop_id", None), getattr(event, "order_number", None)
    return f"{shop_id}/{number}" if shop_id is not None and number is not None else default
