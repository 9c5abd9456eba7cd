"""``orderstate demo``: hundreds of simulated checkouts through the real pieces, then a check.

The Vertex simulator and the webhook app both listen on loopback. Every order goes through the
real client (``POST /order``), the hosted payment page (an HTTP form post), the merchant's
actions (capture, void, refund, review decisions, reject) and signed callbacks that the
simulator duplicates, reorders and drops. Reconciliation then repairs what was dropped, and the
run is checked: every order's state must match the provider's view, and every order rebuilt
from its stored events must pass the engine's invariants.

Each run starts its own simulated provider, which knows nothing of an earlier run's orders; a
store holding them would be polled for them and report them missing. So a run needs a store of
its own: by default ``DEMO_STORE``, replaced at each run (``fresh_demo_store``), and a store
that is named and already holds orders is refused (``DemoStoreInUse``) rather than piled onto.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx

from orderstate.adapters.loopback import serve_app
from orderstate.adapters.port import Customer, Operation, Shop
from orderstate.adapters.service import (
    OrderService,
    OrderView,
    RecordingMailer,
    ReplayReport,
    StateTotal,
)
from orderstate.adapters.vertex import VertexClient, VertexConfig, provider_view
from orderstate.adapters.vertex.simulator import (
    API_PREFIX,
    CallbackChaos,
    SimShop,
    SimulatedGateway,
    serve,
)
from orderstate.adapters.web import create_app
from orderstate.engine import Money, State

from .root import build_service

__all__ = [
    "DEMO_STORE",
    "OUTCOME_MIX",
    "DemoReport",
    "DemoStoreInUse",
    "fresh_demo_store",
    "require_fresh_store",
    "run_demo",
]

DEMO_STORE = "orderstate-demo.db"
"""The demo's own SQLite file (in the working directory), replaced at every run."""

SHOP, TOKEN, SECRET = 115, "demo-token-115", "demo-secret-115"
CURRENCIES = (("PHP", "56.99"), ("BRL", "120.50"), ("CLP", "15000"), ("EUR", "19.99"))

# Each checkout's story, with its weight in the mix.
OUTCOME_MIX: dict[str, int] = {
    "paid": 30,
    "two_stage_captured": 8,
    "two_stage_voided": 5,
    "partially_refunded": 8,
    "fully_refunded": 5,
    "review_accepted": 5,
    "review_declined": 3,
    "declined": 8,
    "expired": 6,
    "rejected": 3,
    "amount_mismatch": 3,
}

MERCHANT_OPERATIONS: dict[str, Operation] = {
    "two_stage_captured": Operation.CAPTURE,
    "two_stage_voided": Operation.CANCEL,
    "review_accepted": Operation.ACCEPT_REVIEW,
    "review_declined": Operation.DECLINE_REVIEW,
    "rejected": Operation.REJECT,
}
"""What the back office asks the provider for, by the checkout's story."""


@dataclass
class DemoReport:
    """What the demo did and what it found."""

    orders: int
    seconds: float
    outcomes: Counter[str]
    by_state: list[StateTotal]
    replay: ReplayReport
    callbacks: int
    reconciled: dict[str, int]
    confirmations: int = 0
    """Confirmation emails the outbox follower handed to the mailer (customers with no email)."""
    disagreements: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.disagreements and not self.replay.failures


@dataclass
class _Checkout:
    number: str
    outcome: str
    amount: Money
    session: str = ""


class DemoStoreInUse(ValueError):
    """The store named for a demo run already holds orders (an earlier run's, or real ones)."""

    def __init__(self, store: str, orders: int) -> None:
        super().__init__(
            f"{store} already holds {orders} orders; the demo's simulated provider starts empty "
            f"and would report them missing. Run without --db and ORDERSTATE_DB (the demo then "
            f"uses its own {DEMO_STORE}, fresh each run) or name a new store"
        )
        self.store = store
        self.orders = orders


