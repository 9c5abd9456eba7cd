"""Injected API failures: 5xx answers and timeouts, scripted or drawn from a seeded random.

A ``Fault`` says what the caller sees and whether the simulator *acted before failing*
(``applied=True``): the ambiguous case (the intent was created, the refund made, but the answer
was a 500 or never came) that clients must survive with their idempotency keys. How the
idempotency layer remembers each case is in ``idempotency``. Endpoint names are ``ENDPOINTS``.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["ENDPOINTS", "Fault", "FaultPlan"]

ENDPOINTS = frozenset(
    {
        "create_intent",
        "retrieve_intent",
        "list_intents",
        "search_intents",
        "list_refunds",
        "list_disputes",
        "confirm_intent",
        "capture_intent",
        "cancel_intent",
        "create_refund",
        "retrieve_refund",
        "retrieve_charge",
        "list_charges",
        "retrieve_balance",
        "retrieve_balance_transaction",
        "list_events",
        "retrieve_event",
        "retrieve_dispute",
        "update_dispute",
        "close_dispute",
    }
)
"""The API endpoints faults can be injected into."""


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected failure: a 5xx ``status``, or ``timeout`` (no answer).

    In process a timeout raises ``httpx.ReadTimeout`` to the caller; with ``delay`` the app
    sleeps that many seconds and then answers 504, so a real client's read timeout fires first.
    """

    status: int = 500
    applied: bool = False
    timeout: bool = False
    delay: float | None = None

    def __post_init__(self) -> None:
        if not self.timeout and not 500 <= self.status <= 599:
            raise ValueError(f"an injected failure answers 5xx, not {self.status}")
        if self.delay is not None and self.delay < 0:
            raise ValueError("delay must not be negative")

    @classmethod
    def server_error(cls, status: int = 500, *, applied: bool = False) -> Fault:
        return cls(status=status, applied=applied)

    @classmethod
    def timed_out(cls, *, applied: bool = False, delay: float | None = None) -> Fault:
        return cls(status=504, applied=applied, timeout=True, delay=delay)


class FaultPlan:
    """Which calls fail: scripted faults first, then seeded draws against per-endpoint rates."""

    def __init__(self, *, rates: Mapping[str, float], seed: int, fault: Fault) -> None:
        for endpoint, rate in rates.items():
            _check(endpoint)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"fault rate for {endpoint} must be in [0, 1], not {rate!r}")
        self.rates = dict(rates)
        self.fault = fault
        self._random = random.Random(f"faults:{seed}")
        self._scripted: dict[str, deque[Fault]] = {}
        self._lock = threading.Lock()

    def script(self, endpoint: str, *faults: Fault) -> None:
        """Make the next calls to ``endpoint`` fail with ``faults``, one per call, in order."""
        _check(endpoint)
        with self._lock:
            self._scripted.setdefault(endpoint, deque()).extend(faults)

    def draw(self, endpoint: str) -> Fault | None:
        with self._lock:
            queued = self._scripted.get(endpoint)
            if queued:
                return queued.popleft()
            rate = self.rates.get(endpoint, 0.0)
            if rate and self._random.random() < rate:
                return self.fault
            return None


def _check(endpoint: str) -> None:
    if endpoint not in ENDPOINTS:
        raise ValueError(f"unknown endpoint {endpoint!r}; one of {sorted(ENDPOINTS)}")
