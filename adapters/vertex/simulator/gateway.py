"""``SimulatedGateway``: the simulated provider's state machine, with no HTTP in it.

It keeps orders in memory and moves them the way Vertex Gateway's docs describe (create →
``in_progress``; pay, decline or abandon on the payment page; capture, cancel, reject, refund and
review decisions from the merchant; clearing, deadlines and review timeouts on a controllable
clock), emitting a signed callback on every order status change except ``registered``.
``app.py`` is a thin Starlette layer over it; tests and demos may also call it directly.

Merchant operations answered 202 by the provider (capture, cancel, reject, refund) are checked
when requested (refusals raise at once, as 4xx) and *applied* later: on ``run_pending()``, at the
start of ``advance()``, or at once with ``immediate_operations=True``. They are checked again
when applied; one that no longer fits (say, a capture after a cancel) is dropped and logged in
``operation_log``, as the provider would fail it quietly.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import math
import random
import threading
import uuid
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from starlette.applications import Starlette

from orderstate.engine.money import Money

from ..errors import ProviderError
from ..models import OrderSnapshot, OrderStatus, PaymentMethod, PaymentStatus, PaymentType
from ..payloads import order_to_json
from ..signatures import sign
from .app import build_app
from .faults import Fault, FaultPlan
from .outbox import CallbackChaos, Outbox, SentCallback
from .refusals import conflict, invalid, not_found, precondition_failed
from .rules import check_cancel, check_capture, check_refund, check_reject
from .state import NewOrder, SimOrder, SimPayment, SimShop

__all__ = [
    "DEFAULT_PAYMENT_METHODS",
    "DEFAULT_SHOP",
    "SimClock",
    "SimulatedGateway",
]

logger = logging.getLogger(__name__)

DEFAULT_SHOP = SimShop(shop_id=115, tokens=("sim-token-115",), secret="sim-secret-115")
"""The docs' example shop, with made-up credentials."""

DEFAULT_PAYMENT_METHODS = (
    PaymentMethod("alps", "lyra", "card", ("redirect",), entry_mode="cnp"),
    PaymentMethod("connectpay", "gcash", "wallet", ("redirect",)),
    # Codes seen in the docs' examples; which one serves crypto is not documented.
    PaymentMethod("cleo", "cleo", "crypto_wallet", ("qr",)),
)

_HOUR = timedelta(hours=1)
_HOLDS_MONEY = (PaymentStatus.COMPLETED, PaymentStatus.AUTHORIZED)


