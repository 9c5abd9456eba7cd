"""Side effects as followers of the notification log, each with a durable position.

A follower has a name and handles ``OrderUpdate``s: one per stored order event, in log order,
with the order as of that event and a stable idempotency key (``<order id>:<version>``, the
same on every delivery). ``Followers`` runs them by polling the log (SQLite has no
``subscribe()``, and polling works on every store): for each follower it reads what is after
that follower's position, calls it, and records the new position (an eventsourcing tracking
record in the same store) after each update it finished.

Delivery is at least once: a crash after the side effect and before the position is recorded
delivers that update again, with the same key, so a shop dedupes on it. A follower that
raises is retried from the same update later, with exponential backoff; its failure (count,
error, time) is recorded in the store for ``orderstate status`` and ``/healthz``; it never
fails the callback that saved the event (followers never run in the request) and never blocks
another follower (each has its own position).

The read model (``OrderProjection``) is caught up by the same runner first.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, Tracking

from orderstate.engine import Order

from .logreader import LogReader
from .readmodel import ORDER_TOPICS, READ_MODEL, OrderProjection
from .readstore import ReadStore
from .views import OrderUpdate, OrderView

__all__ = ["Backoff", "Follower", "FollowerStatus", "Followers", "ListenerFollower", "key_of"]

log = logging.getLogger(__name__)


class Follower(Protocol):
    """Anything with a durable ``name`` that handles one update at a time."""

    @property
    def name(self) -> str: ...

    def __call__(self, update: OrderUpdate) -> None: ...


@dataclass(frozen=True)
class ListenerFollower:
    """A plain function as a follower (``OrderService.subscribe``)."""

    name: str
    listener: Callable[[OrderUpdate], None]

    def __call__(self, update: OrderUpdate) -> None:
        self.listener(update)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Seconds to wait before retrying a failing follower: ``first``, doubling, at most ``most``."""

    first: float = 1.0
    most: float = 60.0

    def delay(self, failures: int) -> float:
        return float(min(self.first * 2 ** max(failures - 1, 0), self.most))


@dataclass(frozen=True, slots=True)
class FollowerStatus:
    """Where a follower stands: its position, how far behind the log's head, its last error."""

    name: str
    position: int
    head: int
    failures: int = 0
    last_error: str | None = None
    failed_at: datetime | None = None

    @property
    def lag(self) -> int:
        """Notifications in the log after this follower's position."""
        return max(self.head - self.position, 0)

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "position": self.position,
            "lag": self.lag,
            "failures": self.failures,
            "last_error": self.last_error,
            "failed_at": self.failed_at.isoformat() if self.failed_at else None,
        }


def key_of(order_id: UUID, version: int) -> str:
    """The idempotency key of one order event: the same on every delivery."""
    return f"{order_id}:{version}"


def _update(order: Order) -> OrderView:
    return OrderView.of(order)


class Followers:
    """The read model and the registered followers, run from their positions."""

    def __init__(
        self,
        app: Application[UUID],
        store: ReadStore,
        projection: OrderProjection,
        *,
        backoff: Backoff | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.projection = projection
        self.backoff = backoff or Backoff()
        self.reader: LogReader[OrderView] = LogReader(app, ORDER_TOPICS, _update)
        self._followers: dict[str, Follower] = {}
        self._retry_at: dict[str, float] = {}
        self._monotonic = monotonic
        self._lock = threading.RLock()

    @property
    def names(self) -> list[str]:
        return list(self._followers)

    def add(self, follower: Follower) -> None:
        """Register ``follower``; its name is its identity in the store (keep it stable)."""
        with self._lock:
            if follower.name in self._followers or follower.name == READ_MODEL:
                raise ValueError(f"a follower named {follower.name!r} is registered already")
            self._followers[follower.name] = follower

    def run_once(self, *, retry_failed: bool = False) -> dict[str, int]:
        """Catch the read model and every follower up with the log; returns updates handled
        per follower. A follower waiting out its backoff is skipped unless ``retry_failed``."""
        with self._lock:
            handled = {READ_MODEL: self.projection.catch_up()}
            for name, follower in self._followers.items():
                if not retry_failed and self._retry_at.get(name, 0.0) > self._monotonic():
                    continue
                handled[name] = self._catch_up(follower)
            return handled

    def run(self, stop: threading.Event, *, interval: float = 0.2) -> None:
        """Run until ``stop`` is set, polling the log every ``interval`` seconds."""
        while not stop.is_set():
            try:
                self.run_once()
            except Exception:  # the store is down: log it, keep polling (it may come back)
                log.exception("followers: a round failed; trying again")
            stop.wait(interval)

    def rewind(self, name: str, position: int) -> None:
        """Deliver again everything after ``position`` to ``name`` (a repair, or a test of
        the shop's dedupe: this is what a crash before the position was recorded does)."""
        with self._lock:
            self.store.reset(name, clear_rows=False)
            if position > 0:
                self.store.advance(Tracking(name, position))

    def status(self) -> list[FollowerStatus]:
        """The read model and each follower: position, lag, last failure; followers this
        process does not run but the store has a position or a failure for are listed too."""
        head = self.reader.head()
        failures = self.store.failures()
        positions = self.store.positions()
        others = sorted((positions.keys() | failures.keys()) - {READ_MODEL, *self._followers})
        statuses = []
        for name in [READ_MODEL, *self._followers, *others]:
            failure = failures.get(name)
            statuses.append(
                FollowerStatus(
                    name,
                    positions.get(name, 0),
                    head,
                    failure.failures if failure else 0,
                    failure.error if failure else None,
                    failure.at if failure else None,
                )
            )
        return statuses

    def _catch_up(self, follower: Follower) -> int:
        name = follower.name
        handled = 0
        position = self.store.position(name)
        try:
            for page in self.reader.pages(position):
                last = position
                for entry in page.entries:
                    event = entry.event
                    follower(
                        OrderUpdate(
                            view=entry.snapshot,
                            events=(type(event).__name__,),
                            key=key_of(event.originator_id, event.originator_version),
                            position=entry.position,
                        )
                    )
                    handled += 1
                    last = entry.position
                    self._advance(name, last)
                if page.end > last:
                    self._advance(name, page.end)
                position = page.end
        except Exception as error:  # a follower's failure is recorded, never propagated
            self._failed(name, error)
            return handled
        if handled or name in self._retry_at:  # it works (again): clear a recorded failure
            self._retry_at.pop(name, None)
            self.store.record_failure(name, None, datetime.now(UTC))
        return handled

    def _advance(self, name: str, position: int) -> None:
        try:
            self.store.advance(Tracking(name, position))
        except IntegrityError:
            # Another process is running this follower and got here first (both delivered:
            # at least once). Going on from the later of the two positions is right.
            log.info("follower %s: position %s recorded elsewhere already", name, position)

    def _failed(self, name: str, error: Exception) -> None:
        at = datetime.now(UTC)
        self.store.record_failure(name, f"{type(error).__name__}: {error}", at)
        failures = self.store.failures().get(name)
        count = failures.failures if failures else 1
        self._retry_at[name] = self._monotonic() + self.backoff.delay(count)
        log.warning("follower %s failed (%d in a row): %s; retrying later", name, count, error)
