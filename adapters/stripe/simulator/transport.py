"""``sync_transport``: the in-process app behind a synchronous ``httpx`` client.

``httpx.ASGITransport`` is async only; synchronous code (the official SDK's sync methods, a
``httpx.Client`` in a test) gets an ``httpx.MockTransport`` whose handler runs each request
through the ASGI app on a short-lived event loop. Exceptions the app raises (an injected
timeout) reach the caller, as with ``ASGITransport``. Called from a thread whose event loop is
running (sync code inside an async test), that loop is left alone: the request runs on a loop
of its own in a helper thread, and the caller waits for it.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import httpx

__all__ = ["sync_transport"]


def sync_transport(app: Any) -> httpx.MockTransport:
    """A transport for ``httpx.Client`` that serves every request from ``app`` in process."""

    async def call(request: httpx.Request, body: bytes) -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport) as client:
            forwarded = httpx.Request(
                request.method, request.url, headers=request.headers, content=body
            )
            response = await client.send(forwarded)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=content)

    def handler(request: httpx.Request) -> httpx.Response:
        body = request.read()
        if not _loop_running():
            response: httpx.Response = anyio.run(call, request, body)
            return response
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(anyio.run, call, request, body).result()

    return httpx.MockTransport(handler)


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
