"""The simulator's outgoing callbacks: signed bodies, delivery chaos, and sending them.

Every order status change becomes one ``SentCallback`` (a signed ORDER body). Before it reaches
``Outbox.sent`` (what tests read as ``sim.outbox``) the chaos knobs may drop it, duplicate it,
or hold it back until after the next callback; all three are drawn from one seeded
``random.Random``, three draws per callback whatever the knobs are, so a seed replays the same
story. Callbacks that reach ``sent`` are also queued for HTTP delivery when the simulator has a
sender; ``deliver`` / ``adeliver`` drain that queue through an ``httpx.Client`` /
``httpx.AsyncClient`` and record every attempt.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime

import httpx

from ..models import OrderStatus
from ..signatures import SIGNATURE_HEADER

__all__ = ["CallbackChaos", "DeliveryAttempt", "Outbox", "SentCallback"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SentCallback:
    """One callback as the simulated provider sends it: the exact bytes and their signature."""

    sequence: int
    """Position in emission order (a duplicate shares its original's sequence)."""
    shop_id: int
    order_number: str
    status: OrderStatus
    url: str | None
    """Where it goes: the order's webhookUrl, else the shop's standard URL, else nowhere."""
    body: bytes = field(repr=False)
    signature: str = field(repr=False)
    emitted_at: datetime
    duplicate: bool = False
    held_back: bool = False

    @property
    def headers(self) -> dict[str, str]:
        return {"content-type": "application/json", SIGNATURE_HEADER: self.signature}

    def json(self) -> dict[str, object]:
        """The body decoded (for assertions; amounts stay strings)."""
        data: dict[str, object] = json.loads(self.body)
        return data


@dataclass(frozen=True, slots=True)
class CallbackChaos:
    """Probabilities (0..1) of misbehaving deliveries, as at-least-once, unordered transports do."""

    drop: float = 0.0
    duplicate: float = 0.0
    reorder: float = 0.0
    """Hold a callback back and send it after the next one (or when held ones are released)."""

    def __post_init__(self) -> None:
        for name in ("drop", "duplicate", "reorder"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a probability in [0, 1], not {value!r}")


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    """One HTTP attempt to deliver a callback, and what came of it."""

    callback: SentCallback
    attempt: int
    status_code: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class Outbox:
    """Chaos on the way in, a delivery queue on the way out; safe to use from several threads."""

    def __init__(self, *, chaos: CallbackChaos, seed: int, attempts: int) -> None:
        if attempts < 1:
            raise ValueError("delivery attempts must be at least 1")
        self.chaos = chaos
        self.attempts = attempts
        self.sent: list[SentCallback] = []
        self.dropped: list[SentCallback] = []
        self.held: list[SentCallback] = []
        self.deliveries: list[DeliveryAttempt] = []
        self._random = random.Random(f"callbacks:{seed}")
        self._queue: deque[tuple[SentCallback, int]] = deque()
        self._lock = threading.Lock()

    def emit(self, callback: SentCallback) -> None:
        """Apply the chaos knobs to a new callback and pass on what survives."""
        draw = self._random.random
        dropped, duplicated, held = (draw() < p for p in self._chances())
        if dropped:
            logger.debug("simulator drops callback %s", callback)
            self.dropped.append(callback)
            return
        copies = [callback]
        if duplicated:
            copies.append(replace(callback, duplicate=True))
        with self._lock:
            if held:
                self.held.extend(replace(copy, held_back=True) for copy in copies)
                return
            released, self.held = self.held, []
            for item in (*copies, *released):
                self.sent.append(item)
                self._queue.append((item, 1))

    def _chances(self) -> tuple[float, float, float]:
        # Three draws per callback whatever the knobs say, so each seed tells one story.
        return (self.chaos.drop, self.chaos.duplicate, self.chaos.reorder)

    def release_held(self) -> None:
        """Send the callbacks held back for reordering now (late, after everything else)."""
        with self._lock:
            released, self.held = self.held, []
            for item in released:
                self.sent.append(item)
                self._queue.append((item, 1))

    @property
    def pending(self) -> int:
        """Callbacks waiting for HTTP delivery."""
        with self._lock:
            return len(self._queue)

    def _take(self) -> list[tuple[SentCallback, int]]:
        with self._lock:
            batch = list(self._queue)
            self._queue.clear()
            return batch

    def _record(self, attempt: DeliveryAttempt) -> None:
        """Keep the attempt; a failed one goes back in the queue until attempts run out."""
        with self._lock:
            self.deliveries.append(attempt)
            if not attempt.ok and attempt.attempt < self.attempts:
                self._queue.append((attempt.callback, attempt.attempt + 1))
        if not attempt.ok:
            logger.info(
                "simulator callback %s #%d not delivered (attempt %d): %s",
                attempt.callback.order_number,
                attempt.callback.sequence,
                attempt.attempt,
                attempt.error or attempt.status_code,
            )

    def deliver(self, client: httpx.Client, *, timeout: float) -> int:
        """POST every queued callback with a synchronous client; returns how many succeeded."""
        delivered = 0
        for callback, attempt in self._take():
            if callback.url is None:
                self._record(DeliveryAttempt(callback, self.attempts, None, "no callback URL"))
                continue
            try:
                response = client.post(
                    callback.url, content=callback.body, headers=callback.headers, timeout=timeout
                )
            except httpx.HTTPError as error:
                self._record(DeliveryAttempt(callback, attempt, None, repr(error)))
                continue
            result = DeliveryAttempt(callback, attempt, response.status_code)
            self._record(result)
            delivered += result.ok
        return delivered

    async def adeliver(self, client: httpx.AsyncClient, *, timeout: float) -> int:
        """POST every queued callback with an async client; returns how many succeeded."""
        delivered = 0
        for callback, attempt in self._take():
            if callback.url is None:
                self._record(DeliveryAttempt(callback, self.attempts, None, "no callback URL"))
                continue
            try:
                response = await client.post(
                    callback.url, content=callback.body, headers=callback.headers, timeout=timeout
                )
            except httpx.HTTPError as error:
                self._record(DeliveryAttempt(callback, attempt, None, repr(error)))
                continue
            result = DeliveryAttempt(callback, attempt, response.status_code)
            self._record(result)
            delivered += result.ok
        return delivered