class SimClock:
    """The simulator's time; only ``SimulatedGateway.advance`` moves it, so timers never skip."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError("the simulator's start time must be timezone-aware")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def _move_to(self, when: datetime) -> None:
        """Only for ``SimulatedGateway.advance``, which fires the timers on the way."""
        self._now = max(self._now, when)


@dataclass(order=True, frozen=True, slots=True)
class _Timer:
    due: datetime
    sequence: int
    kind: str = field(compare=False)
    order: SimOrder = field(compare=False)


@dataclass(frozen=True, slots=True)
class _Operation:
    kind: str
    order: SimOrder
    apply: Callable[[], None]


class SimulatedGateway:
    """An in-memory Vertex Gateway; every knob is keyword-only and every draw is seeded.

    Knobs (the provider's docs disagree on several; the defaults follow the newer pages):

    - ``shops``: ``SimShop(shop_id, tokens, secret, callback_url)``; default shop 115.
    - ``seed``: seeds session ids, callback chaos and drawn faults.
    - ``start``: the clock's start (timezone-aware; default: now, to the second).
    - ``public_base_url``: where ``paymentLink`` points (``serve`` sets it).
    - ``clearing_delay``: 0 completes a paid order at once (newer docs); more keeps it
      ``in_progress`` with a completed payment until ``advance`` passes it (the seed's 1-3
      days). It applies to captured two-stage payments too.
    - ``expiry_status``: what an unpaid order becomes at its ``timeLimit``: ``cancelled``
      (newer docs) or ``failed`` (older). ``default_time_limit`` gives orders sent without
      one a deadline (default: none, they never expire).
    - ``review_orders`` / ``review_predicate``: which payments go to antifraud ``review``;
      ``review_timeout`` (default 24 h) declines them automatically.
    - ``immediate_operations``: apply 202 operations at once instead of on ``run_pending``.
    - ``notify_payment_changes``: also call back when ``payments[]`` changes without a status
      change (a payment authorized, or completed during clearing); off, as documented.
    - ``legacy_callbacks``: use the older ``number``/``status`` spelling in callbacks.
    - ``chaos``: drop / duplicate / reorder probabilities for callbacks.
    - ``fault_rates`` and ``fault``: per-endpoint probability of an injected failure, and what
      it is (default 503 before acting); ``sim.faults.script(...)`` queues exact ones.
    - ``sender``, ``auto_deliver``, ``delivery_attempts``, ``delivery_timeout``: how callbacks
      are POSTed (``httpx.Client`` or ``httpx.AsyncClient``); without a sender they only
      accumulate in ``outbox``.
    - ``payment_methods``: what ``/shops/{shopId}/payment-methods`` lists.
    """

    def __init__(
        self,
        *,
        shops: Iterable[SimShop] = (DEFAULT_SHOP,),
        seed: int = 0,
        start: datetime | None = None,
        public_base_url: str = "http://vertex-simulator.test",
        clearing_delay: timedelta = timedelta(0),
        expiry_status: OrderStatus = OrderStatus.CANCELLED,
        default_time_limit: timedelta | None = None,
        review_timeout: timedelta = timedelta(hours=24),
        review_orders: Collection[str] = (),
        review_predicate: Callable[[OrderSnapshot], bool] | None = None,
        immediate_operations: bool = False,
        notify_payment_changes: bool = False,
        legacy_callbacks: bool = False,
        chaos: CallbackChaos = CallbackChaos(),  # noqa: B008 - frozen, so sharing is safe
        fault_rates: Mapping[str, float] | None = None,
        fault: Fault = Fault(),  # noqa: B008 - frozen, so sharing is safe
        sender: httpx.Client | httpx.AsyncClient | None = None,
        auto_deliver: bool = True,
        delivery_attempts: int = 1,
        delivery_timeout: float = 5.0,
        payment_methods: Iterable[PaymentMethod] = DEFAULT_PAYMENT_METHODS,
    ) -> None:
        if expiry_status not in (OrderStatus.CANCELLED, OrderStatus.FAILED):
            raise ValueError("expiry_status is cancelled (newer docs) or failed (older docs)")
        if clearing_delay < timedelta(0) or review_timeout <= timedelta(0):
            raise ValueError("clearing_delay must be >= 0 and review_timeout > 0")
        self.shops = {shop.shop_id: shop for shop in shops}
        if not self.shops:
            raise ValueError("the simulator needs at least one shop")
        self._tokens = {
            token: shop.shop_id for shop in self.shops.values() for token in shop.tokens
        }
        self.clock = SimClock(start or datetime.now(UTC).replace(microsecond=0))
        self.public_base_url = public_base_url.rstrip("/")
        self.clearing_delay = clearing_delay
        self.expiry_status = expiry_status
        self.default_time_limit = default_time_limit
        self.review_timeout = review_timeout
        self.review_orders: set[str] = set(review_orders)
        self.review_predicate = review_predicate
        self.immediate_operations = immediate_operations
        self.notify_payment_changes = notify_payment_changes
        self.legacy_callbacks = legacy_callbacks
        self.sender = sender
        self.auto_deliver = auto_deliver
        self.delivery_timeout = delivery_timeout
        self.payment_methods = tuple(payment_methods)
        self.callbacks = Outbox(chaos=chaos, seed=seed, attempts=delivery_attempts)
        self.faults = FaultPlan(rates=fault_rates or {}, seed=seed, fault=fault)
        self.operation_log: list[tuple[str, str, str]] = []
        """(operation, orderNumber, outcome) for every 202 operation applied or dropped."""
        self._random = random.Random(f"gateway:{seed}")
        self._lock = threading.RLock()
        self._orders: dict[tuple[int, str], SimOrder] = {}
        self._sessions: dict[str, SimOrder] = {}
        self._timers: list[_Timer] = []
        self._operations: deque[_Operation] = deque()
        self._ids = itertools.count(1)
        self._pages = itertools.count(1)
        self._sequence = itertools.count(1)
        self._app: Starlette | None = None

    # --- looking things up ------------------------------------------------------------------

    @property
    def outbox(self) -> list[SentCallback]:
        """Every callback sent so far, in delivery order (after drops, duplicates, reordering)."""
        return self.callbacks.sent

    @property
    def default_shop_id(self) -> int:
        return next(iter(self.shops))

    def shop_for_token(self, token: str | None) -> int | None:
        """The shop an ``Api-Access-Token`` belongs to, or None for an unknown token."""
        return None if token is None else self._tokens.get(token)

    def order(self, order_number: str, *, shop_id: int | None = None) -> OrderSnapshot:
        """What Retrieve Order Details would answer now."""
        with self._lock:
            return self._find(shop_id, order_number).snapshot()

    def orders(self) -> list[OrderSnapshot]:
        with self._lock:
            return [order.snapshot() for order in self._orders.values()]

    def session(self, session_id: str) -> OrderSnapshot | None:
        """The order behind a payment-page session id, if any."""
        with self._lock:
            order = self._sessions.get(session_id)
            return None if order is None else order.snapshot()

    def history(self, order_number: str, *, shop_id: int | None = None) -> list[OrderStatus]:
        """Every status the order has had, starting with ``registered``."""
        with self._lock:
            return list(self._find(shop_id, order_number).history)

    def _find(self, shop_id: int | None, order_number: str) -> SimOrder:
        shop = self.default_shop_id if shop_id is None else shop_id
        order = self._orders.get((shop, order_number))
        if order is None:
            raise not_found(shop, order_number)
        return order

    # --- creating and paying ----------------------------------------------------------------

    def create_order(self, new: NewOrder) -> OrderSnapshot:
        """Create Order: ``registered`` (silent), then ``in_progress`` with a callback."""
        with self._lock:
            if new.shop_id not in self.shops:
                raise invalid("shopId", f"names no shop known to the simulator ({new.shop_id})")
            if (new.shop_id, new.order_number) in self._orders:
                detail = f"orderNumber {new.order_number!r} is already used in shop {new.shop_id}"
                raise conflict("Order already exists", detail)
            now = self.clock.now()
            time_limit = new.time_limit
            if time_limit is None and self.default_time_limit is not None:
                time_limit = now + self.default_time_limit
            if time_limit is not None and time_limit <= now:
                raise invalid("paymentSettings.timeLimit", "must be in the future")
            session = str(uuid.UUID(int=self._random.getrandbits(128), version=4))
            link = (
                f"{self.public_base_url}/payment?session-id={session}&page-id={next(self._pages)}"
            )
            order = SimOrder(
                gateway_id=next(self._ids),
                shop_id=new.shop_id,
                order_number=new.order_number,
                cost=new.cost,
                auto_capture=new.auto_capture,
                session_id=session,
                payment_link=link,
                created_at=now,
                time_limit=time_limit,
                webhook_url=new.webhook_url,
            )
            self._orders[(new.shop_id, new.order_number)] = order
            self._sessions[session] = order
            self._set_status(order, OrderStatus.IN_PROGRESS)
            if time_limit is not None:
                self._schedule(time_limit, "expiry", order)
            return order.snapshot()

    def pay(
        self, order_number: str, *, shop_id: int | None = None, amount: Money | None = None
    ) -> OrderSnapshot:
        """The customer pays on the payment page (``amount`` differing means a mismatch)."""
        with self._lock:
            order = self._payable(shop_id, order_number)
            paid = order.cost if amount is None else amount
            if paid.currency != order.cost.currency:
                raise invalid("amount", f"must be in the order's currency {order.cost.currency}")
            charge = SimPayment(PaymentStatus.IN_PROGRESS, paid)
            order.payments.append(charge)
            if self._needs_review(order):
                self._start_review(order)
            else:
                self._settle(order, charge)
            return order.snapshot()

    def decline(self, order_number: str, *, shop_id: int | None = None) -> OrderSnapshot:
        """The provider declines the customer's payment: the order fails."""
        with self._lock:
            order = self._payable(shop_id, order_number)
            order.payments.append(SimPayment(PaymentStatus.FAILED, order.cost))
            self._set_status(order, OrderStatus.FAILED)
            return order.snapshot()

    def abandon(self, order_number: str, *, shop_id: int | None = None) -> OrderSnapshot:
        """The customer leaves the page: nothing happens until the deadline passes."""
        with self._lock:
            order = self._payable(shop_id, order_number)
            logger.debug("simulator: customer abandoned %s", order.order_number)
            return order.snapshot()

    def _payable(self, shop_id: int | None, order_number: str) -> SimOrder:
        order = self._find(shop_id, order_number)
        if order.status is not OrderStatus.IN_PROGRESS or order.charge is not None:
            detail = f"order {order_number!r} is {order.status.value} and not awaiting payment"
            raise conflict("Order is not awaiting payment", detail)
        return order

    def _needs_review(self, order: SimOrder) -> bool:
        if order.order_number in self.review_orders:
            return True
        return self.review_predicate is not None and self.review_predicate(order.snapshot())

    def _start_review(self, order: SimOrder) -> None:
        order.review_until = self.clock.now() + self.review_timeout
        order.review_timeout_hours = math.ceil(self.review_timeout / _HOUR)
        self._set_status(order, OrderStatus.REVIEW)
        self._schedule(order.review_until, "review", order)

    def _settle(self, order: SimOrder, charge: SimPayment) -> None:
        """The payment went through: completed (single-stage) or authorized (two-stage)."""
        charge.status = PaymentStatus.COMPLETED if order.auto_capture else PaymentStatus.AUTHORIZED
        if charge.amount != order.cost:
            self._set_status(order, OrderStatus.NEED_ACTION)
            return
        resumed = order.status is not OrderStatus.IN_PROGRESS
        if resumed:
            self._set_status(order, OrderStatus.IN_PROGRESS)
        if order.auto_capture:
            self._start_clearing(order, notified=resumed)
        elif not resumed:
            self._payment_changed(order)

    def _start_clearing(self, order: SimOrder, *, notified: bool) -> None:
        if self.clearing_delay <= timedelta(0):
            self._set_status(order, OrderStatus.COMPLETED)
            return
        self._schedule(self.clock.now() + self.clearing_delay, "clearing", order)
        if not notified:
            self._payment_changed(order)

    # --- merchant operations ------------------------------------------------------------------

    def review_decision(
        self, order_number: str, *, accept: bool, shop_id: int | None = None
    ) -> OrderSnapshot:
        """Submit Antifraud Review Decision (answered 200, applied at once)."""
        with self._lock:
            order = self._find(shop_id, order_number)
            if order.status is not OrderStatus.REVIEW:
                raise precondition_failed(f"order {order_number!r} is {order.status.value}")
            order.review_until = None
            charge = order.charge_in(PaymentStatus.IN_PROGRESS)
            if accept and charge is not None:
                self._settle(order, charge)
            else:
                self._fail_review(order)
            return order.snapshot()

    def _fail_review(self, order: SimOrder) -> None:
        for payment in order.payments:
            payment.status = PaymentStatus.FAILED
        self._set_status(order, OrderStatus.FAILED)

    def capture(self, order_number: str, *, shop_id: int | None = None) -> None:
        """Request a full capture of a two-stage order (202; applied later)."""
        self._request("capture", shop_id, order_number, check_capture, self._do_capture)

    def cancel(self, order_number: str, *, shop_id: int | None = None) -> None:
        """Request a void: all payments authorized, or none at all (202; applied later)."""
        self._request("cancel", shop_id, order_number, check_cancel, self._do_cancel)

    def reject(self, order_number: str, *, shop_id: int | None = None) -> None:
        """Request a force-cancel of an order whose payment is not completed (202; later)."""
        self._request("reject", shop_id, order_number, check_reject, self._do_reject)

    def refund(self, order_number: str, amount: Money, *, shop_id: int | None = None) -> None:
        """Request a (partial) refund; the amount is reserved at once (202; applied later)."""
        with self._lock:
            order = self._find(shop_id, order_number)
            check_refund(order, amount)
            order.refunds_pending += amount.minor

            def apply() -> None:
                order.refunds_pending -= amount.minor
                check_refund(order, amount)
                self._do_refund(order, amount)

            self._enqueue(_Operation("refund", order, apply))

    def _request(
        self,
        kind: str,
        shop_id: int | None,
        order_number: str,
        check: Callable[[SimOrder], None],
        perform: Callable[[SimOrder], None],
    ) -> None:
        with self._lock:
            order = self._find(shop_id, order_number)
            check(order)

            def apply() -> None:
                check(order)
                perform(order)

            self._enqueue(_Operation(kind, order, apply))

    def _enqueue(self, operation: _Operation) -> None:
        self._operations.append(operation)
        if self.immediate_operations:
            self._run_operations()

    def _do_capture(self, order: SimOrder) -> None:
        for payment in order.payments:
            if payment.status is PaymentStatus.AUTHORIZED:
                payment.status = PaymentStatus.COMPLETED
        self._start_clearing(order, notified=False)

    def _do_cancel(self, order: SimOrder) -> None:
        for payment in order.payments:
            payment.status = PaymentStatus.CANCELLED
        self._set_status(order, OrderStatus.CANCELLED)

    def _do_reject(self, order: SimOrder) -> None:
        for payment in order.payments:
            payment.status = PaymentStatus.CANCELLED
        self._set_status(order, OrderStatus.REJECTED)

    def _do_refund(self, order: SimOrder, amount: Money) -> None:
        order.payments.append(SimPayment(PaymentStatus.COMPLETED, amount, PaymentType.REFUND))
        charge = order.charge_in(PaymentStatus.COMPLETED, PaymentStatus.PARTIALLY_REFUNDED)
        full = order.refunded >= (order.cost if charge is None else charge.amount)
        if charge is not None:
            charge.status = PaymentStatus.REFUNDED if full else PaymentStatus.PARTIALLY_REFUNDED
        status = OrderStatus.REFUNDED if full else OrderStatus.PARTIALLY_REFUNDED
        if order.status is status:
            self._notify(order)  # a second partial refund changes payments[], not the status
        else:
            self._set_status(order, status)

    # --- time -------------------------------------------------------------------------------

    def run_pending(self) -> int:
        """Apply the accepted (202) operations now; returns how many there were."""
        with self._lock:
            return self._run_operations()

    def advance(self, delta: timedelta) -> None:
        """Move the clock: apply pending operations, fire due timers in time order, then
        release callbacks held back for reordering."""
        if delta < timedelta(0):
            raise ValueError("the simulator's clock does not go backwards")
        with self._lock:
            self._run_operations()
            target = self.clock.now() + delta
            while self._timers and self._timers[0].due <= target:
                timer = heapq.heappop(self._timers)
                self.clock._move_to(timer.due)
                self._fire(timer)
            self.clock._move_to(target)
            self.callbacks.release_held()

    def _run_operations(self) -> int:
        count = 0
        while self._operations:
            operation = self._operations.popleft()
            count += 1
            try:
                operation.apply()
            except ProviderError as refusal:
                outcome = f"dropped: {refusal.detail}"
            else:
                outcome = f"applied: order {operation.order.status.value}"
            self.operation_log.append((operation.kind, operation.order.order_number, outcome))
        return count

    def _schedule(self, due: datetime, kind: str, order: SimOrder) -> None:
        heapq.heappush(self._timers, _Timer(due, next(self._sequence), kind, order))

    def _fire(self, timer: _Timer) -> None:
        """A timer fires only if the order is still where the timer expects it."""
        order = timer.order
        in_progress = order.status is OrderStatus.IN_PROGRESS
        if timer.kind == "clearing":
            if in_progress and order.charge_in(PaymentStatus.COMPLETED) is not None:
                self._set_status(order, OrderStatus.COMPLETED)
        elif timer.kind == "review":
            if order.status is OrderStatus.REVIEW and order.review_until is not None:
                self._fail_review(order)
        elif in_progress and order.charge_in(*_HOLDS_MONEY) is None:
            self._set_status(order, self.expiry_status)  # the deadline passed unpaid

    # --- callbacks --------------------------------------------------------------------------

    def _set_status(self, order: SimOrder, status: OrderStatus) -> None:
        order.status = status
        order.history.append(status)
        self._notify(order)

    def _payment_changed(self, order: SimOrder) -> None:
        if self.notify_payment_changes:
            self._notify(order)

    def _notify(self, order: SimOrder) -> None:
        """Sign the order's current ORDER object with the shop's secret and send it."""
        data = order_to_json(order.snapshot())
        if self.legacy_callbacks:
            data = {_LEGACY.get(key, key): value for key, value in data.items()}
        body = json.dumps(data, separators=(",", ":")).encode()
        shop = self.shops[order.shop_id]
        self.callbacks.emit(
            SentCallback(
                sequence=next(self._sequence),
                shop_id=order.shop_id,
                order_number=order.order_number,
                status=order.status,
                url=order.webhook_url or shop.callback_url,
                body=body,
                signature=sign(body, shop.secret),
                emitted_at=self.clock.now(),
            )
        )

    def deliver(self) -> int:
        """Send queued callbacks through the synchronous ``sender``; returns how many got 2xx."""
        if not isinstance(self.sender, httpx.Client):
            raise TypeError("deliver() needs an httpx.Client sender; use adeliver() for async")
        return self.callbacks.deliver(self.sender, timeout=self.delivery_timeout)

    async def adeliver(self) -> int:
        """Send queued callbacks through the async ``sender``; returns how many got 2xx."""
        if not isinstance(self.sender, httpx.AsyncClient):
            raise TypeError("adeliver() needs an httpx.AsyncClient sender; use deliver()")
        return await self.callbacks.adeliver(self.sender, timeout=self.delivery_timeout)

    @property
    def app(self) -> Starlette:
        """The Starlette app serving this simulator (built once)."""
        if self._app is None:
            self._app = build_app(self)
        return self._app


_LEGACY = {"orderNumber": "number", "orderStatus": "status"}
