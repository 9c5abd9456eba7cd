"""Serving an ASGI app on loopback in a background thread (uvicorn), for demos and tests.

``serve_app(app)`` binds 127.0.0.1 on a free port, starts uvicorn in a daemon thread, waits until
it accepts connections and returns a handle whose ``stop()`` (or ``with`` block) shuts it down
within a bounded time. The webhook app and the simulator both use it.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from types import TracebackType
from typing import Any, Literal, Protocol

import uvicorn

__all__ = ["RunningServer", "ServedSimulator", "serve_app", "serve_simulator"]


class RunningServer:
    """An app listening on ``base_url`` until ``stop()``."""

    def __init__(self, server: uvicorn.Server, thread: threading.Thread, base_url: str) -> None:
        self._server = server
        self._thread = thread
        self.base_url = base_url

    def stop(self, *, timeout: float = 5.0) -> None:
        """Ask uvicorn to exit and wait for its thread (at most ``timeout`` seconds, twice)."""
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening-ready socket; ``port=0`` picks a free port (read it back before serving).

    The socket is created with ``IPPROTO_TCP`` because asyncio sets ``TCP_NODELAY`` on an
    accepted connection only when the socket says it is TCP (``proto``); with ``proto=0`` every
    kept-alive response waited ~40 ms for the client's delayed ACK (uvicorn writes the head and
    the body in two sends). ``TCP_NODELAY`` is also set here, for servers that do not set it.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    return sock


def serve_app(
    app: Any,
    *,
    sock: socket.socket | None = None,
    lifespan: Literal["on", "off", "auto"] = "off",
    startup_timeout: float = 5.0,
    name: str = "asgi",
    http: type[asyncio.Protocol] | None = None,
) -> RunningServer:
    """Start ``app`` under uvicorn in a thread on ``sock`` (default: a free loopback port);
    ``http`` is the HTTP protocol class (default: uvicorn's own)."""
    sock = sock or bind()
    host, port = sock.getsockname()[:2]
    base_url = f"http://{host}:{port}"
    # log_config=None: leave the host application's logging configuration alone.
    config = uvicorn.Config(
        app, lifespan=lifespan, log_config=None, access_log=False, http=http or "auto"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"{name}-{port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(startup_timeout)
            sock.close()
            raise RuntimeError(f"{name} did not start on {base_url}")
        time.sleep(0.01)
    return RunningServer(server, thread, base_url)


class ServedSimulator(Protocol):
    """A provider simulator: an ASGI app, and the address its own links (payment pages) use."""

    @property
    def app(self) -> Any: ...

    public_base_url: str


def serve_simulator(
    sim: ServedSimulator,
    *,
    name: str,
    host: str = "127.0.0.1",
    port: int = 0,
    startup_timeout: float = 5.0,
    set_public_base_url: bool = True,
) -> RunningServer:
    """Start ``sim.app`` under uvicorn in a thread (``port=0`` picks a free port), pointing the
    simulator's links at the address it got."""
    sock = bind(host, port)
    if set_public_base_url:
        sim.public_base_url = f"http://{host}:{sock.getsockname()[1]}"
    return serve_app(sim.app, sock=sock, startup_timeout=startup_timeout, name=name)
