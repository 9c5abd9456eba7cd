"""``ShopIntegrationMachine``: Hypothesis drives a shop, the order service and the simulator.

Each run builds an ``OrderService`` on the in-memory store whose provider is a
``SimulatedGateway`` reached through the real ``VertexClient`` (the whole HTTP stack: requests,
routing, the wire format; only the socket is left out, see ``InProcessTransport``). Hypothesis
then mixes customers (pay at once or later, be declined, pay less, wait past the deadline, go
through antifraud review), the merchant (capture, void, refund part or all), the clock (queued
provider operations, clearing, deadlines and the shop's expiry job) and the callback transport,
which it controls completely: deliver the next callback, deliver one again, hold one back, drop
one, send a forgery, or poll the provider (reconcile one order, or all of them).

Your side effects plug in by overriding ``on_update`` (or with ``machine_for(handler)``): the
machine subscribes it as a follower of the service's log (named ``shop``), so it gets an
``OrderUpdate`` for every stored order event when the shop's worker runs (``work``), at least
once: the worker may crash after your side effect and before its position is recorded
(``worker_crashes``: the next run delivers the same updates again, with the same keys), and
the warehouse may fail (``warehouse_fails_next``: the follower is retried from the same update
on the next run). Shipping goes through ``self.ship(order_number, key=update.key)``, like a
warehouse API that takes an idempotency key: a key already shipped ships nothing. The order is
recorded as the update showed it, so the invariants can judge it. After every step the machine
checks:

- the engine: every state is the spec's, ``0 <= refunded <= captured <= authorized <= amount``
  and replaying the store gives the live orders (``OrderService.replay_verify``);
- ``goods_ship_at_most_once``: no order ships twice;
- ``goods_ship_only_for_paid_orders``: when an order ships, money was captured for it and its
  state is ``paid`` or later on the paid path (``PAID_STATES``; never ``need_action``);
- ``refunded_or_cancelled_orders_never_ship``: nothing ships once an order is ``refunded``,
  ``cancelled``, ``failed`` or ``rejected``, and no shipped order ends ``cancelled``,
  ``failed`` or ``rejected`` (a refund *after* shipping is a return, and allowed);
- ``money_refunded_never_exceeds_captured``: locally and at the provider;
- ``orders_agree_with_the_provider_after_reconciliation``: right after ``reconcile_all``, every
  order's local state is the provider's (``provider_view``).

Add your own with ``@invariant()`` in a subclass. A failure shrinks to a short rule sequence that
Hypothesis prints as Python (``state = MyShopMachine()``, ``orders_0 = state.place(...)``, ...);
every argument is an int, a bool, a string or an earlier result, so the snippet pastes back into
a regression test as it is.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal, Protocol, overload

import httpx
from hypothesis import HealthCheck, currently_in_test_context, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
)

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.port import Operation, ProviderRefused, Shop
from orderstate.adapters.service import OrderService, OrderUpdate, OrderView
from orderstate.adapters.vertex import (
    SIGNATURE_HEADER,
    OrderStatus,
    VertexClient,
    VertexConfig,
    provider_view,
    sign,
)
from orderstate.adapters.vertex.simulator import (
    API_PREFIX,
    DEFAULT_SHOP,
    SEED_CLEARING_DELAY,
    RunningSimulator,
    SentCallback,
    SimulatedGateway,
    serve,
)
from orderstate.engine import (
    CANCELLABLE_STATES,
    CAPTURABLE_STATES,
    FINAL_STATES,
    LIFECYCLE,
    PAID_STATES,
    REFUNDABLE_STATES,
    CommandRefused,
    Money,
    State,
)

__all__ = [
    "DEFAULT_SETTINGS",
    "NEVER_SHIPPED_STATES",
    "PAID_STATES",
    "SHOP_FOLLOWER",
    "Handler",
    "InProcessTransport",
    "Shipment",
    "Shipments",
    "Shipper",
    "ShopIntegrationMachine",
    "WarehouseDown",
    "machine_for",
]

SHOP_FOLLOWER = "shop"
"""The name the machine's shop follows the service's log under."""

DEFAULT_SETTINGS = settings(
    max_examples=100,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
"""What every ``ShopIntegrationMachine`` subclass runs with unless it says otherwise
(``@settings(...)`` on the class, or ``run_state_machine_as_test(..., settings=...)``).
A run of 100 examples takes about two seconds: steps are cheap because nothing goes over a
socket."""

# The groups of states come from the engine, derived from the life-cycle spec. PAID_STATES (an
# order is paid once it reaches one of these: money was captured for it) is re-exported.
_VOIDABLE: frozenset[State] = CAPTURABLE_STATES & CANCELLABLE_STATES
"""A two-stage hold the merchant can release: cancellable while it can still be captured."""

NEVER_SHIPPED_STATES: frozenset[State] = FINAL_STATES
"""Nothing ships in these: the money was given back, or never came."""

_NO_MONEY_ENDINGS: frozenset[State] = FINAL_STATES - PAID_STATES

Flow = Literal["single_stage", "two_stage", "reviewed"]
"""How an order is paid: at once, authorized then captured, or at once after antifraud review."""
FLOWS: tuple[Flow, ...] = ("single_stage", "two_stage", "reviewed")
Customer = Literal["pays", "waits", "declines", "pays_less"]
"""What the customer does on the payment page right after the order is placed."""
CUSTOMERS: tuple[Customer, ...] = ("pays", "waits", "declines", "pays_less")


def _mostly(usual: str, every: tuple[str, ...]) -> st.SearchStrategy[str]:
    """``usual`` half the time (so runs get far enough to be interesting), else any of them."""
    return st.one_of(st.just(usual), st.sampled_from(every))


class Shipper(Protocol):
    """What a shop's handler needs from its back end here: shipping an order.

    ``key`` is the idempotency key the warehouse dedupes on (pass ``update.key``); without
    one, every call ships."""

    def ship(self, order_number: str, *, key: str | None = None) -> None: ...


class WarehouseDown(RuntimeError):
    """The warehouse refused a shipment (``warehouse_fails_next``); nothing shipped."""


Handler = Callable[[Shipper, OrderUpdate], None]
"""A shop's side effects: called with the back end and every update the service publishes."""


