"""What every provider simulator shares: injected API failures and a clock on the wall clock.

Each simulator (``vertex.simulator``, ``stripe.simulator``) names its own endpoints and its own
usual failure (Vertex answers 503, Stripe 500); how a failure is drawn, scripted and checked, and
how a served simulator keeps time, is the same for both and lives here once.
"""

from __future__ import annotations

import logging
import random
import threading
from collections import deque
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Self

__all__ = ["ClockThread", "InjectedFault", "InjectedFaultPlan", "SimClock"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class InjectedFault:
    """One injected failure: a 5xx ``status``, or ``timeout`` (no answer).

    ``applied`` says whether the simulator acted before failing: the ambiguous case (created,
    captured, refunded, but the answer was a 5xx or never came) clients must survive. In process
    a timeout raises ``httpx.ReadTimeout`` to the caller (``httpx.ASGITransport`` passes app
    exceptions through); with ``delay`` the app sleeps that many seconds and then answers 504, so
    a real client's read timeout fires first.
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
    def timed_out(cls, *, applied: bool = False, delay: float | None = None) -> Self:
        """No answer in time; with ``applied`` the operation happened anyway."""
        return cls(status=504, applied=applied, timeout=True, delay=delay)


class InjectedFaultPlan:
    """Which calls fail: scripted faults first, then seeded draws against per-endpoint rates."""

    def __init__(
        self,
        *,
        endpoints: Collection[str],
        rates: Mapping[str, float],
        seed: int,
        fault: InjectedFault,
    ) -> None:
        self.endpoints = frozenset(endpoints)
        for endpoint, rate in rates.items():
            self._check(endpoint)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"fault rate for {endpoint} must be in [0, 1], not {rate!r}")
        self.rates = dict(rates)
        self.fault = fault
        """What a drawn (not scripted) failure looks like."""
        self._random = random.Random(f"faults:{seed}")
        self._scripted: dict[str, deque[InjectedFault]] = {}
        self._lock = threading.Lock()

    def script(self, endpoint: str, *faults: InjectedFault) -> None:
        """Make the next calls to ``endpoint`` fail with ``faults``, one per call, in order."""
        self._check(endpoint)
        with self._lock:
            self._scripted.setdefault(endpoint, deque()).extend(faults)

    def draw(self, endpoint: str) -> InjectedFault | None:
        """The failure for this call to ``endpoint``, or None to let it through."""
        with self._lock:
            queued = self._scripted.get(endpoint)
            if queued:
                return queued.popleft()
            rate = self.rates.get(endpoint, 0.0)
            if rate and self._random.random() < rate:
                return self.fault
            return None

    def _check(self, endpoint: str) -> None:
        if endpoint not in self.endpoints:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of {sorted(self.endpoints)}")


class SimClock:
    """A simulator's time: only the simulator's ``advance`` moves it (firing its timers on the
    way), so timers fire in order and never skip."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError("the simulator's start time must be timezone-aware")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def timestamp(self) -> int:
        """Unix seconds (Stripe's ``created`` fields)."""
        return int(self._now.timestamp())

    def _move_to(self, when: datetime) -> None:
        """Only for the simulator's ``advance``, which fires the timers on the way."""
        self._now = max(self._now, when)


class ClockThread:
    """A daemon thread calling ``step()`` every ``tick`` seconds until stopped.

    A simulator served for people or the demo has no test to move its clock; its ``RealTime``
    subclasses this with the step that catches the clock up and delivers what fell due. One bad
    tick is logged and the next one runs: the sandbox's clock must not stop for good.
    """

    thread_name = "simulator-clock"

    def __init__(self, *, tick: float = 0.1) -> None:
        if tick <= 0:
            raise ValueError("tick must be > 0 seconds")
        self.tick = tick
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def step(self) -> int:
        raise NotImplementedError

    def start(self) -> Self:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
            self._thread.start()
        return self

    def stop(self, *, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.wait(self.tick):
            try:
                self.step()
            except Exception:
                logger.exception("%s: a clock tick failed", self.thread_name)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
