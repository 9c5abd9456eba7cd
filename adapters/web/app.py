"""The webhook app: providers' callbacks over HTTP, answered only once they are stored.

``create_app`` builds a Starlette app around an ``OrderService``:

- ``POST /callbacks/{provider}/{shop_id}`` (e.g. ``/callbacks/vertex/115``) reads the body
  (never more than the size limit plus one byte), hands it to ``OrderService.handle_callback``
  — which keeps, verifies, reads and applies it, saving the raw callback, its outcome and the
  order's new events in one transaction (the raw callback alone if processing fails) — and
  answers from the outcome (``STATUS_BY_OUTCOME``). A 2xx therefore always means "kept";
  anything the provider should not retry gets a 2xx too. A provider the service does not
  know is a 404.
- ``GET /healthz`` answers 200 once the event store has answered a query, 503 if it did not;
  its JSON lists each follower of the log with its position, lag and last error.
- On startup the app finishes the callbacks a crash left stored but unapplied
  (``OrderService.process_inbox``), before it serves any request. With ``run_followers`` it
  also runs the followers (read model, outbox, the shop's own) in a background thread until
  shutdown: never inside a callback's request, so a failing follower cannot fail a 2xx.

The service's calls are synchronous (eventsourcing, SQLite or PostgreSQL), so every one runs in
Starlette's thread pool, keeping the event loop free: a slow commit does not stall other requests.

Serve it with ``orderstate serve``, or under any ASGI server through the composition root's
factory: ``uvicorn --factory orderstate.adapters.bootstrap:create_app``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Mapping
from types import MappingProxyType
from typing import Final

from eventsourcing.persistence import PersistenceError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from orderstate.adapters.port import Outcome
from orderstate.adapters.service import CallbackResult, OrderService

__all__ = ["CALLBACK_PATH", "STATUS_BY_OUTCOME", "create_app"]

log = logging.getLogger(__name__)

CALLBACK_PATH: Final = "/callbacks/{provider}/{shop_id:int}"
"""Where a shop's callbacks are posted; the shop in the path picks the secrets to verify with."""

STATUS_BY_OUTCOME: Final[Mapping[Outcome, int]] = MappingProxyType(
    {
        Outcome.APPLIED: 200,
        Outcome.DUPLICATE: 200,
        Outcome.STALE: 200,
        # A contradicting snapshot is kept in the inbox with its reason for a person to look
        # at; it will contradict just the same on every retry, so the provider is told to stop.
        Outcome.REJECTED: 200,
        # Verified and stored; applied once its order is placed here. Stored means no retry.
        Outcome.DEFERRED: 202,
        Outcome.UNAUTHENTICATED: 401,
        Outcome.MALFORMED: 400,
        Outcome.TOO_LARGE: 413,
    }
)
"""The HTTP status for each callback outcome."""


def create_app(
    service: OrderService, *, close_on_shutdown: bool = False, run_followers: bool = False
) -> Starlette:
    """The webhook app for ``service`` (closed when the app shuts down if ``close_on_shutdown``;
    its followers run in a background thread while it serves if ``run_followers``).

    The body is read up to the service's own limit plus one byte: enough for the service to
    judge it too large (and keep that prefix), never more.
    """
    limit = service.body_limit
    providers = frozenset(service.providers.names)

    async def receive_callback(request: Request) -> JSONResponse:
        provider: str = request.path_params["provider"]
        shop_id: int = request.path_params["shop_id"]
        if provider not in providers:
            return JSONResponse({"error": f"no provider {provider!r} here"}, status_code=404)
        body = await _read_capped(request, limit)
        headers = list(request.headers.items())
        result = await run_in_threadpool(
            service.handle_callback, shop_id, body, headers, provider=provider
        )
        status = STATUS_BY_OUTCOME[result.outcome]
        log.info(
            "callback provider=%s shop=%s order=%s outcome=%s status=%s inbox=%s",
            provider,
            shop_id,
            result.order_number,
            result.outcome,
            status,
            result.inbox_id,
        )
        return JSONResponse(_answer(result), status_code=status)

    async def healthz(request: Request) -> JSONResponse:
        try:
            followers = await run_in_threadpool(service.follower_status)
        except PersistenceError as error:
            log.error("health check: the event store did not answer: %s", error)
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse(
            {"status": "ok", "followers": [status.as_json() for status in followers]}
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        repaired = await run_in_threadpool(service.process_inbox)
        log.info("startup: finished %d callback(s) left in the inbox", len(repaired))
        stop = threading.Event()
        worker = threading.Thread(
            target=service.followers.run, args=(stop,), name="orderstate-followers", daemon=True
        )
        if run_followers:
            worker.start()
        try:
            yield
        finally:
            stop.set()
            if worker.is_alive():
                await run_in_threadpool(worker.join, 10)
            if close_on_shutdown:
                await run_in_threadpool(service.close)

    return Starlette(
        routes=[
            Route(CALLBACK_PATH, receive_callback, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


async def _read_capped(request: Request, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of the body: enough to know it is too large, no more.

    Not Starlette's ``max_body_size``: it answers 413 itself, and the inbox would never see it.
    """
    received = bytearray()
    async with contextlib.aclosing(request.stream()) as chunks:
        async for chunk in chunks:
            received += chunk
            if len(received) > limit:
                break
    return bytes(received[: limit + 1])


def _answer(result: CallbackResult) -> dict[str, object]:
    answer: dict[str, object] = {
        "outcome": result.outcome.value,
        "events": list(result.events),
        "inbox_id": str(result.inbox_id),
    }
    if result.reason is not None:
        answer["reason"] = result.reason
    if result.outbox:
        answer["outbox"] = list(result.outbox)
    return answer
