"""The order service: the use cases a shop back end needs, on one eventsourcing Application.

It places orders with the provider, handles callbacks through the inbox, reconciles by polling,
records merchant requests, expires orders past their deadline, and serves the read side. The
store is one setting (``memory``, a SQLite path, or a PostgreSQL URL, see ``store``); the
provider is any object with the client's methods (``Provider``), so tests use the simulator.

Concurrent writers to one order are safe: a save that loses the optimistic-concurrency race
(``IntegrityError``) reloads the order, re-applies, and tries again, a bounded number of times.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Literal, Protocol
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import (
    ApplicationRecorder,
    IntegrityError,
    InternalError,
    JSONTranscoder,
)
from eventsourcing.utils import get_topic

from orderstate.engine import CommandRefused, InvalidOrder, Money, Order, order_id, project_order

from .inbox import InboxItem
from .readmodel import OrderProjection, StateTotal
from .store import store_env
from .transcodings import register_transcodings
from .vertex.callbacks import read_callback
from .vertex.client import Accepted, CreatedOrder, CreateOrder, Customer
from .vertex.errors import (
    CallbackTooLarge,
    MalformedCallback,
    OrderNotFound,
    ProviderError,
    SignatureVerificationError,
    SnapshotRejected,
)
from .vertex.models import OrderSnapshot
from .vertex.payloads import DEFAULT_BODY_LIMIT
from .vertex.signatures import SignatureScheme, hmac_sha512_hex
from .vertex.translate import apply_snapshot

__all__ = [
    "CallbackResult",
    "Listener",
    "OrderService",
    "OrderUpdate",
    "OrderView",
    "Provider",
    "ReplayReport",
    "Shop",
    "shops_from_pairs",
]

log = logging.getLogger(__name__)

SAVE_ATTEMPTS = 8
DDL_ATTEMPTS = 5

ORDER_TOPICS: tuple[str, ...] = tuple(
    sorted(
        get_topic(value)
        for value in vars(Order).values()
        if isinstance(value, type) and issubclass(value, Order.Event | Order.OrderPlaced)
    )
)
"""The topics of every Order event, to read only order histories from the notification log."""


class Provider(Protocol):
    """The provider calls the service makes (``VertexClient`` and the simulator's client)."""

    def create_order(self, order: CreateOrder) -> CreatedOrder: ...
    def order_details(self, shop_id: int, order_number: str) -> OrderSnapshot: ...
    def capture(self, shop_id: int, order_number: str) -> Accepted: ...
    def cancel(self, shop_id: int, order_number: str) -> Accepted: ...
    def refund(self, shop_id: int, order_number: str, amount: Money) -> Accepted: ...


@dataclass(frozen=True)
class Shop:
    """A shop's callback secrets (several while rotating), where its callbacks go, and how they
    are signed (the provider's construction is unconfirmed, so it is a setting)."""

    secrets: tuple[str, ...]
    webhook_url: str | None = None
    scheme: SignatureScheme = hmac_sha512_hex


def shops_from_pairs(
    pairs: Iterable[tuple[int, str]], *, webhook_url: str | None = None
) -> dict[int, Shop]:
    """``[(115, "a"), (115, "b"), (116, "c")]`` -> one ``Shop`` per id, secrets in order."""
    secrets: dict[int, list[str]] = {}
    for shop_id, secret in pairs:
        secrets.setdefault(shop_id, []).append(secret)
    return {shop: Shop(tuple(values), webhook_url=webhook_url) for shop, values in secrets.items()}


@dataclass(frozen=True)
class CallbackResult:
    """What handling one callback did, for the HTTP layer and the CLI."""

    outcome: str
    """applied, duplicate, stale, rejected (a contradiction), deferred (order not known yet),
    unauthenticated (bad signature) or malformed (unreadable or too large)."""
    inbox_id: UUID
    events: tuple[str, ...] = ()
    reason: str | None = None
    order_number: str | None = None


@dataclass(frozen=True)
class OrderView:
    """One order as a shop's back office sees it."""

    shop_id: int
    order_number: str
    state: str
    amount: Money
    authorized: Money
    captured: Money
    refunded: Money
    pending: str | None
    payment_link: str | None
    confirmation_sender: str
    reason: str | None
    version: int

    @classmethod
    def of(cls, order: Order) -> OrderView:
        return cls(
            shop_id=order.shop_id,
            order_number=order.order_number,
            state=order.state,
            amount=order.amount,
            authorized=order.authorized,
            captured=order.captured,
            refunded=order.refunded,
            pending=order.pending,
            payment_link=order.payment_link,
            confirmation_sender=order.confirmation_sender,
            reason=order.reason,
            version=order.version,
        )


@dataclass(frozen=True)
class OrderUpdate:
    """What a listener hears: the order now, the events just saved (none for a duplicate or
    stale callback), and where the change came from (callback, reconcile, command, expire)."""

    view: OrderView
    events: tuple[str, ...]
    source: str


Listener = Callable[[OrderUpdate], None]


@dataclass(frozen=True)
class ReplayReport:
    """``replay --verify``: how much was rebuilt, how fast, and what failed."""

    orders: int
    events: int
    seconds: float
    failures: tuple[str, ...] = field(default=())

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else float("inf")


class OrderService(Application[UUID]):
    """Orders, callbacks and reconciliation on one event store."""

    name = "orderstate"

    def __init__(
        self,
        *,
        store: str = "memory",
        provider: Provider | None = None,
        shops: Mapping[int, Shop] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        expiry_status: Literal["cancelled", "failed"] = "cancelled",
        body_limit: int = DEFAULT_BODY_LIMIT,
    ) -> None:
        super().__init__(env=store_env(store))
        self.provider = provider
        self.shops = dict(shops or {})
        self.clock = clock
        self.expiry_status = expiry_status
        self.body_limit = body_limit
        self.listeners: list[Listener] = []
        self.projection = OrderProjection(
            lambda start, limit: list(self.recorder.select_notifications(start, limit)),
            self.mapper.to_domain_event,
        )

    def construct_recorder(self) -> ApplicationRecorder:
        """eventsourcing's recorder, retried when workers starting together race on its
        start-up DDL (PostgreSQL answers "tuple concurrently updated" to the loser)."""
        for attempt in range(1, DDL_ATTEMPTS + 1):
            try:
                return self._construct_recorder_once()
            except InternalError as error:
                if "concurrently updated" not in str(error) or attempt == DDL_ATTEMPTS:
                    raise
                log.info("start-up DDL raced another worker (attempt %s); retrying", attempt)
                time.sleep(0.05 * attempt)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _construct_recorder_once(self) -> ApplicationRecorder:
        return super().construct_recorder()

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` after every saved change, and after every callback for a known
        order (even one that changed nothing): the shop's side effects hang here.

        Delivery to listeners is at least once: a listener that raises makes the callback's
        HTTP answer fail, so the provider sends it again, and the listener sees it again.
        """
        self.listeners.append(listener)

    def _tell_listeners(self, order: Order, events: tuple[str, ...], source: str) -> None:
        update = OrderUpdate(OrderView.of(order), events, source)
        for listener in self.listeners:
            listener(update)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        register_transcodings(transcoder)  # eventsourcing's own (UUID, datetime, ...) and Money

    # -- placing orders ---------------------------------------------------------------------

    def place(
        self,
        *,
        shop_id: int,
        order_number: str,
        amount: Money,
        auto_capture: bool = True,
        time_limit: datetime | None = None,
        customer: Customer | None = None,
    ) -> OrderView:
        """Record the order, ask the provider to create it, record the payment link.

        Placing the same order again continues where it stopped (never two provider orders).
        """
        order = self._find(shop_id, order_number)
        placed_now = order is None
        if order is None:
            order = Order.place(
                shop_id=shop_id,
                order_number=order_number,
                amount=amount,
                auto_capture=auto_capture,
                time_limit=time_limit,
                customer_email_given=bool(customer and customer.email),
            )
            self.save(order)
        elif order.amount != amount:
            raise InvalidOrder(f"order {order_number} exists with amount {order.amount}")
        if order.state == "created" and self.provider is not None:
            self._create_with_provider(order, customer)
        if placed_now:  # only a new order can have callbacks waiting for it (deferred)
            self.process_inbox(order_id=order.id)
        return self.view(shop_id, order_number)

    def _create_with_provider(self, order: Order, customer: Customer | None) -> None:
        assert self.provider is not None
        request = CreateOrder(
            shop_id=order.shop_id,
            order_number=order.order_number,
            amount=order.amount,
            auto_capture=order.auto_capture,
            time_limit=order.time_limit,
            webhook_url=self.shops.get(order.shop_id, Shop(())).webhook_url,
            customer=customer,
        )
        try:
            created = self.provider.create_order(request)
        except ProviderError as error:
            if error.ambiguous:
                log.warning("create %s: outcome unknown (%s); reconcile", order.order_number, error)
                return
            reason = f"provider refused: {error}"
            self._change(order.id, lambda o: o.fail(reason))
            return
        link = created.payment_link or "urn:orderstate:payment-link-not-returned"
        self._change(order.id, lambda o: _issue_once(o, link))

    # -- callbacks --------------------------------------------------------------------------

    def handle_callback(
        self, shop_id: int, body: bytes, headers: Sequence[tuple[str, str]]
    ) -> CallbackResult:
        """Keep the raw callback, verify, read and apply it: one transaction.

        The received callback, its outcome and the order's new events are saved together, and
        only then does the caller answer 2xx. If processing fails unexpectedly, the raw
        callback is still saved, unprocessed, before the error propagates (start-up finishes
        it); a crash before any commit means no 2xx was sent, so the provider sends it again.
        """
        received_at, item_id = self.clock(), uuid4()

        def received() -> InboxItem:
            return InboxItem.receive(
                shop_id=shop_id,
                body=body[: self.body_limit + 1],
                headers=list(headers),
                received_at=received_at,
                id=item_id,
            )

        try:
            return self._process(received)
        except BaseException:
            self._save_quietly(received())  # keep what arrived; the error still propagates
            raise

    def _process(self, fetch: Callable[[], InboxItem]) -> CallbackResult:
        """Read and apply a callback; ``fetch`` gives its inbox item, fresh for every attempt."""
        item = fetch()
        shop = self.shops.get(item.shop_id)
        try:
            callback = read_callback(
                item.body,
                dict(item.headers_pairs()),
                secrets=shop.secrets if shop else (),
                shop_id=item.shop_id,
                received_at=item.received_at,
                scheme=shop.scheme if shop else hmac_sha512_hex,
                limit=self.body_limit,
            )
        except SignatureVerificationError as error:
            return self._finish_rejected(item, "unauthenticated", str(error))
        except CallbackTooLarge as error:
            return self._finish_rejected(item, "too_large", str(error))
        except MalformedCallback as error:
            return self._finish_rejected(item, "malformed", str(error))
        return self._apply(fetch, item, callback.snapshot)

    def _apply(
        self, fetch: Callable[[], InboxItem], item: InboxItem, snapshot: OrderSnapshot
    ) -> CallbackResult:
        oid = order_id(snapshot.shop_id, snapshot.order_number)
        for attempt in range(SAVE_ATTEMPTS):
            if attempt:
                item = fetch()
                if item.finished:  # another worker finished it while we were racing
                    return self._result(item, snapshot)
            order = self._get(oid)
            if order is None:
                item.deferred(oid, "order not known yet")
                return self._save_item(item, snapshot)
            try:
                translation = apply_snapshot(order, snapshot)
            except SnapshotRejected as error:
                item.rejected("conflict", error.reason)
                return self._save_item(item, snapshot)
            item.applied(translation.outcome.value, oid, list(translation.events))
            try:
                self.save(order, item)
            except IntegrityError:
                continue  # the order moved under us: load it again and re-apply
            self._tell_listeners(order, translation.events, "callback")
            return CallbackResult(
                translation.outcome.value,
                item.id,
                translation.events,
                order_number=snapshot.order_number,
            )
        raise RuntimeError(f"callback {item.id}: gave up after {SAVE_ATTEMPTS} conflicts")

    def _finish_rejected(self, item: InboxItem, kind: str, reason: str) -> CallbackResult:
        item.rejected(kind, reason)
        self._save_quietly(item)
        outcome = "unauthenticated" if kind == "unauthenticated" else "malformed"  # or too large
        return CallbackResult(outcome, item.id, reason=reason)

    def _save_item(self, item: InboxItem, snapshot: OrderSnapshot) -> CallbackResult:
        """Save a deferred or rejected item; its status and reason are the result."""
        self._save_quietly(item)
        return self._result(item, snapshot)

    def _save_quietly(self, item: InboxItem) -> None:
        """Save an inbox item's outcome; another worker finishing it first is fine."""
        try:
            self.save(item)
        except IntegrityError:
            log.info("inbox item %s was finished by another worker", item.id)

    def _reload_item(self, item: InboxItem) -> InboxItem:
        return self._load_item(item.id)

    def _load_item(self, item_id: UUID) -> InboxItem:
        loaded: InboxItem = self.repository.get(item_id)
        return loaded

    def _result(self, item: InboxItem, snapshot: OrderSnapshot) -> CallbackResult:
        return CallbackResult(
            item.status,
            item.id,
            reason=item.reason,
            order_number=snapshot.order_number,
        )

    def process_inbox(self, *, order_id: UUID | None = None) -> list[CallbackResult]:
        """Finish callbacks left unfinished (a crash) or waiting for their order; with
        ``order_id``, only the callbacks deferred for that order."""
        self.projection.catch_up()
        results = []
        for stale_item in list(self.projection.unfinished_inbox()):
            if order_id is not None and stale_item.order_id != order_id:
                continue
            item = self._reload_item(stale_item)
            if item.finished:
                continue
            if item.status == "deferred" and item.order_id and self._get(item.order_id) is None:
                continue
            results.append(self._process(partial(self._load_item, item.id)))
        return results

    def rejected_callbacks(self) -> list[InboxItem]:
        """Callbacks that were kept but not applied, with their reasons."""
        self.projection.catch_up()
        return [item for item in self.projection.inbox.values() if item.status == "rejected"]

    # -- merchant requests ------------------------------------------------------------------

    def capture(self, shop_id: int, order_number: str) -> OrderView:
        return self._request(shop_id, order_number, Order.request_capture, "capture", None)

    def cancel(self, shop_id: int, order_number: str) -> OrderView:
        return self._request(shop_id, order_number, Order.request_cancel, "cancel", None)

    def refund(self, shop_id: int, order_number: str, amount: Money) -> OrderView:
        return self._request(
            shop_id, order_number, lambda o: o.request_refund(amount), "refund", amount
        )

    def _request(
        self,
        shop_id: int,
        order_number: str,
        record: Callable[[Order], None],
        operation: str,
        amount: Money | None,
    ) -> OrderView:
        """Record the request, call the provider; its callback or a poll confirms."""
        oid = self._require(shop_id, order_number).id
        self._change(oid, record)
        if self.provider is not None:
            try:
                self._call_provider(operation, shop_id, order_number, amount)
            except ProviderError as error:
                if not error.ambiguous:
                    reason = str(error)
                    self._change(oid, lambda o: o.decline_request(reason))
                    raise
                log.warning("%s %s: outcome unknown (%s)", operation, order_number, error)
        return self.view(shop_id, order_number)

    def _call_provider(
        self, operation: str, shop_id: int, order_number: str, amount: Money | None
    ) -> None:
        assert self.provider is not None
        if operation == "capture":
            self.provider.capture(shop_id, order_number)
        elif operation == "cancel":
            self.provider.cancel(shop_id, order_number)
        else:
            assert amount is not None
            self.provider.refund(shop_id, order_number, amount)

    # -- periodic jobs ----------------------------------------------------------------------

    def reconcile(self, *, older_than: timedelta = timedelta(minutes=5)) -> dict[str, int]:
        """Poll the provider for unfinished orders quiet for ``older_than``; apply what it says."""
        if self.provider is None:
            raise RuntimeError("reconcile needs a provider")
        self.projection.catch_up()
        cutoff = self.clock() - older_than
        counts: dict[str, int] = {}
        for order in list(self.projection.orders.values()):
            if order.is_final or order.modified_on > cutoff:
                continue
            outcome = self._reconcile_one(order)
            counts[outcome] = counts.get(outcome, 0) + 1
        return counts

    def refresh(self, shop_id: int, order_number: str) -> str:
        """Poll the provider for one order now and apply what it says; returns the outcome."""
        if self.provider is None:
            raise RuntimeError("refresh needs a provider")
        return self._reconcile_one(self._require(shop_id, order_number))

    def _reconcile_one(self, order: Order) -> str:
        assert self.provider is not None
        try:
            snapshot = self.provider.order_details(order.shop_id, order.order_number)
        except OrderNotFound:
            if order.state == "created":  # the provider never got it: create it now
                self._create_with_provider(order, None)
                return "created"
            return "missing"
        except ProviderError as error:
            log.warning("reconcile %s: %s", order.order_number, error)
            return "unreachable"
        return self.apply_polled(snapshot)

    def apply_polled(self, snapshot: OrderSnapshot) -> str:
        """Apply a snapshot read by polling (not a signed callback) to its order.

        Returns the outcome: applied, duplicate, stale, or rejected (logged, nothing appended).
        """
        try:
            return self._change_with(order_id(snapshot.shop_id, snapshot.order_number), snapshot)
        except SnapshotRejected as error:
            log.warning("poll of %s rejected: %s", snapshot.order_number, error.reason)
            return "rejected"

    def _change_with(self, oid: UUID, snapshot: OrderSnapshot) -> str:
        outcome = "duplicate"

        def apply(order: Order) -> None:
            nonlocal outcome
            outcome = apply_snapshot(order, snapshot).outcome.value

        self._change(oid, apply, "reconcile")
        return outcome

    def expire(self) -> dict[str, int]:
        """Expire orders past their time limit, after asking the provider what it knows."""
        now = self.clock()
        self.projection.catch_up()
        counts: dict[str, int] = {}
        for order in list(self.projection.orders.values()):
            if order.time_limit is None or order.time_limit >= now:
                continue
            if order.state not in {"created", "in_progress"}:
                continue
            if self.provider is not None and order.state == "in_progress":
                outcome = self._reconcile_one(order)
                if outcome == "applied":
                    counts["moved on"] = counts.get("moved on", 0) + 1
                    continue
            self._change(order.id, lambda o: _expire_if_due(o, now, self.expiry_status), "expire")
            counts["expired"] = counts.get("expired", 0) + 1
        return counts

    # -- reading ----------------------------------------------------------------------------

    def view(self, shop_id: int, order_number: str) -> OrderView:
        return OrderView.of(self._require(shop_id, order_number))

    def history(self, shop_id: int, order_number: str) -> list[Any]:
        """The order's stored events, oldest first."""
        events = list(self.events.get(order_id(shop_id, order_number)))
        if not events:
            raise LookupError(f"no order {order_number} in shop {shop_id}")
        return events

    def orders_by_state(self, *, rebuild: bool = False) -> list[StateTotal]:
        if rebuild:
            self.projection.rebuild()
        else:
            self.projection.catch_up()
        return self.projection.by_state()

    def replay_verify(self) -> ReplayReport:
        """Rebuild every order from its stored events and check the engine's invariants.

        The events are read in bulk (the notification log, only the Order topics), not one
        query per order. Each order is folded from scratch, which re-checks every transition
        against the spec; versions must be contiguous and money conserved; and where the
        read model already knows the order, the rebuilt one must equal it.
        """
        started = time.perf_counter()
        histories: dict[UUID, list[Any]] = {}
        with _no_cyclic_gc():  # tens of thousands of acyclic objects: gen-2 scans would dominate
            self._read_histories(histories)
            failures = self._verify_histories(histories)
        elapsed = time.perf_counter() - started
        events = sum(len(stored) for stored in histories.values())
        return ReplayReport(len(histories), events, elapsed, tuple(failures))

    def _read_histories(self, histories: dict[UUID, list[Any]]) -> None:
        position = 0
        while True:
            page = self.recorder.select_notifications(position + 1, 1000, topics=ORDER_TOPICS)
            if not page:
                break
            for record in page:
                event = self.mapper.to_domain_event(record)
                histories.setdefault(event.originator_id, []).append(event)
            position = page[-1].id

    def _verify_histories(self, histories: dict[UUID, list[Any]]) -> list[str]:
        failures: list[str] = []
        for oid, stored in histories.items():
            try:
                rebuilt: Order | None = project_order(None, stored)
            except CommandRefused as error:
                failures.append(f"order {oid}: illegal history: {error}")
                continue
            failures.extend(_check_invariants(rebuilt, self.projection.orders.get(oid), stored))
        return failures

    # -- plumbing ---------------------------------------------------------------------------

    def _get(self, oid: UUID) -> Order | None:
        try:
            order: Order = self.repository.get(oid, projector_func=project_order)
        except AggregateNotFoundError:
            return None
        return order

    def _find(self, shop_id: int, order_number: str) -> Order | None:
        return self._get(order_id(shop_id, order_number))

    def _require(self, shop_id: int, order_number: str) -> Order:
        order = self._find(shop_id, order_number)
        if order is None:
            raise LookupError(f"no order {order_number} in shop {shop_id}")
        return order

    def _change(
        self, oid: UUID, command: Callable[[Order], None], source: str = "command"
    ) -> Order:
        """Load, run the command, save; on a concurrent write, reload and run it again."""
        for _ in range(SAVE_ATTEMPTS):
            order = self._get(oid)
            if order is None:
                raise LookupError(f"no order {oid}")
            command(order)
            appended = tuple(type(event).__name__ for event in order.pending_events)
            try:
                self.save(order)
            except IntegrityError:
                continue
            if appended:
                self._tell_listeners(order, appended, source)
            return order
        raise RuntimeError(f"order {oid}: gave up after {SAVE_ATTEMPTS} concurrent writes")


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector (reference counting still frees everything)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _issue_once(order: Order, link: str) -> None:
    if order.state == "created":
        order.issue_payment_link(link)


def _expire_if_due(order: Order, now: datetime, ends_in: Literal["cancelled", "failed"]) -> None:
    if order.state in {"created", "in_progress"}:
        order.expire(now, ends_in=ends_in)


def _check_invariants(rebuilt: Order | None, known: Order | None, stored: list[Any]) -> list[str]:
    if rebuilt is None:
        return ["an order with no events"]
    name = rebuilt.order_number
    problems = []
    if [e.originator_version for e in stored] != list(range(1, len(stored) + 1)):
        problems.append(f"{name}: versions not contiguous")
    zero = Money(0, rebuilt.currency)
    if not zero <= rebuilt.refunded <= rebuilt.captured <= rebuilt.authorized <= rebuilt.amount:
        problems.append(f"{name}: money not conserved")
    if known is not None and known.version == rebuilt.version and known != rebuilt:
        problems.append(f"{name}: replay gives {rebuilt.state}, the read model {known.state}")
    return problems
