"""``orderstate demo --provider stripe``: the chaotic checkout mix through the Stripe simulator.

The same shape as the Vertex demo (``demo``): the Stripe simulator and the webhook app listen on
loopback; every order is created through the official SDK (``StripeCalls``), the customer pays
with Stripe's test payment methods (succeeding, declined, 3-D Secure left unfinished, a bank
debit that stays ``processing``, a card whose payment is disputed), the back office captures,
voids, cancels abandoned checkouts, answers disputes and refunds, and the simulator's signed
webhooks are dropped, duplicated and reordered on the way. Days pass on the simulator's clock
(which is the service's): settlement (balance transactions becoming available), an
authorization left to expire, disputes decided. Reconciliation then polls what is still in
flight, and the run is checked: polling Stripe once more changes no order (every order agrees
with Stripe), and every order rebuilt from its stored events equals the live one.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from orderstate.adapters.loopback import serve_app
from orderstate.adapters.port import Customer, Operation, Outcome, Shop
from orderstate.adapters.service import OrderService, OrderView, RecordingMailer
from orderstate.adapters.stripe import StripeCalls, StripeConfig
from orderstate.adapters.stripe.outcomes import OUTCOMES
from orderstate.adapters.stripe.simulator import (
    DEFAULT_API_KEY,
    SimulatedStripe,
    WebhookChaos,
    serve,
)
from orderstate.adapters.web import create_app
from orderstate.engine import Money, State

from .demo import DemoReport, require_fresh_store
from .root import build_service

__all__ = ["STRIPE_OUTCOME_MIX", "run_stripe_demo"]

SHOP = 215
CURRENCIES = (("EUR", "19.99"), ("USD", "56.99"), ("JPY", "1500"), ("KWD", "12.500"))

STRIPE_OUTCOME_MIX: dict[str, int] = {
    "paid": 30,
    "two_stage_captured": 8,
    "two_stage_voided": 5,
    "authorization_expired": 3,
    "partially_refunded": 8,
    "fully_refunded": 5,
    "declined_then_paid": 5,
    "declined_abandoned": 5,
    "authentication_abandoned": 3,
    "bank_debit": 4,
    "bank_debit_failed": 2,
    "dispute_won": 3,
    "dispute_lost": 3,
}
"""The weight of each outcome of the adapter's table (``stripe.outcomes.OUTCOMES``) in the mix."""

if set(STRIPE_OUTCOME_MIX) != set(OUTCOMES):  # pragma: no cover - an outcome left unweighed
    raise RuntimeError("the Stripe demo's mix must weigh every outcome of the adapter's table")


@dataclass
class _Checkout:
    number: str
    outcome: str
    amount: Money
    intent: str = ""


def run_stripe_demo(
    *, orders: int, store: str, seed: int = 7, on_progress: Callable[[str, int], None] | None = None
) -> DemoReport:
    """Run ``orders`` checkouts against the Stripe simulator on loopback."""
    require_fresh_store(store)
    progress = on_progress or (lambda phase, done: None)
    rng = random.Random(seed)
    started = time.perf_counter()
    sim = SimulatedStripe(
        seed=seed,
        start=datetime.now(UTC).replace(microsecond=0),
        chaos=WebhookChaos(drop=0.05, duplicate=0.15, reorder=0.15),
        sender=httpx.Client(timeout=10.0),
        processing_delay=timedelta(hours=6),
        settlement_delay=timedelta(days=2),
    )
    with serve(sim) as stripe_site:
        calls = StripeCalls(
            StripeConfig(api_key=DEFAULT_API_KEY, base_url=stripe_site.base_url, timeout=10.0)
        )
        mailer = RecordingMailer()
        service = build_service(
            store=store,
            stripe_calls=calls,
            default_provider="stripe",
            clock=sim.clock.now,
            mailer=mailer,
        )
        app = create_app(service, run_followers=True)
        with serve_app(app, lifespan="on", name="webhook") as webhook:
            endpoint = sim.add_webhook_endpoint(f"{webhook.base_url}/callbacks/stripe/{SHOP}")
            service.providers.shops[SHOP] = Shop(tuple(endpoint.secrets), provider="stripe")
            checkouts = _plan(orders, rng)
            _checkout(service, sim, checkouts, progress)
            _merchant(service, sim, calls, checkouts, progress)
            reconciled = service.reconcile(older_than=timedelta(0), clearing_due=timedelta(0))
            report = _check(service, sim, checkouts, reconciled, started)
        service.work()
        report.confirmations = len(mailer.sent)
        service.close()
        if isinstance(sim.sender, httpx.Client):
            sim.sender.close()
    return report


def _plan(orders: int, rng: random.Random) -> list[_Checkout]:
    run = datetime.now(UTC).strftime("%Y%m%d%H%M%S") + f"-{rng.randrange(10**6):06d}"
    mix = list(STRIPE_OUTCOME_MIX)
    outcomes = rng.choices(mix, weights=list(STRIPE_OUTCOME_MIX.values()), k=orders)
    checkouts = []
    for n, outcome in enumerate(outcomes):
        currency, amount = CURRENCIES[n % len(CURRENCIES)]
        if outcome.startswith("bank_debit"):
            currency, amount = "EUR", "42.00"  # SEPA debits are in euros
        checkouts.append(_Checkout(f"sdemo-{run}-{n:05d}", outcome, Money.parse(amount, currency)))
    return checkouts


