"""Injected API failures: 5xx answers and timeouts, scripted or drawn from a seeded random.

A ``Fault`` says what the caller sees and whether the simulator *acted before failing*
(``applied=True``): that is the ambiguous case a real provider produces (the order was created
or captured, but the answer was a 503 or never came), and the one clients must survive.

``FaultPlan`` decides, per endpoint, which call fails: first from the scripted faults queued
for that endpoint (in order), else by a seeded draw against the endpoint's rate.
Endpoint names are the keys of ``ENDPOINTS``.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["ENDPOINTS", "Fault", "FaultPlan"]

ENDPOINTS = frozenset(
    {"payment_methods", "create", "details", "capture", "cancel", "reject", "refund", "review"}
)
"""The API endpoints faults can be injected into (the payment page has none)."""


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected failure.

    ``status`` is the HTTP status answered (with an error body); ``timeout`` means no answer:
    in process the app raises ``httpx.ReadTimeout`` to the caller (``httpx.ASGITransport``
    passes app exceptions through), and with ``delay`` set it instead sleeps that many seconds
    and then answers 504, so a real client's read timeout fires first.
    """

    status: int = 503
    applied: bool = False
    timeout: bool = False
    delay: float | None = None

    def __post_init__(self) -> None:
        if not self.timeout and not 500 <= self.status <= 599:
            raise ValueError(f"an injected failure answers 5xx, not {self.status}")
        if self.delay is not None and self.delay < 0:
            raise ValueError("delay must not be negative")

    @classmethod
    def unavailable(cls, status: int = 503, *, applied: bool = False) -> Fault:
        """A 5xx answer; with ``applied`` the operation happened anyway."""
        return cls(status=status, applied=applied)

    @classmethod
    def timed_out(cls, *, applied: bool = False, delay: float | None = None) -> Fault:
        """No answer in time; with ``applied`` the operation happened anyway."""
        return cls(status=504, applied=applied, timeout=True, delay=delay)


class FaultPlan:
    """Which calls fail: scripted faults first, then seeded draws against per-endpoint rates."""

    def __init__(self, *, rates: Mapping[str, float], seed: int, fault: Fault) -> None:
        for endpoint, rate in rates.items():
            _check_endpoint(endpoint)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"fault rate for {endpoint} must be in [0, 1], not {rate!r}")
        self.rates = dict(rates)
        self.fault = fault
        """What a drawn (not scripted) failure looks like."""
        self._random = random.Random(f"faults:{seed}")
        self._scripted: dict[str, deque[Fault]] = {}
        self._lock = threading.Lock()

    def script(self, endpoint: str, *faults: Fault) -> None:
        """Make the next calls to ``endpoint`` fail with ``faults``, one per call, in order."""
        _check_endpoint(endpoint)
        with self._lock:
            self._scripted.setdefault(endpoint, deque()).extend(faults)

    def draw(self, endpoint: str) -> Fault | None:
        """The failure for this call to ``endpoint``, or None to let it through."""
        with self._lock:
            queued = self._scripted.get(endpoint)
            if queued:
                return queued.popleft()
            rate = self.rates.get(endpoint, 0.0)
            if rate and self._random.random() < rate:
                return self.fault
            return None


def _check_endpoint(endpoint: str) -> None:
    if endpoint not in ENDPOINTS:
        raise ValueError(f"unknown endpoint {endpoint!r}; one of {sorted(ENDPOINTS)}")
