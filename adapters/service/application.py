"""The order service: the use cases a shop back end needs, on one eventsourcing Application.

It places orders with the provider, handles callbacks through the inbox, records merchant
requests, reconciles by polling, expires orders past their deadline, audits replay, and serves
the read side. It knows providers only through the port (``orderstate.adapters.port``): which
ones there are is the composition root's business (``orderstate.adapters.bootstrap``). The
store is one setting (``memory``, a SQLite path, or a PostgreSQL URL).

The use cases live in their own modules (``placing``, ``callbacks``, ``requests``, ``jobs``,
``audit``); this class assembles them on the application's store and is their one face.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.domain import BaseAggregate, DomainEventProtocol, MutableOrImmutableAggregate
from eventsourcing.persistence import ApplicationRecorder, JSONTranscoder, Recording

from orderstate.adapters.port import (
    DEFAULT_BODY_LIMIT,
    Customer,
    Fact,
    Operation,
    Outcome,
    PaymentOption,
    Provider,
    Shop,
)
from orderstate.adapters.store import (
    register_transcodings,
    store_env,
    transcoder_env,
    with_ddl_retry,
)
from orderstate.engine import Money, order_id
from orderstate.engine.order import Resolution

from . import audit, decisions
from .callbacks import SETTLED, Callbacks
from .customers import CheckoutChoice
from .followers import Backoff, Follower, Followers, FollowerStatus, ListenerFollower
from .groupcommit import Batching, GroupCommit
from .inbox import InboxItem, register_moved_topics
from .jobs import ExpiryStatus, Jobs
from .orders import Orders
from .outbox import ConfirmationEmails, Mailer, RecordingMailer
from .placing import Placing
from .polling import CLEARING_DUE, DEFAULT_LIMIT
from .providers import Providers
from .readmodel import INBOX_TOPICS, OrderProjection, StateTotal
from .readstore import OrderPage, OrderQuery, read_store_for
from .requests import Requests
from .unreadable import READ_ERRORS, UnreadableEvent
from .views import CallbackResult, Listener, OrderView, ReplayReport, UnknownOrder

__all__ = ["OrderService"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class OrderService(Application[UUID]):
    """Orders, callbacks and reconciliation on one event store."""

    name = "orderstate"

    def __init__(
        self,
        *,
        providers: Iterable[Provider],
        store: str = "memory",
        shops: Mapping[int, Shop] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        expiry_status: ExpiryStatus = "cancelled",
        body_limit: int = DEFAULT_BODY_LIMIT,
        mailer: Mailer | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        register_moved_topics()
        super().__init__(env={**store_env(store), **transcoder_env()})
        self.providers = Providers(providers, shops or {})
        self.clock = clock
        self.body_limit = body_limit
        self.orders = Orders(self, clock)
        self.read_store = with_ddl_retry(lambda: read_store_for(self.factory))
        self.projection = OrderProjection(self, self.read_store)
        self.followers = Followers(
            self, self.read_store, self.projection, backoff=backoff or Backoff()
        )
        self.mailer: Mailer = mailer if mailer is not None else RecordingMailer()
        self.followers.add(ConfirmationEmails(self.mailer))
        self.callbacks = Callbacks(
            self.orders, self.providers, self.projection, clock=clock, body_limit=body_limit
        )
        self.placing = Placing(self.orders, self.providers, self.callbacks)
        self.requests = Requests(self.orders, self.providers)
        self.jobs = Jobs(
            self.orders,
            self.providers,
            self.projection,
            self.placing,
            clock=clock,
            expiry_status=expiry_status,
        )
        self._group_commits: list[GroupCommit] = []

    def construct_recorder(self) -> ApplicationRecorder:
        """eventsourcing's recorder, its start-up DDL retried when workers race on it."""
        return with_ddl_retry(super().construct_recorder)

    def save(
        self,
        *objs: MutableOrImmutableAggregate[UUID] | DomainEventProtocol[UUID] | None,
        **kwargs: Any,
    ) -> list[Recording[UUID]]:
        """``Application.save``, with aggregates collected without its two ``isinstance``
        checks against runtime-checkable Protocols: on Python 3.11 each walks the Protocol's
        attributes, ~15 us an object, ~10 % of a group-committed callback's CPU. Anything that
        is not an aggregate still goes through eventsourcing's own ``collect_events``."""
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for obj in objs:
            if isinstance(obj, BaseAggregate):  # a concrete class: a fast check
                processing_event.events.extend(obj.collect_events())
                processing_event.aggregates[obj.id] = obj
            elif obj is not None:
                processing_event.collect_events(obj)
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)  # deprecated in eventsourcing, still called by it
        return recordings

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        register_transcodings(transcoder)  # eventsourcing's own (UUID, datetime, ...) and Money

    def close(self) -> None:
        """Finish what group commits hold; close the store and the providers' connections."""
        for front_door in self._group_commits:
            front_door.close()
        super().close()
        self.providers.close()

    # -- followers of the log -----------------------------------------------------------------

    def subscribe(self, listener: Listener, *, name: str | None = None) -> Follower:
        """Make ``listener`` a follower of the log: it gets an ``OrderUpdate`` for every stored
        order event, in order, at least once, when the followers run (``work``, ``orderstate
        work``, or the thread ``orderstate serve`` starts), never inside the request that
        saved the event. ``name`` (default: the listener's module and qualified name) is its
        durable identity: its position is kept under it, so keep it stable across restarts.
        Dedupe on ``update.key``; raise to have the update delivered again later.
        """
        if name is None:
            module = getattr(listener, "__module__", None) or type(listener).__module__
            name = f"{module}.{getattr(listener, '__qualname__', type(listener).__qualname__)}"
        follower = ListenerFollower(name, listener)
        self.followers.add(follower)
        return follower

    def add_follower(self, follower: Follower) -> None:
        """Register a follower object (anything with ``name`` that takes an ``OrderUpdate``)."""
        self.followers.add(follower)

    def work(self, *, retry_failed: bool = False) -> dict[str, int]:
        """Catch the read model and every follower up with the log, once; returns how many
        updates each handled. A failing follower is recorded and skipped, never raised."""
        return self.followers.run_once(retry_failed=retry_failed)

    def follower_status(self) -> list[FollowerStatus]:
        """Each follower's position, lag behind the log, and last failure."""
        return self.followers.status()

    # -- placing and requests -----------------------------------------------------------------

    def place(
        self,
        *,
        shop_id: int,
        order_number: str,
        amount: Money,
        auto_capture: bool = True,
        time_limit: datetime | None = None,
        customer: Customer | None = None,
        payment_method: str | None = None,
        success_url: str | None = None,
        failure_url: str | None = None,
    ) -> OrderView:
        """Record the order, create it at the provider, record the payment link (``placing``).

        ``payment_method`` is the code of one of ``payment_options(shop_id)`` (None: the
        customer chooses on the payment page); ``success_url`` / ``failure_url`` are where the
        payment page sends the customer back."""
        return self.placing.place(
            shop_id=shop_id,
            order_number=order_number,
            amount=amount,
            auto_capture=auto_capture,
            time_limit=time_limit,
            customer=customer,
            choice=CheckoutChoice(payment_method, success_url, failure_url),
        )

    def payment_options(self, shop_id: int) -> tuple[PaymentOption, ...]:
        """The payment methods the shop's provider offers (their codes go to ``place``)."""
        return self.providers.for_shop(shop_id).payment_options(shop_id)

    def request(
        self,
        operation: Operation,
        shop_id: int,
        order_number: str,
        amount: Money | str | None = None,
    ) -> OrderView:
        """Record a merchant request and send it to the provider (``requests``)."""
        return self.requests.request(operation, shop_id, order_number, amount)

    def resolve(
        self,
        shop_id: int,
        order_number: str,
        resolution: Resolution,
        captured: Money | str | None = None,
        *,
        by: str | None = None,
        reason: str | None = None,
    ) -> OrderView:
        """Record the merchant's resolution of an amount mismatch, with who (``by``) resolved
        it and why (``reason``) (``decisions``)."""
        return decisions.resolve_mismatch(
            self.orders, shop_id, order_number, resolution, captured, by=by, reason=reason
        )

    # -- callbacks ----------------------------------------------------------------------------

    def handle_callback(
        self,
        shop_id: int,
        body: bytes,
        headers: Sequence[tuple[str, str]],
        *,
        provider: str | None = None,
    ) -> CallbackResult:
        """Keep, verify, read and apply one callback in one transaction (``callbacks``)."""
        return self.callbacks.handle(shop_id, body, headers, provider=provider)

    def group_commit(self, batching: Batching | None = None) -> GroupCommit:
        """A front door that saves concurrent callbacks together (``groupcommit``): its
        ``submit`` takes what ``handle_callback`` takes, from any thread, and returns a future
        resolved once the transaction holding the callback has committed. Close it (or the
        service) to finish what it holds."""
        front_door = GroupCommit(self.callbacks, self.orders, batching)
        self._group_commits.append(front_door)
        return front_door

    def process_inbox(self, *, order_id: UUID | None = None) -> list[CallbackResult]:
        """Finish callbacks a crash left unfinished, and deferred ones whose order exists."""
        return self.callbacks.process_inbox(order_id=order_id)

    def rejected_callbacks(self) -> list[InboxItem]:
        """Callbacks that were kept but not applied, with their reasons."""
        return self.callbacks.rejected()

    def failed_callbacks(self) -> list[InboxItem]:
        """Stored callbacks whose processing raised when replayed (marked failed, not retried)."""
        return self.callbacks.failed()

    def inbox_items(self, *, status: str | None = None) -> list[InboxItem]:
        """Kept callbacks, oldest first: by default those not (yet) reflected in an order
        (rejected, deferred, unfinished); with ``status``, those whose status or rejection
        kind is ``status`` (``applied``, ``deferred``, ``malformed``, ...)."""
        self.projection.catch_up()
        rows = self.read_store.inbox()
        if status is None:
            chosen = [row for row in rows if row.status not in SETTLED]
        else:
            chosen = [row for row in rows if status in (row.status, row.kind)]
        items: list[InboxItem] = [self.orders.load(row.id) for row in chosen]
        return sorted(items, key=lambda item: item.received_at)

    def reprocess_callback(self, item_id: UUID) -> CallbackResult:
        """Run one kept callback through the pipeline again (``callbacks.reprocess``)."""
        return self.callbacks.reprocess(item_id)

    # -- periodic jobs ------------------------------------------------------------------------

    def reconcile(
        self,
        *,
        older_than: timedelta = timedelta(minutes=5),
        limit: int = DEFAULT_LIMIT,
        clearing_due: timedelta = CLEARING_DUE,
    ) -> dict[str, int]:
        """Poll the provider for the quiet orders that can still change without the merchant
        (at most ``limit``, oldest first; clearing once it has lasted ``clearing_due``;
        ``jobs``, ``polling``)."""
        return self.jobs.reconcile(older_than=older_than, limit=limit, clearing_due=clearing_due)

    def refresh(self, shop_id: int, order_number: str) -> str:
        """Poll the provider for one order now and apply what it says."""
        return self.jobs.refresh(shop_id, order_number)

    def apply_polled(self, fact: Fact) -> Outcome:
        """Apply a fact read by polling to its order."""
        return self.jobs.apply_polled(fact)

    def expire(self) -> dict[str, int]:
        """Expire orders past their time limit, after asking the provider what it knows."""
        return self.jobs.expire()

    # -- reading ------------------------------------------------------------------------------

    def view(self, shop_id: int, order_number: str) -> OrderView:
        return OrderView.of(self.orders.require(shop_id, order_number))

    def history(self, shop_id: int, order_number: str) -> list[Any]:
        """The order's stored events, oldest first."""
        oid = order_id(shop_id, order_number)
        try:
            events = list(self.events.get(oid))
        except READ_ERRORS as error:
            raise self.orders.unreadable(oid, error) from error
        if not events:
            raise UnknownOrder(shop_id, order_number)
        return events

    def list_orders(self, *, state: str | None = None) -> list[OrderView]:
        """Every order (or those in ``state``) as of the read model, last changed last: read
        from its rows (one query), never by loading each order."""
        self.projection.catch_up()
        rows = [row for row in self.read_store.orders() if state in (None, row.state)]
        views = [OrderView.of_row(row) for row in rows]
        return sorted(views, key=lambda v: (v.changed_at or _EPOCH, v.shop_id, v.order_number))

    def search_orders(self, query: OrderQuery) -> OrderPage:
        """One page of the read model's orders, last changed first (``OrderQuery``: part of
        the order number, a state, shops, paging), caught up with what is new."""
        self.projection.catch_up()
        return self.read_store.search(query)

    def orders_by_state(self, *, rebuild: bool = False) -> list[StateTotal]:
        """The read model: orders by state, amounts per currency (caught up with what is new;
        ``rebuild`` reads the whole log again)."""
        if rebuild:
            self.projection.rebuild()
        else:
            self.projection.catch_up()
        return self.projection.by_state()

    def unreadable_events(self) -> list[UnreadableEvent]:
        """Stored events the read model could not read back (it serves everything else)."""
        self.projection.catch_up()
        return self.read_store.unreadable()

    def replay_verify(self) -> ReplayReport:
        """Rebuild every order from its stored events and check the invariants (``audit``)."""
        self.projection.catch_up()
        known = {row.id: row for row in self.read_store.order_states()}
        return audit.replay_verify(self.recorder, self.mapper, known, skip=INBOX_TOPICS)