def fresh_demo_store(path: str = DEMO_STORE) -> str:
    """Delete the SQLite file at ``path`` (and its WAL files) so the run starts empty."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(path + suffix).unlink(missing_ok=True)
    return path


def run_demo(
    *, orders: int, store: str, seed: int = 7, on_progress: Callable[[str, int], None] | None = None
) -> DemoReport:
    """Run ``orders`` checkouts against the simulator on loopback; ``on_progress(phase, n)``.
    Refuses (``DemoStoreInUse``) a store that already holds orders."""
    require_fresh_store(store)
    progress = on_progress or (lambda phase, done: None)
    rng = random.Random(seed)
    started = time.perf_counter()
    sim = SimulatedGateway(
        shops=(SimShop(SHOP, (TOKEN,), SECRET),),
        seed=seed,
        start=datetime.now(UTC).replace(microsecond=0),
        clearing_delay=timedelta(days=1),
        chaos=CallbackChaos(drop=0.05, duplicate=0.15, reorder=0.15),
        sender=httpx.Client(timeout=10.0),
        notify_payment_changes=True,  # a callback when a two-stage payment is authorized
    )
    with serve(sim) as provider_site:
        client = VertexClient(
            VertexConfig(token=TOKEN, base_url=provider_site.base_url + API_PREFIX)
        )
        mailer = RecordingMailer()
        service = build_service(
            store=store, vertex_client=client, clock=sim.clock.now, mailer=mailer
        )
        app = create_app(service, run_followers=True)
        with serve_app(app, lifespan="on", name="webhook") as webhook:
            url = f"{webhook.base_url}/callbacks/vertex/{SHOP}"
            service.providers.shops[SHOP] = Shop((SECRET,), url)
            checkouts = _plan(orders, rng)
            with httpx.Client(base_url=provider_site.base_url, timeout=10.0) as page:
                _checkout(service, sim, page, checkouts, progress)
            _merchant_actions(service, sim, checkouts, progress)
            reconciled = _settle(service, sim)
            report = _check(service, sim, checkouts, reconciled, started)
        service.work()  # whatever the followers' thread has not reached yet
        report.confirmations = len(mailer.sent)
        service.close()  # and the client, through its provider
        if isinstance(sim.sender, httpx.Client):
            sim.sender.close()
    return report


def require_fresh_store(store: str) -> None:
    """Raise ``DemoStoreInUse`` if ``store`` already holds orders."""
    service = build_service(store=store)
    try:
        held = sum(total.count for total in service.orders_by_state())
    finally:
        service.close()
    if held:
        raise DemoStoreInUse(store, held)


def _plan(orders: int, rng: random.Random) -> list[_Checkout]:
    run = datetime.now(UTC).strftime("%Y%m%d%H%M%S") + f"-{rng.randrange(10**6):06d}"
    outcomes = rng.choices(list(OUTCOME_MIX), weights=list(OUTCOME_MIX.values()), k=orders)
    checkouts = []
    for n, outcome in enumerate(outcomes):
        currency, amount = CURRENCIES[n % len(CURRENCIES)]
        checkouts.append(_Checkout(f"demo-{run}-{n:05d}", outcome, Money.parse(amount, currency)))
    return checkouts


def _checkout(
    service: OrderService,
    sim: SimulatedGateway,
    page: httpx.Client,
    checkouts: list[_Checkout],
    progress: Callable[[str, int], None],
) -> None:
    """Place every order, then the customer acts on the hosted payment page."""
    # Step 3 of the flow: the shop's payment methods; some checkouts name one, the others
    # leave the choice to the customer on the payment page.
    methods = [None, *(option.code for option in service.payment_options(SHOP))]
    for done, checkout in enumerate(checkouts, start=1):
        if checkout.outcome.startswith("review"):
            sim.review_orders.add(checkout.number)
        view = service.place(
            shop_id=SHOP,
            order_number=checkout.number,
            amount=checkout.amount,
            auto_capture=not checkout.outcome.startswith("two_stage"),
            time_limit=sim.clock.now() + timedelta(hours=2),
            customer=_customer(done),
            payment_method=_method_for(checkout, methods[done % len(methods)]),
        )
        if view.payment_link is None:
            raise RuntimeError(f"{checkout.number}: no payment link ({view.state})")
        checkout.session = parse_qs(urlparse(view.payment_link).query)["session-id"][0]
        _customer_acts(page, checkout)
        progress("checkout", done)


def _customer(n: int) -> Customer:
    email = f"customer{n}@example.com" if n % 3 else None  # a third leave no email
    return Customer(first_name="Ana", last_name=f"Cruz {n}", email=email)


def _customer_acts(page: httpx.Client, checkout: _Checkout) -> None:
    if checkout.outcome in {"expired", "rejected"}:
        return  # abandoned on the page; the deadline or the merchant ends it
    action = "decline" if checkout.outcome == "declined" else "pay"
    data = {}
    if checkout.outcome == "amount_mismatch":
        data["amount"] = (checkout.amount - Money(1, checkout.amount.currency)).format_amount()
    page.post(f"/payment/{checkout.session}/{action}", data=data).raise_for_status()


def _merchant_actions(
    service: OrderService,
    sim: SimulatedGateway,
    checkouts: list[_Checkout],
    progress: Callable[[str, int], None],
) -> None:
    """The back office: capture or void, review decisions, rejects; then clearing; refunds."""
    for done, checkout in enumerate(checkouts, start=1):
        number, outcome = checkout.number, checkout.outcome
        if outcome.startswith("two_stage"):
            _up_to_date(service, number, State.AUTHORIZED)
        elif outcome.startswith("review"):  # decided on the order as the log knows it
            _up_to_date(service, number, State.REVIEW)
        operation = MERCHANT_OPERATIONS.get(outcome)
        if operation is not None:
            service.request(operation, SHOP, number)
        progress("merchant", done)
    sim.advance(timedelta(days=1, hours=3))  # clearing ends, deadlines pass
    for checkout in checkouts:
        if checkout.outcome in {"partially_refunded", "fully_refunded"}:
            whole = checkout.outcome == "fully_refunded"
            view = _up_to_date(service, checkout.number, State.COMPLETED)
            half = Money(view.captured.minor // 2, view.captured.currency)
            service.request(
                Operation.REFUND, SHOP, checkout.number, view.captured if whole else half
            )
    sim.advance(timedelta(minutes=5))


def _up_to_date(service: OrderService, number: str, expected: State) -> OrderView:
    """The order's view, polled from the provider first if a dropped callback left it behind."""
    view = service.view(SHOP, number)
    if view.state != expected:
        service.refresh(SHOP, number)
        view = service.view(SHOP, number)
    return view


