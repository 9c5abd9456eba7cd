"""The simulator's event log: every change as a Stripe ``event``, listed as ``GET /v1/events`` does.

``data.object`` is a snapshot of the object when the event happened, never a live view. Events
are numbered in the order they happened; the list endpoint answers newest first, with
``starting_after`` (older than that event) and ``ending_before`` (newer) cursors, ``limit``
(1-100, default 10), ``type`` (exact, or a prefix ending ``.*``), ``types[]`` (any of these
exact types) and ``created[gt|gte|lt|lte]``.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import invalid, not_found
from .listing import limit_of

__all__ = ["API_VERSION", "EventLog", "SimEvent"]

API_VERSION = "2025-10-29.clover"
"""The API version the simulator's objects and events claim (the stripe 16.x SDK's)."""

_BOUNDS = {"gt": int.__gt__, "gte": int.__ge__, "lt": int.__lt__, "lte": int.__le__}


@dataclass(frozen=True, slots=True)
class SimEvent:
    """One event: its position, and the JSON Stripe would send and list."""

    sequence: int
    id: str
    type: str
    created: int
    object: Mapping[str, Any]
    request_id: str | None
    idempotency_key: str | None

    def to_json(self, pending_webhooks: int = 0) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "event",
            "api_version": API_VERSION,
            "created": self.created,
            "data": {"object": copy.deepcopy(dict(self.object))},
            "livemode": False,
            "pending_webhooks": pending_webhooks,
            "request": {"id": self.request_id, "idempotency_key": self.idempotency_key},
            "type": self.type,
        }


class EventLog:
    """Events in the order they happened; thread-safe."""

    def __init__(self) -> None:
        self.events: list[SimEvent] = []
        self._by_id: dict[str, SimEvent] = {}
        self._lock = threading.Lock()

    def append(self, event: SimEvent) -> None:
        with self._lock:
            self.events.append(event)
            self._by_id[event.id] = event

    def get(self, event_id: str) -> SimEvent:
        with self._lock:
            event = self._by_id.get(event_id)
        if event is None:
            raise not_found("event", event_id)
        return event

    def types(self, object_id: str | None = None) -> list[str]:
        """Event types in order, optionally only those whose object has ``object_id``."""
        with self._lock:
            return [
                e.type for e in self.events if object_id is None or e.object.get("id") == object_id
            ]

    def page(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """A ``list`` object answering ``GET /v1/events`` with these query params."""
        limit = limit_of(params.get("limit"))
        with self._lock:
            events = [e for e in self.events if _matches(e, params)]
        after, before = params.get("starting_after"), params.get("ending_before")
        if after and before:
            message = "You may only specify one of these parameters: ending_before, starting_after."
            raise invalid(None, message)
        if after:  # older than the cursor, newest first
            cursor = self._sequence(after, "starting_after")
            older = [e for e in reversed(events) if e.sequence < cursor]
            window, more = older[:limit], len(older) > limit
        elif before:  # newer than the cursor: the `limit` just after it, newest first
            cursor = self._sequence(before, "ending_before")
            newer = [e for e in events if e.sequence > cursor]
            window, more = newer[:limit][::-1], len(newer) > limit
        else:
            newest = events[::-1]
            window, more = newest[:limit], len(newest) > limit
        return {
            "object": "list",
            "data": [e.to_json() for e in window],
            "has_more": more,
            "url": "/v1/events",
        }

    def _sequence(self, event_id: object, param: str) -> int:
        with self._lock:
            event = self._by_id.get(event_id) if isinstance(event_id, str) else None
        if event is None:
            raise not_found("event", str(event_id), param=param)
        return event.sequence


def _matches(event: SimEvent, params: Mapping[str, Any]) -> bool:
    return _type_matches(event.type, params) and _created_matches(event.created, params)


def _type_matches(kind: str, params: Mapping[str, Any]) -> bool:
    types = params.get("types")
    if isinstance(types, list) and kind not in types:
        return False
    wanted = params.get("type")
    if not isinstance(wanted, str) or not wanted:
        return True
    if wanted.endswith(".*"):
        return kind.startswith(wanted[:-1])
    return kind == wanted


def _created_matches(created_at: int, params: Mapping[str, Any]) -> bool:
    created = params.get("created")
    if isinstance(created, str) and created.isdigit():
        return created_at == int(created)
    if not isinstance(created, dict):
        return True
    for bound, value in created.items():
        test = _BOUNDS.get(bound)
        if test is None or not isinstance(value, str) or not value.isdigit():
            raise invalid(f"created[{bound}]", "Invalid created filter")
        if not test(created_at, int(value)):
            return False
    return True
