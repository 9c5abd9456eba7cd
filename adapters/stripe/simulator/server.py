"""Running the simulator on a real socket (uvicorn in a background thread), for loopback use.

``serve(sim)`` binds 127.0.0.1 on a free port, points ``sim.public_base_url`` at it (so the
``next_action`` URL works) and returns a handle whose ``stop()`` (or ``with`` block) shuts it
down. The official SDK then talks to it with ``base_addresses={"api": running.base_url}``.
"""

from __future__ import annotations

from orderstate.adapters.loopback import RunningServer, serve_simulator

from .simulator import SimulatedStripe

__all__ = ["RunningSimulator", "serve"]

RunningSimulator = RunningServer
"""A simulator listening on ``base_url`` until ``stop()``."""


def serve(
    sim: SimulatedStripe,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    startup_timeout: float = 5.0,
    set_public_base_url: bool = True,
) -> RunningServer:
    """Start ``sim.app`` under uvicorn in a thread; ``port=0`` picks a free port."""
    return serve_simulator(
        sim,
        name="stripe-sim",
        host=host,
        port=port,
        startup_timeout=startup_timeout,
        set_public_base_url=set_public_base_url,
    )
