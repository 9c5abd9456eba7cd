"""``StripeShopMachine``: ``ShopIntegrationMachine``'s world with Stripe as the provider.

The same shop, the same follower of the service's log (``on_update``, ``self.ship(number,
key=update.key)``), the same worker rules and the same invariants; the provider is the Stripe
simulator, reached through the real adapter (the official SDK on an in-process transport), and
the transport carries its signed webhook events. Hypothesis mixes customers paying with
Stripe's test payment methods (succeeding, declined, 3-D Secure left unfinished, a bank debit, a
card whose payment is disputed), the merchant (capture, void, refund), time (processing,
settlement, expiring holds, disputes decided) and the webhooks (deliver, again, hold back, drop,
forge), and polls. After every step it checks:

- the engine: legal states, ``0 <= refunded <= captured <= authorized <= amount``, replay
  equals the live orders;
- ``goods_ship_at_most_once``, ``goods_ship_only_for_paid_orders``,
  ``refunded_or_cancelled_orders_never_ship`` (``charged_back`` included: a lost dispute);
- ``orders_agree_with_stripe_after_reconciliation``: right after ``reconcile_all``, one more
  poll of every order changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, precondition, rule

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.port import Operation, Outcome, ProviderRefused, Shop
from orderstate.adapters.service import OrderUpdate, OrderView
from orderstate.adapters.stripe import StripeCalls, StripeConfig
from orderstate.adapters.stripe.simulator import (
    DEFAULT_API_KEY,
    SIGNATURE_HEADER,
    Delivery,
    SimulatedStripe,
    StripeRefusal,
    sign_payload,
)
from orderstate.engine import (
    CANCELLABLE_STATES,
    CAPTURABLE_STATES,
    REFUNDABLE_STATES,
    CommandRefused,
    Money,
)

from .stateful import (
    DEFAULT_SETTINGS,
    SHOP_FOLLOWER,
    Handler,
    Shipments,
    ShopInvariants,
    _note,
)

__all__ = ["METHODS", "StripeShopMachine", "stripe_machine_for"]

METHODS = (
    "pm_card_visa",
    "pm_card_chargeDeclined",
    "pm_card_authenticationRequired",
    "pm_sepaDebit_succeeds",
    "pm_card_createDispute",
)
"""The test payment methods customers pay with (the first is drawn half the time)."""

_VOIDABLE = CAPTURABLE_STATES & CANCELLABLE_STATES


class StripeShopMachine(ShopInvariants, RuleBasedStateMachine):
    """Your shop's side effects against the service, the Stripe simulator and a hostile
    transport. Tune with ``currency``, ``start`` and ``max_orders``."""

    currency: ClassVar[str] = "EUR"
    start: ClassVar[datetime] = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    max_orders: ClassVar[int] = 3
    shop_id: ClassVar[int] = 215

    orders = Bundle("orders")
    callbacks = Bundle("callbacks")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.TestCase.settings = DEFAULT_SETTINGS

    def __init__(self) -> None:
        super().__init__()
        self.sim = SimulatedStripe(
            start=self.start,
            processing_delay=timedelta(hours=2),
            settlement_delay=timedelta(days=2),
            dispute_delay=timedelta(hours=1),
        )
        endpoint = self.sim.add_webhook_endpoint(
            f"http://shop.test/callbacks/stripe/{self.shop_id}"
        )
        config = StripeConfig(
            api_key=DEFAULT_API_KEY, base_url="http://stripe.sim", max_network_retries=0
        )
        self.calls = StripeCalls(config, http=httpx.Client(transport=self.sim.transport()))
        self.service = build_service(
            store="memory",
            shops={self.shop_id: Shop(tuple(endpoint.secrets), provider="stripe")},
            stripe_calls=self.calls,
            default_provider="stripe",
            clock=self.sim.clock.now,
        )
        self.shop = Shipments(self.view)
        self.numbers: list[str] = []
        self.intents: dict[str, str] = {}
        self.pending: list[Delivery] = []
        self._taken = 0
        self._reconciled = False
        self.service.subscribe(self._follow, name=SHOP_FOLLOWER)

    def teardown(self) -> None:
        self.service.close()

    # -- the shop ---------------------------------------------------------------------------

    def on_update(self, update: OrderUpdate) -> None:
        """Your side effects; the base shop does nothing."""

    def ship(self, order_number: str, *, key: str | None = None) -> None:
        self.shop.ship(order_number, key=key)

    def _follow(self, update: OrderUpdate) -> None:
        self.on_update(update)

    def view(self, order_number: str) -> OrderView:
        return self.service.view(self.shop_id, order_number)

    # -- customers --------------------------------------------------------------------------

    @precondition(lambda self: len(self.numbers) < self.max_orders)
    @rule(
        target=orders,
        amount=st.sampled_from([1000, 2500]),
        two_stage=st.booleans(),
        method=st.one_of(st.just(METHODS[0]), st.sampled_from(METHODS)),
    )
    def place(self, amount: int, two_stage: bool, method: str) -> str:
        """The shop places an order (a PaymentIntent); the customer confirms with ``method``."""
        number = f"order-{len(self.numbers) + 1}"
        view = self.service.place(
            shop_id=self.shop_id,
            order_number=number,
            amount=Money(amount, self.currency),
            auto_capture=not two_stage,
        )
        self.numbers.append(number)
        self.intents[number] = (view.payment_link or "").split("_secret_")[0]
        self._customer(number, method)
        return number

    @rule(order=orders, method=st.sampled_from(METHODS))
    def pay_again(self, order: str, method: str) -> None:
        """A customer whose card was declined (or who left) tries again."""
        if self.sim.intent(self.intents[order])["status"] == "requires_payment_method":
            self._customer(order, method)

    def _customer(self, order: str, method: str) -> None:
        try:
            self.sim.pay(self.intents[order], method)
        except StripeRefusal as refusal:  # e.g. a bank debit for a manual-capture intent
            _note(f"Stripe refused the payment method: {refusal}")
        self._collect()

    # -- the merchant -----------------------------------------------------------------------

    @rule(order=orders)
    def capture(self, order: str) -> None:
        if self._requestable(order, CAPTURABLE_STATES):
            self._merchant(lambda: self.service.request(Operation.CAPTURE, self.shop_id, order))

    @rule(order=orders)
    def void(self, order: str) -> None:
        if self._requestable(order, _VOIDABLE):
            self._merchant(lambda: self.service.request(Operation.CANCEL, self.shop_id, order))

    @rule(order=orders, whole=st.booleans())
    def refund(self, order: str, whole: bool) -> None:
        if not self._requestable(order, REFUNDABLE_STATES):
            return
        current = self.view(order)
        left = current.captured.minor - current.refunded.minor
        amount = Money(left if whole else max(left // 2, 1), self.currency)
        self._merchant(lambda: self.service.request(Operation.REFUND, self.shop_id, order, amount))

    # -- time and the transport ---------------------------------------------------------------

    @rule(hours=st.sampled_from([1, 24, 72, 24 * 8]))
    def advance_clock(self, hours: int) -> None:
        """Time passes at Stripe: processing ends, funds become available, holds expire,
        disputes open and are decided."""
        self.sim.advance(timedelta(hours=hours))
        self._collect()

    @precondition(lambda self: bool(self.pending))
    @rule(target=callbacks)
    def deliver_next(self) -> Delivery:
        delivery = self.pending.pop(0)
        self._deliver(delivery)
        return delivery

    @rule(delivery=callbacks)
    def deliver_again(self, delivery: Delivery) -> None:
        self._deliver(delivery)

    @precondition(lambda self: len(self.pending) >= 2)
    @rule()
    def hold_back(self) -> None:
        self.pending.append(self.pending.pop(0))

    @precondition(lambda self: bool(self.pending))
    @rule()
    def drop_next(self) -> None:
        self.pending.pop(0)

    @rule(delivery=callbacks)
    def deliver_forged(self, delivery: Delivery) -> None:
        """Someone posts an event signed with another secret."""
        stamp = self.sim.clock.timestamp()
        forged = sign_payload(delivery.body, ["whsec_not_the_shops"], stamp)

        result = self.service.handle_callback(
            self.shop_id, delivery.body, [(SIGNATURE_HEADER, forged)]
        )

        assert result.outcome == "unauthenticated", f"a forged event was {result.outcome}"

    @rule(order=orders)
    def reconcile(self, order: str) -> None:
        _note(f"reconcile: {self.service.refresh(self.shop_id, order)}")

    @precondition(lambda self: bool(self.numbers))
    @rule()
    def reconcile_all(self) -> None:
        for number in self.numbers:
            self.service.refresh(self.shop_id, number)
        self._reconciled = True

    # -- the shop's worker ------------------------------------------------------------------

    @rule()
    def work(self) -> None:
        self.service.work(retry_failed=True)

    @rule()
    def worker_crashes(self) -> None:
        before = self.service.read_store.position(SHOP_FOLLOWER)
        self.service.work(retry_failed=True)
        self.service.followers.rewind(SHOP_FOLLOWER, before)

    @rule()
    def warehouse_fails_next(self) -> None:
        self.shop.fail_next = True

    # -- invariants -------------------------------------------------------------------------

    @invariant()
    def orders_agree_with_stripe_after_reconciliation(self) -> None:
        if not self._reconciled:
            return
        self._reconciled = False
        moved = {
            number: outcome
            for number in self.numbers
            if (outcome := self.service.refresh(self.shop_id, number)) != Outcome.DUPLICATE
        }
        assert not moved, f"after reconciliation, one more poll still changed: {moved}"

    # -- plumbing ---------------------------------------------------------------------------

    def _collect(self) -> None:
        sent = self.sim.webhooks.sent
        self.pending.extend(sent[self._taken :])
        self._taken = len(sent)

    def _deliver(self, delivery: Delivery) -> None:
        headers = delivery.headers(self.sim.clock.timestamp())
        result = self.service.handle_callback(self.shop_id, delivery.body, list(headers.items()))
        _note(f"event {result.outcome}")

    def _requestable(self, order: str, states: frozenset[str]) -> bool:
        current = self.view(order)
        return current.state in states and current.pending is None

    def _merchant(self, request: Callable[[], OrderView]) -> None:
        try:
            request()
        except (ProviderRefused, CommandRefused) as refusal:
            _note(f"merchant request refused: {type(refusal).__name__}")
        self._collect()


def stripe_machine_for(handler: Handler, *, name: str) -> type[StripeShopMachine]:
    """A Stripe machine whose shop runs ``handler(shipper, update)`` on every update."""

    def on_update(self: StripeShopMachine, update: OrderUpdate) -> None:
        handler(self, update)

    return type(name, (StripeShopMachine,), {"on_update": on_update})


StripeShopMachine.TestCase.settings = DEFAULT_SETTINGS
