"""The callback pipeline: keep what arrived, verify and read it, bring its order up to date.

One callback is one transaction: the received bytes, what became of them (an inbox item) and
the order's new events are saved together, and only then may the caller answer 2xx. If
processing fails unexpectedly, the raw callback is still saved, unfinished, before the error
propagates (``process_inbox``, run at start-up, finishes it); a crash before any commit means
no 2xx was sent, so the provider sends it again. An item whose processing raises again when
``process_inbox`` replays it is marked failed with the error and listed (``failed``): one
poison item must never stop every start-up.

The size limit is judged here, once: a body over it is kept (its first ``limit + 1`` bytes)
and refused as too large before any provider reads it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError

from orderstate.adapters.port import CallbackRefused, Fact, FactRejected, Outcome, Provider
from orderstate.engine import Order, OrderstateError, order_id

from .headers import combined_fields
from .inbox import CONFLICT, FAILED, RECEIVED, InboxItem
from .orders import SAVE_ATTEMPTS, Orders
from .outbox import outbox_entries
from .providers import Providers
from .readmodel import OrderProjection
from .unreadable import READ_ERRORS
from .views import CallbackResult, UnknownInboxItem

__all__ = [
    "SETTLED",
    "Arrival",
    "Callbacks",
    "Decision",
    "InboxItemSettled",
    "ReadCallback",
]

log = logging.getLogger(__name__)

WAITING = (RECEIVED, Outcome.DEFERRED.value)
"""The inbox statuses ``process_inbox`` picks up."""

SETTLED = frozenset({Outcome.APPLIED, Outcome.DUPLICATE, Outcome.STALE})
"""Inbox statuses of callbacks already reflected in their order: nothing to process again."""


class InboxItemSettled(OrderstateError, ValueError):
    """The inbox item's callback is already reflected in its order; processing it again would
    change nothing."""

    def __init__(self, item_id: UUID, status: str) -> None:
        super().__init__(f"inbox item {item_id} was already {status}: nothing to process again")
        self.item_id = item_id
        self.status = status


Fetch = Callable[[], InboxItem]
"""Gives the callback's inbox item, fresh for every attempt."""

OrderOf = Callable[[UUID], Order | None]
"""Gives the order a callback names (None if it is not known here)."""


@dataclass(frozen=True, slots=True)
class Arrival:
    """One callback as it arrived: the kept bytes (at most the limit plus one), the headers,
    and the inbox id and receive time it was given then."""

    shop_id: int
    body: bytes
    headers: tuple[tuple[str, str], ...]
    received_at: datetime
    id: UUID
    provider: str | None = None

    def item(self) -> InboxItem:
        """A fresh inbox item for it, only received (one per attempt to process it)."""
        return InboxItem.receive(
            shop_id=self.shop_id,
            body=self.body,
            headers=list(self.headers),
            received_at=self.received_at,
            id=self.id,
        )


@dataclass(frozen=True, slots=True)
class Decision:
    """What processing one callback decided, not yet saved: its inbox item (marked), the
    result to answer with, and the order it changed (None: the item is saved alone)."""

    item: InboxItem
    result: CallbackResult
    order: Order | None


@dataclass(frozen=True, slots=True)
class ReadCallback:
    """A callback verified and read, not yet applied: its inbox item, provider and fact, and
    the id of the order it names."""

    item: InboxItem
    provider: Provider
    fact: Fact
    order_id: UUID


