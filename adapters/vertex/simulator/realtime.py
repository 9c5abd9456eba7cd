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

from datetime import UTC, datetime, timedelta

import httpx

from orderstate.adapters.simulation import ClockThread

from .gateway import SimulatedGateway

__all__ = ["DEFAULT_OPERATION_DELAY", "RealTime"]

DEFAULT_OPERATION_DELAY = 1.0
"""Seconds between a 202 and its outcome: long enough to see ``pending``, short to wait for."""


class RealTime(ClockThread):
    """Applies a simulator's queued operations after a delay and keeps its clock on real time."""

    thread_name = "vertex-sim-clock"

    def __init__(
        self,
        sim: SimulatedGateway,
        *,
        operation_delay: float = DEFAULT_OPERATION_DELAY,
        tick: float = 0.1,
    ) -> None:
        if operation_delay < 0 or tick <= 0:
            raise ValueError("operation_delay must be >= 0 and tick > 0 (seconds)")
        super().__init__(tick=tick)
        self.sim = sim
        self.operation_delay = operation_delay

    def step(self) -> int:
        """One tick: due operations, due timers, then delivery; returns operations applied."""
        applied = self.sim.run_pending(older_than=self.operation_delay)
        behind = datetime.now(UTC) - self.sim.clock.now()
        if behind > timedelta(0):
            self.sim.advance_timers(behind)
        if isinstance(self.sim.sender, httpx.Client) and self.sim.callbacks.pending:
            self.sim.deliver()
        return applied