@dataclass(frozen=True, slots=True)
class Shipment:
    """One shipment, with the order as the shop's service saw it when the goods left."""

    order_number: str
    state: str
    captured: Money
    refunded: Money


class Shipments:
    """The recording back end: counts shipments and keeps the order's state at each one; a
    key it has shipped before ships nothing (the warehouse's idempotency key)."""

    def __init__(self, view: Callable[[str], OrderView]) -> None:
        self._view = view
        self.counts: Counter[str] = Counter()
        self.log: list[Shipment] = []
        self.keys: set[str] = set()
        self.fail_next = False

    def ship(self, order_number: str, *, key: str | None = None) -> None:
        if self.fail_next:
            self.fail_next = False
            raise WarehouseDown(f"the warehouse refused {order_number}")
        if key is not None and key in self.keys:
            return
        order = self._view(order_number)
        if key is not None:
            self.keys.add(key)
        self.counts[order_number] += 1
        self.log.append(Shipment(order_number, order.state, order.captured, order.refunded))


class InProcessTransport(httpx.BaseTransport):
    """A synchronous httpx transport that runs an ASGI app in this process.

    ``VertexClient`` is synchronous; a loopback socket adds a server thread, a TCP round trip
    and HTTP parsing to every call, which a Hypothesis run of thousands of calls feels. This
    keeps everything but the socket.
    """

    def __init__(self, app: Any) -> None:
        self._asgi = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()
        # A pasted counterexample stops at its failing line, before teardown: close anyway.
        self._closer = weakref.finalize(self, self._loop.close)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        return self._loop.run_until_complete(self._send(request))

    async def _send(self, request: httpx.Request) -> httpx.Response:
        response = await self._asgi.handle_async_request(request)
        content = await response.aread()
        return httpx.Response(response.status_code, headers=response.headers, content=content)

    def close(self) -> None:
        self._closer()