class Callbacks:
    """Handling callbacks, now (``handle``) or after a restart (``process_inbox``)."""

    def __init__(
        self,
        orders: Orders,
        providers: Providers,
        projection: OrderProjection,
        *,
        clock: Callable[[], datetime],
        body_limit: int,
    ) -> None:
        self.orders = orders
        self.providers = providers
        self.projection = projection
        self.clock = clock
        self.body_limit = body_limit

    def handle(
        self,
        shop_id: int,
        body: bytes,
        headers: Sequence[tuple[str, str]],
        *,
        provider: str | None = None,
    ) -> CallbackResult:
        """Keep the raw callback, verify, read and apply it: one transaction.

        ``provider`` is the provider the callback was addressed to (its URL); it must be the
        shop's. ``headers`` are as received (names in any case).
        """
        return self.handle_arrival(self.arrive(shop_id, body, headers, provider=provider))

    def arrive(
        self,
        shop_id: int,
        body: bytes,
        headers: Sequence[tuple[str, str]],
        *,
        provider: str | None = None,
    ) -> Arrival:
        """What arrived, stamped now: its inbox id and receive time are fixed here, however
        (and however often, after a failed batch) it is processed."""
        return Arrival(
            shop_id, body[: self.body_limit + 1], tuple(headers), self.clock(), uuid4(), provider
        )

    def handle_arrival(self, arrival: Arrival) -> CallbackResult:
        """``handle`` for a callback already stamped (``arrive``): on its own, one transaction."""
        try:
            return self._process(arrival.item, arrival.body, addressed_to=arrival.provider)
        except BaseException:
            self._save_quietly(arrival.item())  # keep what arrived; the error still propagates
            raise

    def decide(self, arrival: Arrival, order_of: OrderOf) -> Decision:
        """Verify, read and apply one callback without saving anything: its inbox item says
        what became of it, and the order it changed (``order_of`` gives it, loaded or as
        earlier callbacks of the same batch left it) holds the new events. Group commit
        saves many decisions in one transaction."""
        read = self.read(arrival)
        if isinstance(read, Decision):
            return read
        return self.apply_read(read, order_of(read.order_id))

    def read(self, arrival: Arrival) -> Decision | ReadCallback:
        """Verify and read one callback, nothing loaded or saved: the order it names, or (it
        was refused) its decision. Group commit reads a whole batch first, to load all the
        orders it names at once; ``apply_read`` then decides each, in arrival order."""
        item = arrival.item()
        read = self._read(item, arrival.body, arrival.provider)
        if isinstance(read, CallbackResult):
            return Decision(item, read, None)
        provider, fact = read
        return ReadCallback(item, provider, fact, order_id(fact.shop_id, fact.order_number))

    def apply_read(self, read: ReadCallback, order: Order | None) -> Decision:
        """``decide``'s second half: bring ``order`` (the one ``read`` names, loaded or as
        earlier callbacks of the batch left it) up to date; nothing saved."""
        return self._decide(read.item, read.provider, read.fact, order, read.order_id)

    def process_inbox(self, *, order_id: UUID | None = None) -> list[CallbackResult]:
        """Finish callbacks left unfinished (a crash) or waiting for their order; with
        ``order_id``, only the callbacks deferred for that order."""
        self.projection.catch_up()
        results = []
        for known in self.projection.store.inbox(WAITING, order_id=order_id):
            try:
                item = self._load_item(known.id)
            except READ_ERRORS:  # listed by the read model as unreadable; serve the rest
                log.error("inbox item %s has an event that cannot be read; skipped", known.id)
                continue
            if item.finished:
                continue
            if item.deferred_for is not None and self.orders.get(item.deferred_for) is None:
                continue
            results.append(self._replay(item))
        return results

    def reprocess(self, item_id: UUID) -> CallbackResult:
        """Run one kept callback through the pipeline again, as it arrived (its bytes, headers
        and receive time): a rejected one after its cause was fixed (a secret, a shop's
        provider), a deferred one now. Items already applied are refused (``InboxItemSettled``).
        """
        try:
            item = self.orders.load(item_id)
        except AggregateNotFoundError:
            raise UnknownInboxItem(item_id) from None
        if not isinstance(item, InboxItem):
            raise UnknownInboxItem(item_id)
        if item.status in SETTLED:
            raise InboxItemSettled(item_id, item.status)
        return self._process(partial(self._load_item, item.id), item.body)

    def rejected(self) -> list[InboxItem]:
        """Callbacks that were kept but not applied, with their reasons."""
        self.projection.catch_up()
        rows = self.projection.store.inbox((Outcome.REJECTED.value,))
        return [self._load_item(row.id) for row in rows]

    def failed(self) -> list[InboxItem]:
        """Callbacks whose processing raised when replayed, with the error: for a person."""
        self.projection.catch_up()
        return [self._load_item(row.id) for row in self.projection.store.inbox((FAILED,))]

    def _replay(self, item: InboxItem) -> CallbackResult:
        """Process a stored item again; if that raises, mark it failed (never raise): an
        unreachable store is the exception, since nothing could be recorded then."""
        try:
            return self._process(partial(self._load_item, item.id), item.body)
        except (OperationalError, InterfaceError):
            raise
        except Exception as error:  # whatever the item does, start-up must go on
            reason = f"{type(error).__name__}: {error}".encode("utf-8", "backslashreplace")
            log.exception("inbox item %s failed when replayed; marked failed", item.id)
            fresh = self._load_item(item.id)
            if not fresh.finished:
                fresh.failed(reason.decode("utf-8"))
                self._save_quietly(fresh)
            return CallbackResult(fresh.outcome, fresh.id, reason=fresh.reason)

    # -- the steps ----------------------------------------------------------------------------

    def _process(
        self, fetch: Fetch, body: bytes, *, addressed_to: str | None = None
    ) -> CallbackResult:
        item = fetch()
        read = self._read(item, body, addressed_to)
        if isinstance(read, CallbackResult):
            self._save_quietly(item)
            return read
        provider, fact = read
        return self._apply(fetch, item, provider, fact)

    def _read(
        self, item: InboxItem, body: bytes, addressed_to: str | None
    ) -> tuple[Provider, Fact] | CallbackResult:
        """The callback's provider and fact; or, refused, the item marked rejected and the
        result that says why (nothing saved here)."""
        provider = self.providers.for_shop(item.shop_id)
        try:
            if len(body) > self.body_limit:
                reason = f"callback field 'body': {len(body)} bytes is over the "
                raise CallbackRefused(Outcome.TOO_LARGE, f"{reason}{self.body_limit}-byte limit")
            if addressed_to not in (None, provider.name):
                reason = f"shop {item.shop_id} is a {provider.name} shop, not {addressed_to}"
                raise CallbackRefused(Outcome.UNAUTHENTICATED, reason)
            fact = provider.read_callback(
                body,
                combined_fields(item.headers_pairs()),
                shop_id=item.shop_id,
                shop=self.providers.shop(item.shop_id),
                received_at=item.received_at,
            )
        except CallbackRefused as refusal:
            item.rejected(refusal.outcome.value, refusal.reason)
            return CallbackResult(refusal.outcome, item.id, reason=refusal.reason)
        return provider, fact

    def _decide(
        self, item: InboxItem, provider: Provider, fact: Fact, order: Order | None, oid: UUID
    ) -> Decision:
        """Bring ``order`` (id ``oid``: the caller worked it out, a uuid5 is not free) up to
        date with ``fact`` and mark ``item``; nothing saved here."""
        if order is None:
            item.deferred(oid, "order not known yet")
            return Decision(item, _result(item, fact), None)
        before = len(order.pending_events)  # in a batch, earlier callbacks' events are there
        try:
            with self.orders.stamping():
                update = provider.bring_up_to_date(order, fact)
        except FactRejected as error:  # the order is unchanged
            item.rejected(CONFLICT, error.reason)
            return Decision(item, _result(item, fact), None)
        item.applied(update.outcome.value, oid, list(update.events))
        appended = tuple(type(event).__name__ for event in order.pending_events[before:])
        result = CallbackResult(
            update.outcome,
            item.id,
            update.events,
            order_number=fact.order_number,
            outbox=outbox_entries(appended),
        )
        return Decision(item, result, order)

    def _apply(
        self, fetch: Fetch, item: InboxItem, provider: Provider, fact: Fact
    ) -> CallbackResult:
        oid = order_id(fact.shop_id, fact.order_number)
        for attempt in range(SAVE_ATTEMPTS):
            if attempt:
                item = fetch()
                if item.finished:  # another worker finished it while we were racing
                    return _result(item, fact)
            decision = self._decide(item, provider, fact, self.orders.get(oid), oid)
            if decision.order is None:  # deferred or rejected: the item alone
                self._save_quietly(item)
                return decision.result
            try:
                self.orders.save(decision.order, item)
            except IntegrityError:
                continue  # the order moved under us: load it again and re-apply
            return decision.result
        raise RuntimeError(f"callback {item.id}: gave up after {SAVE_ATTEMPTS} conflicts")

    def _save_quietly(self, item: InboxItem) -> None:
        """Save an inbox item's outcome; another worker finishing it first is fine."""
        try:
            self.orders.save(item)
        except IntegrityError:
            log.info("inbox item %s was finished by another worker", item.id)

    def _load_item(self, item_id: UUID) -> InboxItem:
        loaded: InboxItem = self.orders.load(item_id)
        return loaded


def _result(item: InboxItem, fact: Fact) -> CallbackResult:
    return CallbackResult(item.outcome, item.id, reason=item.reason, order_number=fact.order_number)
