"""Reading the notification log from a position: what every follower does first.

The log is read in pages, only the topics a follower wants (the store filters them), and each
event comes with its aggregate folded up to and including it (``snapshot`` turns that into
whatever the follower keeps: a row, a view), so a follower never folds a whole history again:
an aggregate whose earlier events are behind the position is loaded once, at the version
before the page's first event.

A page's ``end`` is the position a follower may record once it has finished the page. When the
store returns fewer notifications than asked for, every notification up to the head read
before the query has been seen (the events table is written in commit order: eventsourcing
locks it on PostgreSQL, SQLite has one writer), so ``end`` moves to that head even if the last
of those notifications had other topics: lag then counts only what is really unread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID

from eventsourcing.application import Application

from orderstate.engine import project_order

from .histories import EventDecoder
from .unreadable import READ_ERRORS, UnreadableEvent, reason_of

__all__ = ["PAGE", "Entry", "LogReader", "Page"]

PAGE = 500
S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class Entry(Generic[S]):
    """One notification: its id, the event, and the snapshot of its aggregate after it."""

    position: int
    event: Any
    snapshot: S


@dataclass(frozen=True, slots=True)
class Page(Generic[S]):
    entries: list[Entry[S]]
    end: int
    unreadable: list[UnreadableEvent]
    """Events of the page that could not be read back (or whose aggregate's earlier events
    could not): skipped by every follower, listed by the read model."""


class LogReader(Generic[S]):
    """Pages of ``topics`` events after a position, each with its aggregate's snapshot."""

    def __init__(
        self,
        app: Application[UUID],
        topics: Sequence[str],
        snapshot: Callable[[Any], S],
        *,
        page: int = PAGE,
    ) -> None:
        self._app = app
        self._topics = tuple(topics)
        self._snapshot = snapshot
        self._page = page
        self.read = 0
        """Notifications read so far (for tests and benches: a start must not read them all)."""

    def head(self) -> int:
        return self._app.recorder.max_notification_id() or 0

    def pages(self, after: int) -> Iterator[Page[S]]:
        """Pages until the head; stops when nothing is left."""
        while True:
            head = self.head()
            if head <= after:
                return
            found = self._app.recorder.select_notifications(
                after + 1, self._page, stop=head, topics=self._topics
            )
            self.read += len(found)
            end = found[-1].id if len(found) == self._page else head
            entries, unreadable = self._fold(found)
            yield Page(entries, end, unreadable)
            after = end

    def _fold(self, found: Sequence[Any]) -> tuple[list[Entry[S]], list[UnreadableEvent]]:
        aggregates: dict[UUID, Any] = {}
        entries: list[Entry[S]] = []
        unreadable: list[UnreadableEvent] = []
        decoder = EventDecoder(self._app.mapper)  # the mapper's answers, the common ones faster
        for notification in found:
            event, bad = decoder.decode(notification)
            if bad is None:
                try:
                    aggregates[event.originator_id] = self._next(aggregates, event)
                except READ_ERRORS as error:  # an earlier event of its aggregate is unreadable
                    bad = UnreadableEvent(
                        event.originator_id,
                        event.originator_version,
                        notification.topic,
                        f"an earlier event of its aggregate cannot be read: {reason_of(error)}",
                    )
            if bad is not None:
                unreadable.append(bad)
                continue
            snapshot = self._snapshot(aggregates[event.originator_id])
            entries.append(Entry(notification.id, event, snapshot))
        return entries, unreadable

    def _next(self, aggregates: dict[UUID, Any], event: Any) -> Any:
        """The event's aggregate after it (loaded up to the version before, if not in hand)."""
        before = aggregates.get(event.originator_id)
        if before is None and event.originator_version > 1:
            before = self._app.repository.get(
                event.originator_id,
                version=event.originator_version - 1,
                projector_func=project_order,
            )
        return project_order(before, [event])
