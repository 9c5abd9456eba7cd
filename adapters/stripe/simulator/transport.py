"""``sync_transport``: the in-process app behind a synchronous ``httpx`` client.

``httpx.ASGITransport`` is async only; synchronous code (the official SDK's sync methods, a
``httpx.Client`` in a test) gets an ``httpx.MockTransport`` whose handler runs each request
through the ASGI app on a short-lived event loop. Exceptions the app raises (an injected
timeout) reach the caller, as with ``ASGITransport``. Call it from a thread without a running
event loop.
"""

from __future__ import annotations

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
        response: httpx.Response = anyio.run(call, request, body)
        return response

    return httpx.MockTransport(handler)
