"""Signed event delivery to webhook endpoints, with the chaos of a real at-least-once transport.

Each event goes to every endpoint that wants its type, as the exact bytes of the event JSON,
signed per attempt: ``Stripe-Signature: t=<unix>,v1=<hex>`` where ``<hex>`` is HMAC-SHA256 with
the endpoint's ``whsec_`` secret over ``"<t>.<body>"`` (one ``v1`` per live secret while a
secret is being rolled), which ``stripe.Webhook.construct_event`` verifies.

``WebhookChaos`` may drop a delivery, duplicate it, hold it back until after the next one
(reorder) or postpone it by ``delay_seconds`` of simulator time; four seeded draws per delivery,
whatever the knobs, so a seed replays one story. Its ``timeout`` counts an answered attempt as
timed out (Stripe gave up waiting), which is then retried although the receiver got it. A
delivery the receiver does not answer with a 2xx (a 5xx, a timeout, a refused connection) is
retried after ``retry_delays`` of simulator time (``advance`` makes them due), then given up
and kept in ``failed``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import secrets
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

__all__ = [
    "DEFAULT_RETRY_DELAYS",
    "SIGNATURE_HEADER",
    "Delivery",
    "DeliveryAttempt",
    "WebhookChaos",
    "WebhookEndpoint",
    "Webhooks",
    "sign_payload",
]

SIGNATURE_HEADER = "Stripe-Signature"
DEFAULT_RETRY_DELAYS = (60, 300, 1800, 3600, 7200)
"""Seconds before each retry: a sandbox retries "a few times over hours"."""


def sign_payload(body: bytes, secrets_: Iterable[str], timestamp: int) -> str:
    """The ``Stripe-Signature`` header for ``body`` at ``timestamp``, one ``v1`` per secret."""
    signed = f"{timestamp}.".encode() + body
    parts = [f"t={timestamp}"]
    for secret in secrets_:
        digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        parts.append(f"v1={digest}")
    return ",".join(parts)


@dataclass(slots=True, eq=False)
class WebhookEndpoint:
    """Where events go: a URL, the event types it wants (``*`` for all), its live secrets."""

    id: str
    url: str
    secrets: list[str]
    enabled_events: tuple[str, ...] = ("*",)

    @property
    def secret(self) -> str:
        """The newest secret (the one to configure on the receiving side)."""
        return self.secrets[-1]

    def wants(self, event_type: str) -> bool:
        return any(
            pattern == "*"
            or pattern == event_type
            or (pattern.endswith(".*") and event_type.startswith(pattern[:-1]))
            for pattern in self.enabled_events
        )

    def roll_secret(self, *, keep_old: bool = True) -> str:
        """A new secret; with ``keep_old`` both sign until ``drop_old_secrets``."""
        new = new_secret()
        self.secrets = [*self.secrets, new] if keep_old else [new]
        return new

    def drop_old_secrets(self) -> None:
        self.secrets = self.secrets[-1:]


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(24)}"


@dataclass(frozen=True, slots=True)
class WebhookChaos:
    """Probabilities (0..1) of misbehaving deliveries, and how long a delayed one waits."""

    drop: float = 0.0
    duplicate: float = 0.0
    reorder: float = 0.0
    delay: float = 0.0
    delay_seconds: int = 600
    timeout: float = 0.0
    """The receiver answered, but too late: the attempt counts as timed out and is retried,
    so the receiver gets the same event again (it may have acted on the first)."""

    def __post_init__(self) -> None:
        for name in ("drop", "duplicate", "reorder", "delay", "timeout"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a probability in [0, 1], not {value!r}")
        if self.delay_seconds < 0:
            raise ValueError("delay_seconds must not be negative")


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event bound for one endpoint: the exact body every attempt sends."""

    event_id: str
    event_type: str
    endpoint: WebhookEndpoint = field(repr=False)
    body: bytes = field(repr=False)
    duplicate: bool = False
    held_back: bool = False
    delayed: bool = False

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data

    def headers(self, timestamp: int) -> dict[str, str]:
        return {
            "content-type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: sign_payload(self.body, self.endpoint.secrets, timestamp),
            "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    """One HTTP attempt, and what came of it."""

    delivery: Delivery
    attempt: int
    at: int
    status_code: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class Webhooks:
    """Endpoints, chaos on the way in, and the delivery queue with retries on the way out."""

    def __init__(
        self,
        *,
        chaos: WebhookChaos,
        seed: int,
        retry_delays: Sequence[int],
        clock: Callable[[], int],
    ) -> None:
        if any(delay < 0 for delay in retry_delays):
            raise ValueError("retry delays must not be negative")
        self.chaos = chaos
        self.retry_delays = tuple(retry_delays)
        self.endpoints: list[WebhookEndpoint] = []
        self.sent: list[Delivery] = []
        """Deliveries that survived the chaos, in the order they were handed to HTTP."""
        self.dropped: list[Delivery] = []
        self.held: list[Delivery] = []
        self.failed: list[Delivery] = []
        """Deliveries given up after the last retry."""
        self.attempts: list[DeliveryAttempt] = []
        self._clock = clock
        self.signature_clock: Callable[[], int] | None = None
        """What ``t=`` says (unix seconds); None: the simulator's clock, which is the wall
        clock for a served simulator under ``RealTime``. A test whose receiver checks
        freshness against real time sets ``lambda: int(time.time())``."""
        self._random = random.Random(f"webhooks:{seed}")
        self._late = random.Random(f"webhook-timeouts:{seed}")
        self._ready: deque[tuple[Delivery, int]] = deque()
        self._later: list[tuple[int, int, Delivery, int]] = []
        self._order = 0
        self._lock = threading.RLock()

    def emit(self, event_id: str, event_type: str, body: bytes) -> None:
        """Pass a new event to every endpoint that wants it, through the chaos knobs."""
        with self._lock:
            for endpoint in self.endpoints:
                if endpoint.wants(event_type):
                    self._admit(Delivery(event_id, event_type, endpoint, body))

    def _admit(self, delivery: Delivery) -> None:
        chaos, draw = self.chaos, self._random.random
        dropped, duplicated, held, delayed = (
            draw() < chaos.drop,
            draw() < chaos.duplicate,
            draw() < chaos.reorder,
            draw() < chaos.delay,
        )
        if dropped:
            self.dropped.append(delivery)
            return
        copies = [delivery, replace(delivery, duplicate=True)] if duplicated else [delivery]
        if delayed:
            for copy in copies:
                self._schedule(self._clock() + chaos.delay_seconds, replace(copy, delayed=True), 1)
            return
        if held:
            self.held.extend(replace(copy, held_back=True) for copy in copies)
            return
        released, self.held = self.held, []
        for item in (*copies, *released):
            self._ready_now(item, 1)

    def _ready_now(self, delivery: Delivery, attempt: int) -> None:
        if attempt == 1:
            self.sent.append(delivery)
        self._ready.append((delivery, attempt))

    def _schedule(self, due: int, delivery: Delivery, attempt: int) -> None:
        self._order += 1
        self._later.append((due, self._order, delivery, attempt))
        self._later.sort(key=lambda item: (item[0], item[1]))

    def release(self, now: int) -> None:
        """Make due the delayed deliveries and retries whose time has come, and send held ones."""
        with self._lock:
            while self._later and self._later[0][0] <= now:
                _, _, delivery, attempt = self._later.pop(0)
                self._ready_now(delivery, attempt)
            released, self.held = self.held, []
            for item in released:
                self._ready_now(item, 1)

    @property
    def pending(self) -> int:
        """Deliveries ready to be POSTed now."""
        with self._lock:
            return len(self._ready)

    @property
    def scheduled(self) -> int:
        """Deliveries waiting for their time (delayed ones and retries)."""
        with self._lock:
            return len(self._later)

    def _take(self) -> list[tuple[Delivery, int]]:
        with self._lock:
            batch = list(self._ready)
            self._ready.clear()
            return batch

    def _record(self, attempt: DeliveryAttempt) -> None:
        with self._lock:
            self.attempts.append(attempt)
            if attempt.ok:
                return
            if attempt.attempt <= len(self.retry_delays):
                due = attempt.at + self.retry_delays[attempt.attempt - 1]
                self._schedule(due, attempt.delivery, attempt.attempt + 1)
            else:
                self.failed.append(attempt.delivery)

    def _signed_at(self, now: int) -> int:
        return now if self.signature_clock is None else self.signature_clock()

    def _answered(self, delivery: Delivery, number: int, now: int, status: int) -> DeliveryAttempt:
        """The attempt as the simulator counts it: the ``timeout`` knob turns an answer late."""
        with self._lock:
            late = self._late.random() < self.chaos.timeout
        if late:
            return DeliveryAttempt(delivery, number, now, None, "timed out (simulated)")
        return DeliveryAttempt(delivery, number, now, status)

    def deliver(self, client: httpx.Client, *, timeout: float) -> int:
        """POST every ready delivery; returns how many got a 2xx."""
        delivered = 0
        for delivery, number in self._take():
            now = self._clock()
            try:
                response = client.post(
                    delivery.endpoint.url,
                    content=delivery.body,
                    headers=delivery.headers(self._signed_at(now)),
                    timeout=timeout,
                )
            except httpx.HTTPError as error:
                self._record(DeliveryAttempt(delivery, number, now, None, repr(error)))
                continue
            result = self._answered(delivery, number, now, response.status_code)
            self._record(result)
            delivered += result.ok
        return delivered

    async def adeliver(self, client: httpx.AsyncClient, *, timeout: float) -> int:
        """The same with an async client."""
        delivered = 0
        for delivery, number in self._take():
            now = self._clock()
            try:
                response = await client.post(
                    delivery.endpoint.url,
                    content=delivery.body,
                    headers=delivery.headers(self._signed_at(now)),
                    timeout=timeout,
                )
            except httpx.HTTPError as error:
                self._record(DeliveryAttempt(delivery, number, now, None, repr(error)))
                continue
            result = self._answered(delivery, number, now, response.status_code)
            self._record(result)
            delivered += result.ok
        return delivered
