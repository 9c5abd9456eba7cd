"""The callback inbox: every received callback, kept as an event-sourced item in the same store.

A callback's raw body, headers and receive time are saved in the same transaction as what
became of it (applied, duplicate, stale, rejected with a reason, deferred until its order
appears, or failed: its processing raised when replayed, so a person must look) and as the
order's new events, before the HTTP answer says 2xx: nothing acknowledged is lost, and nothing
is applied twice. If processing fails unexpectedly, the raw callback is
saved on its own, unfinished; ``OrderService.process_inbox`` (run at start-up) finishes such
items and the deferred ones whose order now exists.

The body is stored as base64 text (``body_b64``); that is the stored shape since 0.1.0, and
stored events are forever. The pipeline reads the bytes it received, not this copy.
"""

from __future__ import annotations

import base64
import sys
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate
from eventsourcing.utils import register_topic

from orderstate.adapters.port import Outcome

__all__ = [
    "CONFLICT",
    "FAILED",
    "MOVED_FROM",
    "RECEIVED",
    "InboxItem",
    "register_moved_topics",
]

RECEIVED = "received"
"""The status of an item saved before anything became of it (a crash, or an unexpected error)."""

FAILED = Outcome.FAILED.value
"""The status of an item whose processing raised when replayed: finished, listed, never retried
(one poison item must not stop every start-up)."""

CONFLICT = "conflict"
"""The rejection kind of a callback whose snapshot contradicts its order."""


class InboxItem(Aggregate):
    """One received callback and what became of it."""

    class CallbackReceived(Aggregate.Created):
        shop_id: int
        body_b64: str
        headers: list[list[str]]
        received_at: datetime
        size: int

    class Event(Aggregate.Event):
        pass

    class CallbackApplied(Event):
        """Applied to its order (``outcome`` applied, duplicate or stale)."""

        outcome: str
        order_id: UUID
        events: list[str]

        def apply(self, aggregate: Any) -> None:
            aggregate.status = self.outcome
            aggregate.order_id = self.order_id
            aggregate.reason = None

    class CallbackRejected(Event):
        """Not applied: bad signature, malformed body, or a contradicting snapshot."""

        kind: str
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.status = Outcome.REJECTED
            aggregate.kind = self.kind
            aggregate.reason = self.reason

    class CallbackDeferred(Event):
        """Verified and readable, but its order is not known here yet."""

        order_id: UUID
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.status = Outcome.DEFERRED
            aggregate.order_id = self.order_id
            aggregate.reason = self.reason

    class CallbackFailed(Event):
        """Processing it raised when it was replayed: kept with the error, never retried."""

        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.status = FAILED
            aggregate.reason = self.reason

    def __init__(
        self,
        shop_id: int,
        body_b64: str,
        headers: list[list[str]],
        received_at: datetime,
        size: int,
    ) -> None:
        self.shop_id = shop_id
        self.body_b64 = body_b64
        self.headers = headers
        self.received_at = received_at
        self.size = size
        self.status: str = RECEIVED
        self.kind: str | None = None
        self.reason: str | None = None
        self.order_id: UUID | None = None

    @classmethod
    def receive(
        cls,
        *,
        shop_id: int,
        body: bytes,
        headers: list[tuple[str, str]],
        received_at: datetime,
        id: UUID | None = None,
    ) -> InboxItem:
        return cls._create(
            cls.CallbackReceived,
            id=id or uuid4(),
            shop_id=shop_id,
            body_b64=base64.b64encode(body).decode("ascii"),
            headers=[[name.lower(), value] for name, value in headers],
            received_at=received_at,
            size=len(body),
        )

    @property
    def body(self) -> bytes:
        return base64.b64decode(self.body_b64)

    def headers_pairs(self) -> list[tuple[str, str]]:
        return [(name, value) for name, value in self.headers]

    @property
    def finished(self) -> bool:
        """Never processed again: neither just received nor deferred."""
        return self.status not in (RECEIVED, Outcome.DEFERRED)

    @property
    def deferred_for(self) -> UUID | None:
        """The order a deferred callback waits for."""
        return self.order_id if self.status == Outcome.DEFERRED else None

    @property
    def outcome(self) -> Outcome:
        """What became of the callback (for a rejection, why: a refusal or a conflict)."""
        if self.status == Outcome.REJECTED and self.kind not in (None, CONFLICT):
            return Outcome(self.kind)
        return Outcome(self.status)

    def applied(self, outcome: str, order_id: UUID, events: list[str]) -> None:
        self.trigger_event(self.CallbackApplied, outcome=outcome, order_id=order_id, events=events)

    def rejected(self, kind: str, reason: str) -> None:
        self.trigger_event(self.CallbackRejected, kind=kind, reason=reason)

    def deferred(self, order_id: UUID, reason: str) -> None:
        self.trigger_event(self.CallbackDeferred, order_id=order_id, reason=reason)

    def failed(self, reason: str) -> None:
        self.trigger_event(self.CallbackFailed, reason=reason)


MOVED_FROM = "orderstate.adapters.inbox"
"""Where the inbox's event classes lived in 0.1.0: their stored topics still name it."""


def register_moved_topics() -> None:
    """Resolve the topics stored by 0.1.0 to this module (stored events are forever).

    Called at import and by every ``OrderService``, since eventsourcing's topic cache can be
    cleared after import (its ``clear_topic_cache``)."""
    register_topic(MOVED_FROM, sys.modules[__name__])


register_moved_topics()