def _checkout(
    service: OrderService,
    sim: SimulatedStripe,
    checkouts: list[_Checkout],
    progress: Callable[[str, int], None],
) -> None:
    """Place every order (a PaymentIntent), then the customer confirms it with test methods."""
    for done, checkout in enumerate(checkouts, start=1):
        two_stage = OUTCOMES[checkout.outcome].two_stage
        view = service.place(
            shop_id=SHOP,
            order_number=checkout.number,
            amount=checkout.amount,
            auto_capture=not two_stage,
            customer=_customer(done),
        )
        if view.payment_link is None:
            raise RuntimeError(f"{checkout.number}: no client secret ({view.state})")
        checkout.intent = view.payment_link.split("_secret_")[0]
        for method in OUTCOMES[checkout.outcome].methods:
            sim.pay(checkout.intent, method)
            sim.deliver()
        progress("checkout", done)


def _customer(n: int) -> Customer:
    email = f"customer{n}@example.com" if n % 3 else None  # a third leave no email
    return Customer(first_name="Ana", last_name=f"Cruz {n}", email=email)


def _merchant(
    service: OrderService,
    sim: SimulatedStripe,
    calls: StripeCalls,
    checkouts: list[_Checkout],
    progress: Callable[[str, int], None],
) -> None:
    """The back office, by each outcome's merchant steps: once the debits are processed and
    the disputes open, capture or void holds, cancel abandoned checkouts, answer disputes;
    after settlement, refunds."""
    _advance(sim, timedelta(hours=7))  # debits processed, disputes opened
    for done, checkout in enumerate(checkouts, start=1):
        for step in OUTCOMES[checkout.outcome].merchant:
            if step == "capture":
                _up_to_date(service, checkout.number, State.AUTHORIZED)
                service.request(Operation.CAPTURE, SHOP, checkout.number)
            elif step == "cancel":
                service.request(Operation.CANCEL, SHOP, checkout.number)
            elif step in {"win_dispute", "lose_dispute"}:
                _answer_dispute(sim, calls, checkout, win=step == "win_dispute")
        progress("merchant", done)
    _advance(sim, timedelta(days=8))  # disputes decided, funds available, holds expired
    for checkout in checkouts:
        for step in OUTCOMES[checkout.outcome].merchant:
            if step in {"refund_half", "refund_rest"}:
                settled = {State.COMPLETED, State.PARTIALLY_REFUNDED}
                view = _up_to_date(service, checkout.number, *settled)
                half = Money(view.captured.minor // 2, view.captured.currency)
                amount = half if step == "refund_half" else view.captured - view.refunded
                service.request(Operation.REFUND, SHOP, checkout.number, amount)
    _advance(sim, timedelta(minutes=5))


def _answer_dispute(
    sim: SimulatedStripe, calls: StripeCalls, checkout: _Checkout, *, win: bool
) -> None:
    """The merchant's answer, as in Stripe's dashboard: evidence that wins, or accepting it."""
    for dispute in calls.disputes_of(checkout.intent):
        if win:
            sim.submit_evidence(dispute["id"], {"uncategorized_text": "winning_evidence"})
        else:
            sim.close_dispute(dispute["id"])
    sim.deliver()


def _advance(sim: SimulatedStripe, delta: timedelta) -> None:
    sim.advance(delta)
    sim.deliver()


def _up_to_date(service: OrderService, number: str, *expected: State) -> OrderView:
    """The order's view, polled from Stripe first if a dropped webhook left it behind (or a
    refund still pending)."""
    view = service.view(SHOP, number)
    if view.state not in expected or view.pending is not None:
        service.refresh(SHOP, number)
        view = service.view(SHOP, number)
    return view


def _check(
    service: OrderService,
    sim: SimulatedStripe,
    checkouts: list[_Checkout],
    reconciled: dict[str, int],
    started: float,
) -> DemoReport:
    """Every order agrees with Stripe: one more poll of each changes nothing."""
    disagreements = []
    for checkout in checkouts:
        outcome = service.refresh(SHOP, checkout.number)
        if outcome != Outcome.DUPLICATE:
            view = service.view(SHOP, checkout.number)
            disagreements.append(
                f"{checkout.number} ({checkout.outcome}): local {view.state} {view.refunded}, "
                f"one more poll of Stripe was {outcome}"
            )
    return DemoReport(
        orders=len(checkouts),
        seconds=time.perf_counter() - started,
        outcomes=Counter(c.outcome for c in checkouts),
        by_state=service.orders_by_state(),
        replay=service.replay_verify(),
        callbacks=len(sim.webhooks.sent),
        reconciled=reconciled,
        disagreements=disagreements,
    )
