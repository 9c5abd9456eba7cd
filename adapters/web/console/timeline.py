"""One order's stored events as a timeline: when, what, the amounts and reasons they carry,
and what caused each one (a kept callback, a merchant request, a resolution, a job).

A callback's events are saved in the same transaction as its inbox item, which keeps their
names (``CallbackApplied.events``); the timeline finds each applied callback's run of events
in the history, in the order the callbacks were applied. Internal events the engine adds on
its own inside such a run (a reminder after a capture) belong to the same callback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from orderstate.engine import LIFECYCLE, Money

__all__ = ["AppliedCallback", "Cause", "Entry", "timeline"]

_ENVELOPE = frozenset({"originator_id", "originator_version", "originator_topic", "timestamp"})
_SHOWN_APART = frozenset({"reason", "by"})
_FOLLOWING = frozenset(
    t.event
    for t in LIFECYCLE.transitions
    if t.internal and not t.event.endswith("Requested") and t.event != "RequestDeclined"
)
"""Internal events the engine adds by itself after a fact (the confirmation reminder): not
merchant requests, nor a provider's refusal of one."""


@dataclass(frozen=True)
class AppliedCallback:
    """A kept callback that was applied to the order, and the names of the events it added."""

    inbox_id: UUID
    applied_at: datetime
    events: tuple[str, ...]


@dataclass(frozen=True)
class Cause:
    """What made the event: ``callback`` (with its inbox id), ``request``, ``resolution``,
    ``placing`` or ``provider`` (an answer to a call, or a poll)."""

    kind: str
    label: str
    inbox_id: UUID | None = None


@dataclass(frozen=True)
class Entry:
    """One line of the timeline."""

    version: int
    at: datetime
    event: str
    state: str
    amounts: tuple[tuple[str, Money], ...]
    details: tuple[tuple[str, str], ...]
    reason: str | None
    by: str | None
    cause: Cause
    settles: str | None
    """The pending merchant request this event answered, if any."""


def timeline(events: Sequence[Any], callbacks: Sequence[AppliedCallback]) -> list[Entry]:
    """The entries of ``events`` (one order's history, oldest first)."""
    names = [type(event).__name__ for event in events]
    by_callback = _match_callbacks(names, callbacks)
    entries: list[Entry] = []
    order: Any = None
    for index, event in enumerate(events):
        pending = None if order is None else order.pending
        order = event.mutate(order)
        settled = pending is not None and order.pending is None
        entries.append(
            Entry(
                version=event.originator_version,
                at=event.timestamp,
                event=names[index],
                state=str(order.state),
                amounts=tuple((k, v) for k, v in _fields(event) if isinstance(v, Money)),
                details=tuple(
                    (k, str(v))
                    for k, v in _fields(event)
                    if not isinstance(v, Money) and k not in _SHOWN_APART and v is not None
                ),
                reason=getattr(event, "reason", None),
                by=getattr(event, "by", None),
                cause=by_callback.get(index) or _cause(names[index], event),
                settles=str(pending) if settled else None,
            )
        )
    return entries


def _fields(event: Any) -> list[tuple[str, Any]]:
    return sorted((k, v) for k, v in vars(event).items() if k not in _ENVELOPE)


def _cause(name: str, event: Any) -> Cause:
    if name == "OrderPlaced":
        return Cause("placing", "placed by the shop")
    if name.endswith("Requested"):
        return Cause("request", "merchant request")
    if getattr(event, "by", None):
        return Cause("resolution", f"resolved by {event.by}")
    if name == "OrderExpired":
        return Cause("job", "expiry job")
    return Cause("provider", "provider's answer or a poll")


def _match_callbacks(
    names: Sequence[str], callbacks: Sequence[AppliedCallback]
) -> dict[int, Cause]:
    """Which event (by index) each applied callback added."""
    found: dict[int, Cause] = {}
    start = 0
    for callback in sorted(callbacks, key=lambda c: c.applied_at):
        run = _find_run(names, callback.events, start, found)
        if run is None:
            continue
        cause = Cause("callback", f"callback {str(callback.inbox_id)[:8]}", callback.inbox_id)
        found.update(dict.fromkeys(run, cause))
        start = run[-1] + 1
    return found


def _find_run(
    names: Sequence[str], wanted: Sequence[str], start: int, taken: dict[int, Cause]
) -> list[int] | None:
    """The indexes of ``wanted`` in ``names`` from ``start`` on (``_run_from``)."""
    for first in range(start, len(names)):
        if wanted and names[first] == wanted[0] and first not in taken:
            run = _run_from(names, wanted, first)
            if run is not None:
                return run
    return None


def _run_from(names: Sequence[str], wanted: Sequence[str], first: int) -> list[int] | None:
    """``wanted`` from ``first`` on, consecutive but for the engine's own reminders
    (``_FOLLOWING``) in between or just after, which belong to the run."""
    run, position = [], first
    for name in wanted:
        while position < len(names) and names[position] != name:
            if names[position] not in _FOLLOWING:
                return None
            run.append(position)
            position += 1
        if position >= len(names):
            return None
        run.append(position)
        position += 1
    while position < len(names) and names[position] in _FOLLOWING:
        run.append(position)
        position += 1
    return run
