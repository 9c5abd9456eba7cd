"""Running the simulator on a real socket (uvicorn in a background thread), for loopback tests.

``serve(sim)`` binds 127.0.0.1 on an ephemeral port, starts uvicorn in a daemon thread, waits
until it accepts connections, points ``sim.public_base_url`` at it (so ``paymentLink`` works),
and returns a handle whose ``stop()`` (or ``with`` block) shuts it down within a bounded time.
To run the simulator in the foreground instead: ``uvicorn.run(sim.app, host=..., port=...)``.
"""

from __future__ import annotations

from orderstate.adapters.loopback import RunningServer, serve_simulator

from .gateway import SimulatedGateway

__all__ = ["RunningSimulator", "serve"]


RunningSimulator = RunningServer
"""A simulator listening on ``base_url`` until ``stop()``."""


def serve(
    sim: SimulatedGateway,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    startup_timeout: float = 5.0,
    set_public_base_url: bool = True,
) -> RunningServer:
    """Start ``sim.app`` under uvicorn in a thread; ``port=0`` picks a free port."""
    return serve_simulator(
        sim,
        name="vertex-sim",
        host=host,
        port=port,
        startup_timeout=startup_timeout,
        set_public_base_url=set_public_base_url,
    )