class ShopInvariants:
    """The invariants every shop machine checks after every step, whichever provider it runs
    against (``ShopIntegrationMachine``, ``StripeShopMachine``): legal states and conserved
    money, replay equal to the live orders, and goods shipped once, only for paid orders, never
    for refunded or cancelled ones."""

    numbers: list[str]
    service: OrderService
    shop: Shipments

    def view(self, order_number: str) -> OrderView:
        raise NotImplementedError

    @property
    def shipments(self) -> Counter[str]:
        """How many times each order shipped."""
        return self.shop.counts

    @invariant()
    def engine_states_are_legal_and_money_is_conserved(self) -> None:
        for number in self.numbers:
            order = self.view(number)
            zero = Money(0, order.amount.currency)
            assert order.state in LIFECYCLE.states, f"{number}: unknown state {order.state}"
            assert zero <= order.refunded <= order.captured <= order.authorized <= order.amount, (
                f"{number}: money not conserved: {order}"
            )

    @invariant()
    def replay_equals_live(self) -> None:
        failures = self.service.replay_verify().failures
        assert failures == (), f"replay differs from the live orders: {failures}"

    @invariant()
    def goods_ship_at_most_once(self) -> None:
        twice = {number: count for number, count in self.shipments.items() if count > 1}
        assert not twice, f"goods_ship_at_most_once: shipped more than once: {twice}"

    @invariant()
    def goods_ship_only_for_paid_orders(self) -> None:
        unpaid = [s for s in self.shop.log if s.captured.is_zero or s.state not in PAID_STATES]
        assert not unpaid, f"goods_ship_only_for_paid_orders: shipped unpaid: {unpaid}"

    @invariant()
    def refunded_or_cancelled_orders_never_ship(self) -> None:
        late = [s for s in self.shop.log if s.state in NEVER_SHIPPED_STATES]
        assert not late, f"refunded_or_cancelled_orders_never_ship: shipped when {late}"
        ended = {n: self.view(n).state for n in self.shipments}
        unpaid = {n: state for n, state in ended.items() if state in _NO_MONEY_ENDINGS}
        assert not unpaid, f"refunded_or_cancelled_orders_never_ship: shipped, then {unpaid}"


