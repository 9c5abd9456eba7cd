"""``SimulatedStripe``: the simulator's knobs, its app, and webhook delivery.

Everything runs on the simulator's own clock (``advance``): authorization expiry, asynchronous
payments, pending refunds, settlement, disputes, delayed webhook deliveries and their retries.
The HTTP face is ``sim.app`` (Starlette, ``app``); tests may also call the methods directly, and
the customer's side (``pay``, ``authenticate``) has no Stripe API of its own.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from starlette.applications import Starlette

from .core import SimClock
from .events import EventLog
from .faults import Fault, FaultPlan
from .idempotency import IdempotencyStore
from .operations import Operations
from .webhooks import DEFAULT_RETRY_DELAYS, WebhookChaos, WebhookEndpoint, Webhooks, new_secret

__all__ = ["DEFAULT_API_KEY", "SimulatedStripe"]

DEFAULT_API_KEY = "sk_test_orderstate_simulator"
"""The secret key the simulator accepts unless told otherwise (made up, test mode)."""


class SimulatedStripe(Operations):
    """An in-memory Stripe account in test mode; every knob is keyword-only, every draw seeded.

    Knobs:

    - ``api_keys``: the secret keys accepted as ``Authorization: Bearer``.
    - ``seed``: ids, webhook chaos and drawn faults.
    - ``start``: the clock's start (timezone-aware; default now, to the second).
    - ``public_base_url``: where ``next_action`` URLs point (``serve`` sets it).
    - ``authorization_window``: how long a manual-capture authorization lives (7 days, cards);
      ``expiry_cancellation_reason``: the intent's ``cancellation_reason`` then ("automatic",
      Stripe's reason for cancellations it makes itself; *assumption*, a knob for that reason).
    - ``processing_delay``: how long a bank debit stays ``processing`` (default 1 day).
    - ``settlement_delay``: how long a balance transaction stays ``pending`` (default 2 days).
    - ``fee_basis_points``, ``fee_fixed``: the processing fee on captures (default none);
      ``dispute_fee``: withdrawn with a dispute (default 1500 minor units).
    - ``refund_delay``: how long a refund stays ``pending`` (default 0: succeeded at once);
      ``refund_failure_delay``: when a ``pm_card_refundFail`` refund fails (default 1 hour).
    - ``dispute_delay``: when a ``pm_card_createDispute`` payment is disputed (default 1 hour);
      ``dispute_review_delay``: when test evidence decides a dispute (default 1 day).
    - ``chaos``: webhook drop / duplicate / reorder / delay; ``retry_delays``: seconds before
      each retry of a failed delivery; ``sender``, ``auto_deliver``, ``delivery_timeout``: how
      deliveries are POSTed (without a sender they only accumulate in ``webhooks.sent``);
      ``signature_clock``: what a delivery's ``t=`` says (default: the simulator's clock).
    - ``fault_rates``, ``fault``: per-endpoint probability of an injected failure and what it
      is; ``sim.faults.script(endpoint, Fault(...))`` queues exact ones.
    """

    def __init__(
        self,
        *,
        api_keys: Iterable[str] = (DEFAULT_API_KEY,),
        seed: int = 0,
        start: datetime | None = None,
        public_base_url: str = "http://stripe-simulator.test",
        authorization_window: timedelta = timedelta(days=7),
        expiry_cancellation_reason: str = "automatic",
        processing_delay: timedelta = timedelta(days=1),
        settlement_delay: timedelta = timedelta(days=2),
        fee_basis_points: int = 0,
        fee_fixed: int = 0,
        dispute_fee: int = 1500,
        refund_delay: timedelta = timedelta(0),
        refund_failure_delay: timedelta = timedelta(hours=1),
        dispute_delay: timedelta = timedelta(hours=1),
        dispute_review_delay: timedelta = timedelta(days=1),
        chaos: WebhookChaos = WebhookChaos(),  # noqa: B008 - frozen, so sharing is safe
        retry_delays: Iterable[int] = DEFAULT_RETRY_DELAYS,
        fault_rates: Mapping[str, float] | None = None,
        fault: Fault = Fault(),  # noqa: B008 - frozen, so sharing is safe
        sender: httpx.Client | httpx.AsyncClient | None = None,
        auto_deliver: bool = True,
        delivery_timeout: float = 5.0,
        signature_clock: Callable[[], int] | None = None,
    ) -> None:
        delays = (authorization_window, processing_delay, settlement_delay, refund_delay)
        if any(delay < timedelta(0) for delay in delays):
            raise ValueError("delays must not be negative")
        if min(fee_basis_points, fee_fixed, dispute_fee) < 0:
            raise ValueError("fees must not be negative")
        self.api_keys = frozenset(api_keys)
        if not self.api_keys:
            raise ValueError("the simulator needs at least one API key")
        self.clock = SimClock(start or datetime.now(UTC).replace(microsecond=0))
        self.public_base_url = public_base_url.rstrip("/")
        self.authorization_window = authorization_window
        self.expiry_cancellation_reason = expiry_cancellation_reason
        self.processing_delay = processing_delay
        self.settlement_delay = settlement_delay
        self.fee_basis_points = fee_basis_points
        self.fee_fixed = fee_fixed
        self.dispute_fee = dispute_fee
        self.refund_delay = refund_delay
        self.refund_failure_delay = refund_failure_delay
        self.dispute_delay = dispute_delay
        self.dispute_review_delay = dispute_review_delay
        self.sender = sender
        self.auto_deliver = auto_deliver
        self.delivery_timeout = delivery_timeout
        self.events = EventLog()
        self.webhooks = Webhooks(
            chaos=chaos, seed=seed, retry_delays=tuple(retry_delays), clock=self._now
        )
        self.webhooks.signature_clock = signature_clock
        self.faults = FaultPlan(rates=fault_rates or {}, seed=seed, fault=fault)
        self.idempotency = IdempotencyStore()
        self._lock = threading.RLock()
        self._random = random.Random(f"stripe:{seed}")
        self._intents = {}
        self._charges = {}
        self._refunds = {}
        self._disputes = {}
        self._balance = {}
        self._timers = []
        self._sequence = 0
        self._request = (None, None)
        self._handlers = {
            "authorization_expiry": self._expire_authorization,
            "processing_end": self._end_processing,
            "available": self._make_available,
            "refund_settle": self._settle_refund,
            "refund_fail": self._fail_refund_timer,
            "dispute_open": self._open_dispute_timer,
            "dispute_due": lambda target: self._dispute_timer(target, won=None),
            "dispute_winning": lambda target: self._dispute_timer(target, won=True),
            "dispute_losing": lambda target: self._dispute_timer(target, won=False),
        }
        self._app: Starlette | None = None

    def add_webhook_endpoint(
        self, url: str, *, enabled_events: Iterable[str] = ("*",), secret: str | None = None
    ) -> WebhookEndpoint:
        """Send events to ``url``, signed with ``secret`` (default: a new ``whsec_`` one)."""
        with self._lock:
            endpoint = WebhookEndpoint(
                id=self._new_id("we"),
                url=url,
                secrets=[secret or new_secret()],
                enabled_events=tuple(enabled_events),
            )
            self.webhooks.endpoints.append(endpoint)
            return endpoint

    def deliver(self) -> int:
        """POST ready deliveries through the synchronous ``sender``; returns how many got 2xx."""
        if not isinstance(self.sender, httpx.Client):
            raise TypeError("deliver() needs an httpx.Client sender; use adeliver() for async")
        return self.webhooks.deliver(self.sender, timeout=self.delivery_timeout)

    async def adeliver(self) -> int:
        """POST ready deliveries through the async ``sender``; returns how many got 2xx."""
        if not isinstance(self.sender, httpx.AsyncClient):
            raise TypeError("adeliver() needs an httpx.AsyncClient sender; use deliver()")
        return await self.webhooks.adeliver(self.sender, timeout=self.delivery_timeout)

    def intents(self) -> list[dict[str, Any]]:
        """Every PaymentIntent, oldest first."""
        with self._lock:
            return [intent.to_json() for intent in self._intents.values()]

    def transport(self) -> httpx.MockTransport:
        """A transport serving ``app`` in process to a synchronous ``httpx.Client``."""
        from .transport import sync_transport

        return sync_transport(self.app)

    @property
    def app(self) -> Starlette:
        """The Starlette app serving this simulator (built once)."""
        if self._app is None:
            from .app import build_app

            self._app = build_app(self)
        return self._app