def _settle(service: OrderService, sim: SimulatedGateway) -> dict[str, int]:
    """Expire what is due, then poll the provider for everything a dropped callback left.

    The simulator's days pass in seconds of the service's clock: clearing is due at once."""
    service.expire()
    sim.advance(timedelta(minutes=1))
    return service.reconcile(older_than=timedelta(0), clearing_due=timedelta(0))


def _check(
    service: OrderService,
    sim: SimulatedGateway,
    checkouts: list[_Checkout],
    reconciled: dict[str, int],
    started: float,
) -> DemoReport:
    disagreements = []
    for checkout in checkouts:
        local = service.view(SHOP, checkout.number)
        remote = provider_view(sim.order(checkout.number, shop_id=SHOP))
        if (local.state, local.refunded) != (remote.state, remote.refunded):
            disagreements.append(
                f"{checkout.number} ({checkout.outcome}): local {local.state} "
                f"{local.refunded}, provider {remote.state} {remote.refunded}"
            )
    return DemoReport(
        orders=len(checkouts),
        seconds=time.perf_counter() - started,
        outcomes=Counter(c.outcome for c in checkouts),
        by_state=service.orders_by_state(),
        replay=service.replay_verify(),
        callbacks=len(sim.outbox),
        reconciled=reconciled,
        disagreements=disagreements,
    )


def _method_for(checkout: _Checkout, method: str | None) -> str | None:
    """Vertex holds funds (two-stage) on cards only: a two-stage checkout names a card method
    or leaves the choice to the customer."""
    two_stage = checkout.outcome.startswith("two_stage")
    return None if two_stage and method and not method.startswith("card/") else method