class ShopIntegrationMachine(ShopInvariants, RuleBasedStateMachine):
    """Your shop's side effects against the service, the simulator and a hostile transport.

    Class attributes tune the world: ``currency``, ``clearing_delay`` (a day by default, the
    seed's clearing: ``clearing`` first; 0, the newer docs' shortcut, completes a paid order at
    once), ``notify_payment_changes`` (off, as the provider calls back on status changes only;
    on, a shortcut: a callback when a hold is authorized), ``time_limit`` (each order's payment
    deadline), ``start`` (the simulator's clock), ``max_orders`` (orders per run) and
    ``loopback`` (True: talk to the simulator over a real loopback socket, slower).
    """

    currency: ClassVar[str] = "EUR"
    clearing_delay: ClassVar[timedelta] = SEED_CLEARING_DELAY
    notify_payment_changes: ClassVar[bool] = False
    time_limit: ClassVar[timedelta] = timedelta(hours=48)
    start: ClassVar[datetime] = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    max_orders: ClassVar[int] = 3
    loopback: ClassVar[bool] = False

    orders = Bundle("orders")
    callbacks = Bundle("callbacks")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Give every subclass the kit's settings; ``@settings`` on the class still wins."""
        super().__init_subclass__(**kwargs)
        cls.TestCase.settings = DEFAULT_SETTINGS

    def __init__(self) -> None:
        super().__init__()
        self.shop_id = DEFAULT_SHOP.shop_id
        self.sim = SimulatedGateway(
            seed=0,
            start=self.start,
            clearing_delay=self.clearing_delay,
            notify_payment_changes=self.notify_payment_changes,
        )
        self._site: RunningSimulator | None = None
        self._transport: InProcessTransport | None = None
        self.client = self._connect()
        self.service = build_service(
            store="memory",
            vertex_client=self.client,
            shops={self.shop_id: Shop((DEFAULT_SHOP.secret,))},
            clock=self.sim.clock.now,
        )
        self.shop = Shipments(self._as_delivered)
        self._delivering: OrderView | None = None
        self.numbers: list[str] = []
        self.pending: list[SentCallback] = []
        """Callbacks the provider sent that have not reached the shop yet, in sending order."""
        self.dropped: list[SentCallback] = []
        self._taken = 0
        self._reconciled = False
        self._position: int | None = None
        self._views: dict[str, OrderView] = {}
        self.service.subscribe(self._follow, name=SHOP_FOLLOWER)

    def _connect(self) -> VertexClient:
        token = DEFAULT_SHOP.tokens[0]
        if self.loopback:
            self._site = serve(self.sim)
            config = VertexConfig(token=token, base_url=self._site.base_url + API_PREFIX)
            return VertexClient(config)
        self._transport = InProcessTransport(self.sim.app)
        config = VertexConfig(token=token, base_url=self.sim.public_base_url + API_PREFIX)
        return VertexClient(config, transport=self._transport)

    def teardown(self) -> None:
        self.service.close()
        self.client.close()
        if self._transport is not None:
            self._transport.close()
        if self._site is not None:
            self._site.stop()

    # -- the shop ---------------------------------------------------------------------------

    def on_update(self, update: OrderUpdate) -> None:
        """Your side effects; the base shop does nothing. Ship with
        ``self.ship(number, key=update.key)``."""

    def ship(self, order_number: str, *, key: str | None = None) -> None:
        self.shop.ship(order_number, key=key)

    def _follow(self, update: OrderUpdate) -> None:
        self._delivering = update.view
        try:
            self.on_update(update)
        finally:
            self._delivering = None

    def _as_delivered(self, order_number: str) -> OrderView:
        """The order as the update being delivered shows it (else as it is now)."""
        delivering = self._delivering
        if delivering is not None and delivering.order_number == order_number:
            return delivering
        return self.view(order_number)

    def view(self, order_number: str) -> OrderView:
        """The order as the shop's service sees it now (read again when the store changes)."""
        position = self.service.recorder.max_notification_id()
        if position != self._position:
            self._position, self._views = position, {}
        if order_number not in self._views:
            self._views[order_number] = self.service.view(self.shop_id, order_number)
        return self._views[order_number]

    # -- customers --------------------------------------------------------------------------

    @precondition(lambda self: len(self.numbers) < self.max_orders)
    @rule(
        target=orders,
        amount=st.sampled_from([1000, 999, 100_000]),
        flow=_mostly("single_stage", FLOWS),
        customer=_mostly("pays", CUSTOMERS),
    )
    def place(self, amount: int, flow: Flow, customer: Customer) -> str:
        """The shop places an order (``amount`` in minor units) and sends the customer to the
        payment page.

        ``flow``: paid at once, authorized then captured by the merchant (``two_stage``), or
        held for antifraud review first (``reviewed``). ``customer``: pays, does nothing yet
        (``pay`` later, or the deadline passes), is declined, or pays one minor unit less (the
        provider reports a mismatch).
        """
        number = f"order-{len(self.numbers) + 1}"
        if flow == "reviewed":
            self.sim.review_orders.add(number)
        self.service.place(
            shop_id=self.shop_id,
            order_number=number,
            amount=Money(amount, self.currency),
            auto_capture=flow != "two_stage",
            time_limit=self.sim.clock.now() + self.time_limit,
        )
        self.numbers.append(number)
        if customer == "pays":
            self.sim.pay(number)
        elif customer == "declines":
            self.sim.decline(number)
        elif customer == "pays_less":
            self.sim.pay(number, amount=Money(amount - 1, self.currency))
        self._collect()
        return number

    @precondition(lambda self: self._any_payable())
    @rule(order=orders)
    def pay(self, order: str) -> None:
        """A customer who waited pays after all (perhaps just as the deadline passes)."""
        if self._payable(order):
            self.sim.pay(order)
            self._collect()

    @precondition(lambda self: self._any_at_provider(OrderStatus.REVIEW))
    @rule(order=orders, accept=st.booleans())
    def review(self, order: str, accept: bool) -> None:
        """The merchant decides an antifraud review."""
        if self.sim.order(order).status is OrderStatus.REVIEW:
            self.sim.review_decision(order, accept=accept)
            self._collect()

    # -- the merchant -----------------------------------------------------------------------

    @precondition(lambda self: self._any_locally(CAPTURABLE_STATES))
    @rule(order=orders)
    def capture(self, order: str) -> None:
        """The merchant captures a two-stage payment."""
        if self._requestable(order, CAPTURABLE_STATES):
            self._merchant(lambda: self.service.request(Operation.CAPTURE, self.shop_id, order))

    @precondition(lambda self: self._any_locally(_VOIDABLE))
    @rule(order=orders)
    def void(self, order: str) -> None:
        """The merchant voids a two-stage payment (releases the hold)."""
        if self._requestable(order, _VOIDABLE):
            self._merchant(lambda: self.service.request(Operation.CANCEL, self.shop_id, order))

    @precondition(lambda self: self._any_locally(REFUNDABLE_STATES))
    @rule(order=orders, portion=st.sampled_from(["all", "half"]))
    def refund(self, order: str, portion: Literal["all", "half"]) -> None:
        """The merchant refunds what is left, or half of it."""
        if not self._requestable(order, REFUNDABLE_STATES):
            return
        current = self.view(order)
        left = current.captured.minor - current.refunded.minor
        amount = Money(left if portion == "all" else max(left // 2, 1), self.currency)
        self._merchant(lambda: self.service.request(Operation.REFUND, self.shop_id, order, amount))

    # -- time -------------------------------------------------------------------------------

    @rule(hours=st.sampled_from([0, 1, 24]))
    def advance_clock(self, hours: int) -> None:
        """Time passes: the provider applies queued operations, ends clearing and expires
        unpaid orders; the shop runs its expiry job (which asks the provider first)."""
        self._pass_time(timedelta(hours=hours))

    # -- the transport ----------------------------------------------------------------------

    @precondition(lambda self: bool(self.pending))
    @rule(target=callbacks)
    def deliver_next(self) -> SentCallback:
        """The oldest callback in flight reaches the shop."""
        callback = self.pending.pop(0)
        self._deliver(callback)
        return callback

    @rule(callback=callbacks)
    def deliver_again(self, callback: SentCallback) -> None:
        """A callback that was already delivered arrives again (at-least-once delivery)."""
        self._deliver(callback)

    @precondition(lambda self: len(self.pending) >= 2)
    @rule()
    def hold_back(self) -> None:
        """The oldest callback in flight is delayed behind all the others (reordering)."""
        self.pending.append(self.pending.pop(0))

    @precondition(lambda self: bool(self.pending))
    @rule()
    def drop_next(self) -> None:
        """The oldest callback in flight is lost; only a poll will tell the shop."""
        self.dropped.append(self.pending.pop(0))

    @rule(callback=callbacks, tamper=st.booleans())
    def deliver_forged(self, callback: SentCallback, tamper: bool) -> None:
        """Someone else posts a callback: a raised amount, or a signature with the wrong key."""
        body = callback.body.replace(b'"amount":"', b'"amount":"9', 1) if tamper else callback.body
        signature = callback.signature if tamper else sign(body, "not-the-shop-secret")

        result = self.service.handle_callback(self.shop_id, body, [(SIGNATURE_HEADER, signature)])

        assert result.outcome == "unauthenticated", f"a forged callback was {result.outcome}"

    @rule(order=orders)
    def reconcile(self, order: str) -> None:
        """The shop polls the provider for one order (Retrieve Order Details)."""
        _note(f"reconcile: {self.service.refresh(self.shop_id, order)}")

    @precondition(lambda self: bool(self.numbers))
    @rule()
    def reconcile_all(self) -> None:
        """The provider finishes its queued work, then the shop polls every order."""
        self.sim.run_pending()
        self._collect()
        for number in self.numbers:
            self.service.refresh(self.shop_id, number)
        self._reconciled = True

    # -- the shop's worker (followers of the log) -------------------------------------------

    @rule()
    def work(self) -> None:
        """The shop's worker runs its followers: every stored event not yet handled reaches
        ``on_update`` (a follower that failed is retried now)."""
        handled = self.service.work(retry_failed=True)
        _note(f"worker handled {handled.get(SHOP_FOLLOWER, 0)} update(s)")

    @rule()
    def worker_crashes(self) -> None:
        """The worker handles what is new, then dies before recording how far it got: the
        next run delivers the same updates again, with the same keys."""
        followers = self.service.followers
        before = self.service.read_store.position(SHOP_FOLLOWER)
        self.service.work(retry_failed=True)
        followers.rewind(SHOP_FOLLOWER, before)

    @rule()
    def warehouse_fails_next(self) -> None:
        """The warehouse refuses the next shipment (the follower is retried from there)."""
        self.shop.fail_next = True

    # -- invariants -------------------------------------------------------------------------

    @invariant()
    def money_refunded_never_exceeds_captured(self) -> None:
        for number in self.numbers:
            local = self.view(number)
            remote = provider_view(self.sim.order(number))
            assert local.refunded <= local.captured, f"{number}: refunded more than captured"
            assert remote.refunded <= remote.captured, f"{number}: provider refunded more"

    @invariant()
    def orders_agree_with_the_provider_after_reconciliation(self) -> None:
        if not self._reconciled:
            return
        self._reconciled = False
        disagree = {
            number: (self.view(number).state, provider_view(self.sim.order(number)).state)
            for number in self.numbers
            if self.view(number).state != provider_view(self.sim.order(number)).state
        }
        assert not disagree, f"after reconciliation, (local, provider) states differ: {disagree}"

    # -- plumbing ---------------------------------------------------------------------------

    def _collect(self) -> None:
        """Put the callbacks the simulator sent since the last look in flight."""
        sent = self.sim.outbox
        self.pending.extend(sent[self._taken :])
        self._taken = len(sent)

    def _deliver(self, callback: SentCallback) -> None:
        result = self.service.handle_callback(
            callback.shop_id, callback.body, [(SIGNATURE_HEADER, callback.signature)]
        )
        _note(f"callback {result.outcome}")

    def _pass_time(self, delta: timedelta) -> None:
        self.sim.advance(delta)
        self._collect()
        self.service.expire()
        self._collect()

    def _any_at_provider(self, status: OrderStatus) -> bool:
        return any(self.sim.order(number).status is status for number in self.numbers)

    def _any_payable(self) -> bool:
        return any(self._payable(number) for number in self.numbers)

    def _payable(self, order: str) -> bool:
        snapshot = self.sim.order(order)
        return snapshot.status is OrderStatus.IN_PROGRESS and not snapshot.charges()

    def _any_locally(self, states: frozenset[str]) -> bool:
        return any(self._requestable(number, states) for number in self.numbers)

    def _requestable(self, order: str, states: frozenset[str]) -> bool:
        current = self.view(order)
        return current.state in states and current.pending is None

    def _merchant(self, request: Callable[[], OrderView]) -> None:
        """A merchant request; the provider may refuse it (the order moved on meanwhile)."""
        try:
            request()
        except (ProviderRefused, CommandRefused) as refusal:
            _note(f"merchant request refused: {type(refusal).__name__}")
        self._collect()


def _note(text: str) -> None:
    """Count an outcome in Hypothesis' statistics; a no-op when a printed snippet is replayed."""
    if currently_in_test_context():
        event(text)


@overload
def machine_for(
    handler: Handler, *, name: str, provider: Literal["vertex"] = "vertex"
) -> type[ShopIntegrationMachine]: ...


@overload
def machine_for(
    handler: Handler, *, name: str, provider: Literal["stripe"]
) -> type[RuleBasedStateMachine]: ...


def machine_for(
    handler: Handler, *, name: str, provider: Literal["vertex", "stripe"] = "vertex"
) -> type[RuleBasedStateMachine]:
    """A machine whose shop runs ``handler(shipper, update)`` on every update.

    The same handler runs against either provider: ``provider="vertex"`` (the default) gives a
    ``ShopIntegrationMachine``, ``provider="stripe"`` a ``StripeShopMachine`` (the Stripe
    simulator through the Stripe adapter) with the same shop invariants.

    Give it a module-level name (``NaiveShopMachine = machine_for(on_update, name=...)``) so the
    snippet Hypothesis prints (``state = NaiveShopMachine()``) pastes back.
    """
    if provider == "stripe":
        # Imported here: the Stripe kit imports this module, and the Stripe SDK should cost a
        # Vertex-only user nothing.
        from .stripe_stateful import stripe_machine_for

        return stripe_machine_for(handler, name=name)
    if provider != "vertex":
        raise ValueError(f"no shop machine for provider {provider!r}: 'vertex' or 'stripe'")

    def on_update(self: ShopIntegrationMachine, update: OrderUpdate) -> None:
        handler(self, update)

    return type(name, (ShopIntegrationMachine,), {"on_update": on_update})


ShopIntegrationMachine.TestCase.settings = DEFAULT_SETTINGS
