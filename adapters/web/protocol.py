"""uvicorn's HTTP/1.1 protocol with a bound on the time a request's head may take to arrive.

uvicorn closes idle kept-alive connections, and the app bounds reading a body
(``read_timeout``), but nothing bounds a client that sends its request line and headers one
byte at a time: each such connection is held for as long as it keeps dribbling. Here a
connection whose next request head has not fully arrived ``head_timeout`` seconds after the
connection opened (or after the previous response) is closed.

``orderstate serve`` uses it; under another command, name it::

    uvicorn --factory orderstate.adapters.bootstrap:create_app \\
        --http orderstate.adapters.web.protocol:BoundedHeadH11Protocol
"""

from __future__ import annotations

import asyncio

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["HEAD_TIMEOUT", "BoundedHeadH11Protocol"]

HEAD_TIMEOUT = 10.0
"""Seconds a request's line and headers may take to arrive."""


class BoundedHeadH11Protocol(H11Protocol):
    """``H11Protocol`` that closes a connection whose request head is too slow to arrive."""

    head_timeout: float = HEAD_TIMEOUT

    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state is not h11.IDLE:  # a whole head arrived: the body is the app's
            self._disarm_head_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_head_timer()  # the next request's head gets as long

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def _arm_head_timer(self) -> None:
        self._disarm_head_timer()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        # Only while waiting for a head: a request being read or answered is never cut off.
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.logger.info("closing a connection whose request head did not arrive in time")
            self.transport.close()
