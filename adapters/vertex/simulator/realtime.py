"""``RealTime``: a served simulator that finishes what it starts, on the wall clock.

In-process tests drive the simulator by hand (``run_pending``, ``advance``). A simulator served
for people (``orderstate serve --simulator``) has no one to do that, so without this every
capture, cancel, reject and refund answered 202 would stay queued forever. ``RealTime`` runs a
daemon thread that, every ``tick`` seconds, applies the operations accepted at least
``operation_delay`` seconds ago (as the provider completes them shortly after its 202), moves
the simulator's clock to the wall clock (so clearing, deadlines and review timeouts fire when
they are due) and delivers the callbacks all that produced.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from types import TracebackType

import httpx

from .gateway import SimulatedGateway

__all__ = ["DEFAULT_OPERATION_DELAY", "RealTime"]

logger = logging.getLogger(__name__)

DEFAULT_OPERATION_DELAY = 1.0
"""Seconds between a 202 and its outcome: long enough to see ``pending``, short to wait for."""


class RealTime:
    """Applies a simulator's queued operations after a delay and keeps its clock on real time."""

    def __init__(
        self,
        sim: SimulatedGateway,
        *,
        operation_delay: float = DEFAULT_OPERATION_DELAY,
        tick: float = 0.1,
    ) -> None:
        if operation_delay < 0 or tick <= 0:
            raise ValueError("operation_delay must be >= 0 and tick > 0 (seconds)")
        self.sim = sim
        self.operation_delay = operation_delay
        self.tick = tick
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def step(self) -> int:
        """One tick: due operations, due timers, then delivery; returns operations applied."""
        applied = self.sim.run_pending(older_than=self.operation_delay)
        behind = datetime.now(UTC) - self.sim.clock.now()
        if behind > timedelta(0):
            self.sim.advance_timers(behind)
        if isinstance(self.sim.sender, httpx.Client) and self.sim.callbacks.pending:
            self.sim.deliver()
        return applied

    def start(self) -> RealTime:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="vertex-sim-clock", daemon=True)
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
            except Exception:  # one bad tick must not stop the sandbox's clock for good
                logger.exception("simulator clock tick failed")

    def __enter__(self) -> RealTime:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
