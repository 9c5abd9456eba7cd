"""``RealTime``: a served simulator whose clock follows the wall clock.

In-process tests move the simulator's clock by hand (``advance``). A simulator served for people
or for the demo has no one to do that, so without this an authorization would never expire,
a bank debit never finish processing and a balance transaction never become available.
``RealTime`` runs a daemon thread that, every ``tick`` seconds, catches the clock up with real
time (firing what fell due) and delivers the webhooks that made ready, through a synchronous
sender. Make the delays short (seconds) for such a simulator.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType

import httpx

from .simulator import SimulatedStripe

__all__ = ["RealTime"]

logger = logging.getLogger(__name__)


class RealTime:
    """Keeps a simulator's clock on real time and its webhooks flowing."""

    def __init__(self, sim: SimulatedStripe, *, tick: float = 0.1) -> None:
        if tick <= 0:
            raise ValueError("tick must be > 0 seconds")
        self.sim = sim
        self.tick = tick
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def step(self) -> int:
        """One tick: due timers, then delivery; returns how many deliveries got a 2xx."""
        self.sim.advance_to_wall_clock()
        if isinstance(self.sim.sender, httpx.Client) and self.sim.webhooks.pending:
            return self.sim.deliver()
        return 0

    def start(self) -> RealTime:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="stripe-sim-clock", daemon=True)
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
                logger.exception("stripe simulator clock tick failed")

    def __enter__(self) -> RealTime:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
