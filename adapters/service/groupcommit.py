"""Group commit: concurrent callbacks saved together, each answered once its transaction commits.

One fsync'd commit per callback caps ingest at the disk's commit rate (and, on PostgreSQL,
every commit queues behind eventsourcing's ``LOCK TABLE ... IN EXCLUSIVE MODE``). A
``GroupCommit`` is the front door for callbacks that arrive concurrently (the webhook app's
requests in flight, ``orderstate ingest`` of a file): ``submit`` is thread-safe and returns a
``Future``; one writer thread takes the callbacks waiting, in arrival order, decides each
(verify, read, bring its order up to date: ``Callbacks.decide``) and saves every inbox item,
outcome and order event of the batch in **one** ``Application.save``. Only then are the
futures resolved, so a 2xx still means "stored": the durability contract is the one of
``handle_callback``, with fewer commits.

- **Bounded**: a batch holds at most ``max_batch`` callbacks, and the oldest waits at most
  ``max_wait`` seconds for company before its batch is taken, less when arrivals pause (a
  quarter of ``max_wait`` without one); callbacks that queue while a batch commits are taken
  at once. Batches are taken first come, first served: no callback waits behind later ones.
- **Arrival order**: two callbacks for one order in one batch are applied one after the other
  to the same loaded order, so the second sees the first's events (and a copy of it is a
  duplicate).
- **Orders stay loaded between batches**: the orders of a committed batch (at most
  ``CACHED_ORDERS``) are decided on again by later batches without a read, as long as nobody
  else has written to the store since: the log's head is read once per batch, and kept orders
  are dropped when it is not where this writer's last commit left it, or when another writer's
  events landed between that read and the commit (the batch's notification ids are not right
  after it). A write racing a decision is then a version conflict or ordered before it.
- **One bad callback never costs the others**: a version conflict (another process saved an
  order of the batch first) decides the batch again on fresh orders, a bounded number of
  times; anything else that goes wrong in deciding or saving a batch (a callback whose
  processing raises, an event the store refuses) sends the batch through ``handle_callback``'s
  path one callback at a time, in arrival order, so each gets its own answer: the others are
  saved, and the bad one's raw callback is kept before its error is raised to its caller. When
  the store itself cannot be reached (``OperationalError``, ``InterfaceError``) every callback of
  the batch gets that error (the web app answers 503; the provider sends them again).

The writer thread starts with the first callback and ends after a second with none, so a
``GroupCommit`` nobody closes holds no thread; ``close`` finishes what was submitted.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Final, Self
from uuid import UUID

from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError

from orderstate.engine import Order

from .batchload import BatchLoader
from .callbacks import Arrival, Callbacks, Decision, ReadCallback
from .orders import Orders
from .views import CallbackResult

__all__ = [
    "DEFAULT_MAX_BATCH",
    "DEFAULT_MAX_WAIT",
    "Batching",
    "GroupCommit",
    "GroupCommitClosed",
    "GroupCommitStats",
    "aggregates_of",
]

log = logging.getLogger(__name__)

DEFAULT_MAX_BATCH: Final = 64
"""Callbacks in one transaction at most."""

DEFAULT_MAX_WAIT: Final = 0.002
"""Seconds the oldest waiting callback waits for others before its batch is taken."""

BATCH_ATTEMPTS: Final = 3
"""Times a batch is decided again after a version conflict, before going one by one."""

QUIET_SHARE: Final = 0.25
"""A batch is taken early once no callback has arrived for this share of ``max_wait``: the
callbacks in flight have all come, and waiting longer only adds latency."""

CACHED_ORDERS: Final = 4096
"""Orders kept loaded between batches at most (the least recently used go first)."""

IDLE_SECONDS: Final = 1.0
"""The writer thread ends after this long with nothing to do (the next submit starts one)."""

UNAVAILABLE = (OperationalError, InterfaceError)
"""The store could not be reached: no callback of the batch could have been saved alone."""


@dataclass(frozen=True)
class Batching:
    """How callbacks are grouped: at most ``max_batch`` per transaction, and the oldest waits
    at most ``max_wait`` seconds for others."""

    max_batch: int = DEFAULT_MAX_BATCH
    max_wait: float = DEFAULT_MAX_WAIT

    def __post_init__(self) -> None:
        if isinstance(self.max_batch, bool) or not isinstance(self.max_batch, int):
            raise TypeError(f"max_batch is a whole number, not {self.max_batch!r}")
        if not 1 <= self.max_batch <= 10_000:
            raise ValueError(f"max_batch is between 1 and 10000, not {self.max_batch}")
        if not 0 <= self.max_wait <= 1:
            raise ValueError(f"max_wait is between 0 and 1 second, not {self.max_wait!r}")


@dataclass
class GroupCommitStats:
    """What a ``GroupCommit`` did so far: callbacks, transactions, the largest batch, and how
    often a batch was decided again (conflict) or went one by one (a failure in it)."""

    callbacks: int = 0
    batches: int = 0
    largest: int = 0
    retried: int = 0
    one_by_one: int = 0
    reused: int = 0
    """Orders decided on without a read, kept loaded from an earlier batch."""

    @property
    def mean_batch(self) -> float:
        return self.callbacks / self.batches if self.batches else 0.0


class GroupCommitClosed(RuntimeError):
    """``submit`` after ``close``: the callback was not taken (answer 503; it is sent again)."""


@dataclass(eq=False)
class _Waiting:
    arrival: Arrival
    future: Future[CallbackResult] = field(default_factory=Future)
    queued_at: float = field(default_factory=time.monotonic)


class GroupCommit:
    """Thread-safe front door that saves concurrent callbacks in shared transactions."""

    def __init__(
        self,
        callbacks: Callbacks,
        orders: Orders,
        batching: Batching | None = None,
        *,
        name: str = "orderstate-group-commit",
    ) -> None:
        self.callbacks = callbacks
        self.orders = orders
        self.loader = BatchLoader(orders)
        self.batching = batching or Batching()
        self.name = name
        self.stats = GroupCommitStats()
        self._queue: deque[_Waiting] = deque()
        self._condition = threading.Condition()
        self._writer: threading.Thread | None = None
        self._closed = False
        self._kept: OrderedDict[UUID, Order] = OrderedDict()  # as this writer committed them
        self._head: int | None = None  # the log's head after this writer's last commit
        self._checked = 0  # the log's head when the current batch began

    # -- the front door -----------------------------------------------------------------------

    def submit(
        self,
        shop_id: int,
        body: bytes,
        headers: Sequence[tuple[str, str]],
        *,
        provider: str | None = None,
    ) -> Future[CallbackResult]:
        """Queue one callback (as ``OrderService.handle_callback`` takes it); the future gives
        its result once the transaction holding it has committed, or the error it raised."""
        waiting = _Waiting(self.callbacks.arrive(shop_id, body, headers, provider=provider))
        with self._condition:
            if self._closed:
                raise GroupCommitClosed("this group commit is closed: it takes no more callbacks")
            self._queue.append(waiting)
            if self._writer is None:
                self._writer = threading.Thread(target=self._write, name=self.name, daemon=True)
                self._writer.start()
            elif len(self._queue) in (1, self.batching.max_batch):
                self._condition.notify()
        return waiting.future

    def handle(
        self,
        shop_id: int,
        body: bytes,
        headers: Sequence[tuple[str, str]],
        *,
        provider: str | None = None,
    ) -> CallbackResult:
        """``submit`` and wait: for a caller that is one of many threads."""
        return self.submit(shop_id, body, headers, provider=provider).result()

    def close(self, timeout: float | None = None) -> None:
        """Take no more callbacks; finish those submitted (within ``timeout`` seconds)."""
        with self._condition:
            self._closed = True
            writer = self._writer
            self._condition.notify()
        if writer is not None and writer is not threading.current_thread():
            writer.join(timeout)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the writer thread --------------------------------------------------------------------

    def _write(self) -> None:
        try:
            while (batch := self._next_batch()) is not None:
                try:
                    self._commit(batch)
                except BaseException as error:  # never leave a caller waiting forever
                    log.exception("group commit: a batch of %d failed unexpectedly", len(batch))
                    for waiting in batch:
                        _settle(waiting.future, error=error)
                    if not isinstance(error, Exception):
                        raise
        finally:
            with self._condition:  # ended abnormally: the next submit starts another writer
                if self._writer is threading.current_thread():
                    self._writer = None

    def _next_batch(self) -> list[_Waiting] | None:
        """The next batch, first come first served; None when the writer should end."""
        limit, wait = self.batching.max_batch, self.batching.max_wait
        with self._condition:
            idle_until = time.monotonic() + IDLE_SECONDS
            while not self._queue:
                remaining = idle_until - time.monotonic()
                if self._closed or remaining <= 0:
                    self._writer = None
                    return None
                self._condition.wait(remaining)
            take_at = self._queue[0].queued_at + wait
            while len(self._queue) < limit and not self._closed:
                now = time.monotonic()
                quiet_at = self._queue[-1].queued_at + wait * QUIET_SHARE
                if now >= take_at or now >= quiet_at:
                    break
                self._condition.wait(min(take_at, quiet_at) - now)
            return [self._queue.popleft() for _ in range(min(limit, len(self._queue)))]

    def _commit(self, batch: list[_Waiting]) -> None:
        """Decide and save the batch in one transaction; resolve every future."""
        for waiting in batch:
            waiting.future.set_running_or_notify_cancel()  # False if cancelled: still stored
        self.stats.callbacks += len(batch)
        for attempt in range(BATCH_ATTEMPTS):
            if attempt:
                self.stats.retried += 1
            try:
                decisions, loaded = self._decide(batch)
            except Exception:
                log.warning("group commit: a callback failed in a batch of %d", len(batch))
                break
            try:
                saved = self.orders.save(*aggregates_of(decisions))
            except IntegrityError:
                continue  # an order moved under us (another process): decide again
            except UNAVAILABLE as error:
                self._unavailable(batch, error)
                return
            except Exception:
                log.warning("group commit: the store refused a batch of %d", len(batch))
                break
            self._keep(loaded, saved)
            self._saved(len(batch))
            for waiting, decision in zip(batch, decisions, strict=True):
                _settle(waiting.future, result=decision.result)
            return
        self._one_by_one(batch)

    def _decide(self, batch: list[_Waiting]) -> tuple[list[Decision], dict[UUID, Order | None]]:
        """Every callback of the batch, in arrival order, each order loaded once (or kept
        from an earlier batch); the decisions and the orders they were decided on.

        The callbacks are read first, then the orders they name that are not kept are loaded
        together, in the same read as the log's head (``BatchLoader``), then each callback is
        applied in arrival order."""
        reads = [self.callbacks.read(w.arrival) for w in batch]
        wanted = list(dict.fromkeys(r.order_id for r in reads if isinstance(r, ReadCallback)))
        with self.loader.read() as read:
            kept = self._still_kept(read.head)
            loaded: dict[UUID, Order | None] = {}
            for oid in wanted:
                order = kept.pop(oid, None)
                if order is not None:
                    self.stats.reused += 1
                    loaded[oid] = order
            read.load([oid for oid in wanted if oid not in loaded])
        loaded.update(read.loaded)
        decisions = [
            r if isinstance(r, Decision) else self.callbacks.apply_read(r, loaded[r.order_id])
            for r in reads
        ]
        return decisions, loaded

    def _still_kept(self, head: int | None) -> OrderedDict[UUID, Order]:
        """The orders kept from earlier batches, if nothing was written since the last of
        them committed (the log's ``head`` is where it left it); else none (they may be
        stale). Taken out while a batch uses them."""
        self._checked = head or 0
        if self._checked != self._head:
            self._kept.clear()
        return self._kept

    def _keep(self, loaded: dict[UUID, Order | None], saved: list[int]) -> None:
        """Keep the orders a batch just committed (or found unchanged), most recent last; or
        none, if another writer's events landed between the batch's read of the log's head
        and its commit (then any of them may be stale)."""
        alone = bool(saved) and saved == list(range(saved[0], saved[0] + len(saved)))
        if not alone or saved[0] != self._checked + 1:
            self._kept.clear()
            self._head = None
            return
        for oid, order in loaded.items():
            if order is not None:
                self._kept[oid] = order
                self._kept.move_to_end(oid)
        while len(self._kept) > CACHED_ORDERS:
            self._kept.popitem(last=False)
        self._head = saved[-1]

    def _one_by_one(self, batch: list[_Waiting]) -> None:
        """Each callback in its own transaction (``handle_callback``'s path), in arrival order."""
        self.stats.one_by_one += 1
        self._kept.clear()  # orders of a failed batch may hold events never saved
        for waiting in batch:
            try:
                result = self.callbacks.handle_arrival(waiting.arrival)
            except Exception as error:
                _settle(waiting.future, error=error)
            else:
                self._saved(1)
                _settle(waiting.future, result=result)

    def _unavailable(self, batch: list[_Waiting], error: Exception) -> None:
        """The store could not take the batch: try to keep the raw callbacks (together), and
        give every caller the error."""
        log.error("group commit: the store could not take a batch of %d: %s", len(batch), error)
        self._kept.clear()
        try:
            self.orders.save(*(waiting.arrival.item() for waiting in batch))
        except Exception as again:
            log.error("group commit: the raw callbacks could not be kept either: %s", again)
        for waiting in batch:
            _settle(waiting.future, error=error)

    def _saved(self, count: int) -> None:
        self.stats.batches += 1
        self.stats.largest = max(self.stats.largest, count)


def aggregates_of(decisions: list[Decision]) -> list[Any]:
    """What one transaction saves: every inbox item, and each changed order once (all its
    new events, in the order the batch appended them)."""
    saved: list[Any] = []
    seen: set[UUID] = set()
    for decision in decisions:
        saved.append(decision.item)
        order = decision.order
        if order is not None and order.id not in seen:
            seen.add(order.id)
            saved.append(order)
    return saved


def _settle(
    future: Future[CallbackResult],
    *,
    result: CallbackResult | None = None,
    error: BaseException | None = None,
) -> None:
    """Resolve a future once; one whose caller went away (cancelled) is left as it is."""
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    elif result is not None:
        future.set_result(result)
