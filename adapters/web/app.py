"""The webhook app: providers' callbacks over HTTP, answered only once they are stored.

``create_app`` builds a Starlette app around an ``OrderService``:

- ``POST /callbacks/{provider}/{shop_id}`` (e.g. ``/callbacks/vertex/115``) reads the body
  (never more than the size limit plus one byte, and never for longer than ``read_timeout``
  seconds: a body still arriving then is answered 408 and its connection closed, so slow
  clients cannot hold the server), hands it to the service's group commit (or, with
  ``batching=None``, to ``OrderService.handle_callback``) — which keeps, verifies, reads and
  applies it, saving the raw callback, its outcome and the order's new events in one
  transaction shared with the other callbacks in flight (the raw callback alone if processing
  fails) — and answers from the outcome (``STATUS_BY_OUTCOME``) once that transaction has
  committed. A 2xx therefore always means "kept";
  anything the provider should not retry gets a 2xx too. A provider the service does not
  know, or a shop id that cannot be one (not a 63-bit integer), is a 404. Every 401 has the
  same body: a stranger learns neither whether the shop exists nor what was wrong with the
  signature (the inbox keeps the precise reason).
- When the store cannot take a callback in time (a lock or statement timeout, no connection),
  the answer is 503 with ``Retry-After``: the provider sends it again.
- ``GET /healthz`` answers 200 once the event store has answered a query and could take its
  append lock within a second (nothing is written), 503 ``unavailable`` or ``unable to write``
  if not.
  Its JSON lists each follower of the log with its position, lag and last error.
- On startup the app finishes the callbacks a crash left stored but unapplied
  (``OrderService.process_inbox``), before it serves any request. With ``run_followers`` it
  also runs the followers (read model, outbox, the shop's own) in a background thread until
  shutdown: never inside a callback's request, so a failing follower cannot fail a 2xx.

The service's calls are synchronous (eventsourcing, SQLite or PostgreSQL), so every one runs in
Starlette's thread pool, keeping the event loop free: a slow commit does not stall other requests.
Callbacks go to the group commit's writer thread instead (``OrderService.group_commit``): the
request awaits its future, so every request in flight can join the next transaction.

Serve it with ``orderstate serve``, or under any ASGI server through the composition root's
factory: ``uvicorn --factory orderstate.adapters.bootstrap:create_app``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Mapping
from types import MappingProxyType
from typing import Final

from eventsourcing.persistence import InterfaceError, OperationalError, PersistenceError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from orderstate.adapters.port import Outcome
from orderstate.adapters.service import (
    Batching,
    CallbackResult,
    GroupCommit,
    GroupCommitClosed,
    OrderService,
)
from orderstate.adapters.store import write_probe

from .console import ConsoleConfig, mount_console

__all__ = ["CALLBACK_PATH", "DEFAULT_READ_TIMEOUT", "STATUS_BY_OUTCOME", "create_app"]

log = logging.getLogger(__name__)

CALLBACK_PATH: Final = "/callbacks/{provider}/{shop_id}"
"""Where a shop's callbacks are posted; the shop in the path picks the secrets to verify with."""

MAX_SHOP_ID: Final = 2**63 - 1
"""The largest shop id read from a path (PostgreSQL's bigint); longer digit strings are a 404,
never an integer conversion of thousands of digits."""

UNAUTHENTICATED_REASON: Final = "the callback's signature could not be verified"
"""The one reason a 401 gives, whatever the inbox keeps."""

DEFAULT_READ_TIMEOUT: Final = 10.0
"""Seconds a callback's body may take to arrive, from the moment its headers did (a provider
sends at most 64 KB at once; a client dribbling bytes is not a provider)."""

HEALTH_WRITE_TIMEOUT: Final = 1.0
"""Seconds ``/healthz`` waits for the store's append lock before reporting "unable to write"."""

RETRY_AFTER: Final = "5"
"""Seconds a provider is asked to wait before sending a callback the store could not take."""

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
        # Only a replay at start-up marks an item failed; a live callback that raises is a 500.
        Outcome.FAILED: 500,
    }
)
"""The HTTP status for each callback outcome."""


