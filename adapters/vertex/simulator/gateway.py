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

The class is split by responsibility into bases in their own modules (``core``, ``timers``,
``operations``) to keep each under the adapters' ~200-line limit; this one keeps the knobs,
creating and paying, and the Starlette app.
"""

from __future__ import annotations

import itertools
import logging
import random
import threading
import uuid
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import UTC, datetime, timedelta

import httpx
from starlette.applications import Starlette

from orderstate.engine.money import Money

from ..models import OrderSnapshot, OrderStatus, PaymentMethod, PaymentStatus
from .app import build_app
from .faults import Fault, FaultPlan
from .operations import MerchantOperations
from .outbox import CallbackChaos, Outbox
from .refusals import conflict, invalid
from .state import NewOrder, SimOrder, SimPayment, SimShop
from .timers import SimClock

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


SEED_CLEARING_DELAY = timedelta(days=1)
"""The simulator's default clearing: the seed says a paid order completes after 1-3 days of
clearing; a day is the shortest of them (``advance(timedelta(days=3))`` clears any)."""


class SimulatedGateway(MerchantOperations):
    """An in-memory Vertex Gateway; every knob is keyword-only and every draw is seeded.

    Knobs (the provider's docs disagree on several; the defaults follow the newer pages):

    - ``shops``: ``SimShop(shop_id, tokens, secret, callback_url)``; default shop 115.
    - ``seed``: seeds session ids, callback chaos and drawn faults.
    - ``start``: the clock's start (timezone-aware; default: now, to the second).
    - ``public_base_url``: where ``paymentLink`` points (``serve`` sets it).
    - ``clearing_delay``: how long a paid order stays ``in_progress`` with a completed
      payment before it is ``completed`` (``advance`` passes it); default
      ``SEED_CLEARING_DELAY``, a day, the shortest of the seed's 1-3 days. 0 is the newer
      docs' shortcut (completed at once): a test opts into it. It applies to captured
      two-stage payments too.
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
        clearing_delay: timedelta = SEED_CLEARING_DELAY,
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
        self.operation_log = []
        self._random = random.Random(f"gateway:{seed}")
        self._lock = threading.RLock()
        self._orders: dict[tuple[int, str], SimOrder] = {}
        self._sessions: dict[str, SimOrder] = {}
        self._timers = []
        self._operations = deque()
        self._ids = itertools.count(1)
        self._pages = itertools.count(1)
        self._sequence = itertools.count(1)
        self._app: Starlette | None = None

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

    @property
    def app(self) -> Starlette:
        """The Starlette app serving this simulator (built once)."""
        if self._app is None:
            self._app = build_app(self)
        return self._app
