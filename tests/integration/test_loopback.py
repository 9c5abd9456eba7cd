"""Apps served on loopback answer kept-alive requests without Nagle's delayed-ACK stall.

uvicorn writes a response's head and body in two sends; without TCP_NODELAY on the accepted
socket the second send waits for the client's delayed ACK (~40 ms on Linux), so every request
after the first on a kept-alive connection took ~44 ms. This is the one bounded-latency test the
throughput issue asks for: the bound (20 ms over the median) is far from both the normal figure
(well under 1 ms) and the stall.
"""

from __future__ import annotations

import http.client
import socket
import statistics
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from orderstate.adapters.loopback import bind, serve_app

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

STALL_BOUND_S = 0.020


async def hello(scope: Scope, receive: Receive, send: Send) -> None:
    """A plain ASGI app: a small head, then a small body, in two sends (as uvicorn writes them)."""
    assert scope["type"] == "http"
    body = b'{"ok": true}'
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


def test_the_listening_socket_is_tcp_so_asyncio_sets_nodelay() -> None:
    sock = bind()
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        sock.close()


def test_kept_alive_requests_after_the_first_answer_within_milliseconds() -> None:
    with serve_app(hello, name="nodelay-probe") as server:
        host, port = server.base_url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=5)
        took: list[float] = []
        try:
            for _ in range(8):
                start = time.perf_counter()
                connection.request("GET", "/")
                response = connection.getresponse()
                response.read()
                took.append(time.perf_counter() - start)
                assert response.status == 200
                assert not response.will_close
        finally:
            connection.close()

    kept_alive = took[1:]
    assert statistics.median(kept_alive) < STALL_BOUND_S, [f"{t * 1000:.1f} ms" for t in took]