def create_app(
    service: OrderService,
    *,
    close_on_shutdown: bool = False,
    read_timeout: float = DEFAULT_READ_TIMEOUT,
    run_followers: bool = False,
    console: ConsoleConfig | None = None,
    batching: Batching | None = Batching(),  # noqa: B008 - frozen, so one default is safe
) -> Starlette:
    """The webhook app for ``service`` (closed when the app shuts down if ``close_on_shutdown``;
    its followers run in a background thread while it serves if ``run_followers``; callbacks
    in flight are saved together as ``batching`` says, or one by one if it is None).

    The body is read up to the service's own limit plus one byte: enough for the service to
    judge it too large (and keep that prefix), never more; and for ``read_timeout`` seconds at
    most (then 408, connection closed). With ``console`` the web console is mounted at
    ``/console`` (``orderstate.adapters.web.console``).
    """
    _check_seconds("read_timeout", read_timeout)
    limit = service.body_limit
    providers = frozenset(service.providers.names)
    front_door = None if batching is None else service.group_commit(batching)

    async def receive_callback(request: Request) -> Response:
        provider: str = request.path_params["provider"]
        if provider not in providers:
            return JSONResponse({"error": f"no provider {provider!r} here"}, status_code=404)
        shop_id = _shop_id(request.path_params["shop_id"])
        if shop_id is None:
            return JSONResponse({"error": "no such shop id"}, status_code=404)
        body = await _read_in_time(request, limit, read_timeout)
        if isinstance(body, Response):
            log.warning("callback provider=%s shop=%s: body not read", provider, shop_id)
            return body
        headers = list(request.headers.items())
        try:
            result = await _handled(service, front_door, shop_id, body, headers, provider)
        except (OperationalError, InterfaceError, GroupCommitClosed) as error:  # retry later
            log.error(
                "callback provider=%s shop=%s: store unavailable: %s", provider, shop_id, error
            )
            return JSONResponse(
                {"error": "the store cannot take callbacks now; send it again"},
                status_code=503,
                headers={"Retry-After": RETRY_AFTER},
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
        body, status = await run_in_threadpool(_health, service)
        return JSONResponse(body, status_code=status)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(_start_up, service)
        try:
            async with _followers_running(service, enabled=run_followers):
                yield
        finally:
            await run_in_threadpool(_shut_down, service, front_door, close_on_shutdown)

    routes: list[BaseRoute] = [
        Route(CALLBACK_PATH, receive_callback, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    if console is not None:
        routes.append(mount_console(service, console))
    return Starlette(routes=routes, lifespan=lifespan)


async def _handled(
    service: OrderService,
    front_door: GroupCommit | None,
    shop_id: int,
    body: bytes,
    headers: list[tuple[str, str]],
    provider: str,
) -> CallbackResult:
    """The callback's result, once the transaction holding it has committed."""
    if front_door is None:
        return await run_in_threadpool(
            service.handle_callback, shop_id, body, headers, provider=provider
        )
    return await asyncio.wrap_future(front_door.submit(shop_id, body, headers, provider=provider))


def _shut_down(service: OrderService, front_door: GroupCommit | None, close_service: bool) -> None:
    """Finish the callbacks the group commit holds; then close the service if asked to."""
    if front_door is not None:
        front_door.close()
    if close_service:
        service.close()


def _start_up(service: OrderService) -> None:
    """Finish what the inbox holds, and name every stored event that does not read back: the
    app serves around them, never a reason not to start."""
    repaired = service.process_inbox()
    log.info("startup: finished %d callback(s) left in the inbox", len(repaired))
    for event in service.unreadable_events():
        log.error("startup: %s of aggregate %s", event, event.originator_id)


async def _read_in_time(request: Request, limit: int, read_timeout: float) -> bytes | Response:
    """The body (``_read_capped``), or the answer to a client that did not send it in time
    (408, and ``Connection: close`` so the server drops the connection) or left mid-body.

    Nothing is kept: an incomplete body cannot be verified, and a provider sends it again.
    """
    try:
        async with asyncio.timeout(read_timeout):
            return await _read_capped(request, limit)
    except TimeoutError:
        return JSONResponse(
            {"error": f"the body did not arrive within {read_timeout:g} s"},
            status_code=408,
            headers={"Connection": "close"},
        )
    except ClientDisconnect:  # nobody is left to read an answer
        return Response(status_code=400)


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


def _check_seconds(name: str, seconds: float) -> None:
    if not 0 < seconds < float("inf"):
        raise ValueError(f"{name} is a number of seconds above 0, not {seconds!r}")


@contextlib.asynccontextmanager
async def _followers_running(service: OrderService, *, enabled: bool) -> AsyncIterator[None]:
    """The service's followers in a background thread while the app serves (if ``enabled``)."""
    if not enabled:
        yield
        return
    stop = threading.Event()
    worker = threading.Thread(
        target=service.followers.run, args=(stop,), name="orderstate-followers", daemon=True
    )
    worker.start()
    try:
        yield
    finally:
        stop.set()
        await run_in_threadpool(worker.join, 10)


def _health(service: OrderService) -> tuple[dict[str, object], int]:
    """``/healthz``'s body and status: the store's state, then each follower's position, lag
    and last error."""
    problem = _store_problem(service)
    if problem is not None:
        return {"status": problem}, 503
    try:
        followers = service.follower_status()
    except PersistenceError as error:
        log.error("health check: the followers' positions could not be read: %s", error)
        return {"status": "unavailable"}, 503
    return {"status": "ok", "followers": [status.as_json() for status in followers]}, 200


def _store_problem(service: OrderService) -> str | None:
    """None if the store answers a query and could take its append lock now; else the status
    ``/healthz`` reports (the details are logged, not shown)."""
    try:
        service.recorder.max_notification_id()
    except PersistenceError as error:
        log.error("health check: the event store did not answer: %s", error)
        return "unavailable"
    reason = write_probe(service.recorder, timeout=HEALTH_WRITE_TIMEOUT)
    if reason is not None:
        log.error("health check: the event store cannot be written to: %s", reason)
        return "unable to write"
    return None


def _shop_id(text: str) -> int | None:
    """The shop id a path segment names, or None if it cannot be one."""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_SHOP_ID)):
        return None
    value = int(text)
    return value if value <= MAX_SHOP_ID else None


def _answer(result: CallbackResult) -> dict[str, object]:
    answer: dict[str, object] = {
        "outcome": result.outcome.value,
        "events": list(result.events),
        "inbox_id": str(result.inbox_id),
    }
    if result.outcome is Outcome.UNAUTHENTICATED:
        answer["reason"] = UNAUTHENTICATED_REASON
    elif result.reason is not None:
        answer["reason"] = result.reason
    if result.outbox:
        answer["outbox"] = list(result.outbox)
    return answer
