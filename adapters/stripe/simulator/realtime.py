"""``RealTime``: a served simulator whose clock follows the wall clock.

In-process tests move the simulator's clock by hand (``advance``). A simulator served for people
or for the demo has no one to do that, so without this an authorization would never expire,
a bank debit never finish processing and a balance transaction never become available.
``RealTime`` runs a daemon thread that, every ``tick`` seconds, catches the clock up with real
time (firing what fell due) and delivers the webhooks that made ready, through a synchronous
sender. Make the delays short (seconds) for such a simulator.
"""

from __future__ import annotations

import httpx

from orderstate.adapters.simulation import ClockThread

from .simulator import SimulatedStripe

__all__ = ["RealTime"]


class RealTime(ClockThread):
    """Keeps a simulator's clock on real time and its webhooks flowing."""

    thread_name = "stripe-sim-clock"

    def __init__(self, sim: SimulatedStripe, *, tick: float = 0.1) -> None:
        super().__init__(tick=tick)
        self.sim = sim

    def step(self) -> int:
        """One tick: due timers, then delivery; returns how many deliveries got a 2xx."""
        self.sim.advance_to_wall_clock()
        if isinstance(self.sim.sender, httpx.Client) and self.sim.webhooks.pending:
            return self.sim.deliver()
        return 0
