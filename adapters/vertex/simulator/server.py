"""Running the simulator on a real socket (uvicorn in a background thread), for loopback tests.

``serve(sim)`` binds 127.0.0.1 on an ephemeral port, starts uvicorn in a daemon thread, waits
until it accepts connections, points ``sim.public_base_url`` at it (so ``paymentLink`` works),
and returns a handle whose ``stop()`` (or ``with`` block) shuts it down within a bounded time.
To run the simulator in the foreground instead: ``uvicorn.run(sim.app, host=..., port=...)``.
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn

from .gateway import SimulatedGateway

__all__ = ["RunningSimulator", "serve"]


class RunningSimulator:
    """A simulator listening on ``base_url`` until ``stop()``."""

    def __init__(self, server: uvicorn.Server, thread: threading.Thread, base_url: str) -> None:
        self._server = server
        self._thread = thread
        self.base_url = base_url

    def stop(self, *, timeout: float = 5.0) -> None:
        """Ask uvicorn to exit and wait for its thread (at most ``timeout`` seconds)."""
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout)

    def __enter__(self) -> RunningSimulator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def serve(
    sim: SimulatedGateway,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    startup_timeout: float = 5.0,
    set_public_base_url: bool = True,
) -> RunningSimulator:
    """Start ``sim.app`` under uvicorn in a thread; ``port=0`` picks a free port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    base_url = f"http://{host}:{bound_port}"
    if set_public_base_url:
        sim.public_base_url = base_url
    # log_config=None: leave the host application's logging configuration alone.
    config = uvicorn.Config(sim.app, lifespan="off", log_config=None, access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"vertex-sim-{bound_port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(startup_timeout)
            sock.close()
            raise RuntimeError(f"the simulator did not start on {base_url}")
        time.sleep(0.01)
    return RunningSimulator(server, thread, base_url)
