"""The webhook app: Vertex Gateway's callbacks over HTTP, answered only once they are stored.

``create_app`` builds a Starlette app around an ``OrderService``:

- ``POST /callbacks/vertex/{shop_id}`` reads the body (never more than the size limit plus one
  byte), hands it to ``OrderService.handle_callback`` — which verifies, reads and applies it and
  saves the raw callback, its outcome and the order's events in one transaction (the raw
  callback alone if processing fails) — and answers from the outcome. A 2xx therefore always
  means "kept"; anything the provider should not retry gets a 2xx too.
- ``GET /healthz`` answers 200 once the event store has answered a query, 503 if it did not.
- On startup the app finishes the callbacks a crash left stored but unapplied
  (``OrderService.process_inbox``), before it serves any request.

The service's calls are synchronous (eventsourcing, SQLite or PostgreSQL), so every one runs in
Starlette's thread pool, keeping the event loop free: a slow commit does not stall other requests.

``python -m orderstate.adapters.webhook --store orders.db --shop 115:SECRET --port 8080`` serves
the app with uvicorn (see ``main``).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Final

from eventsourcing.persistence import PersistenceError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .service import CallbackResult, OrderService, shops_from_pairs
from .store import DEFAULT_STORE, describe

__all__ = ["CALLBACK_PATH", "STATUS_BY_OUTCOME", "create_app", "main"]

log = logging.getLogger(__name__)

CALLBACK_PATH: Final = "/callbacks/vertex/{shop_id:int}"
"""Where a shop's callbacks are posted; the shop in the path picks the secrets to verify with."""

STATUS_BY_OUTCOME: Final[dict[str, int]] = {
    "applied": 200,
    "duplicate": 200,
    "stale": 200,
    # A contradicting snapshot is kept in the inbox with its reason for a person to look at;
    # it will contradict just the same on every retry, so the provider is told to stop (200).
    "rejected": 200,
    # Verified and stored; it is applied once its order is placed here. Stored means no retry.
    "deferred": 202,
    "unauthenticated": 401,
    "malformed": 400,
}
"""The HTTP status for each ``CallbackResult.outcome``; a body over the limit gets 413."""

_PAYLOAD_TOO_LARGE: Final = 413


def create_app(service: OrderService, *, body_limit: int | None = None) -> Starlette:
    """The webhook app for ``service``.

    ``body_limit`` defaults to the service's own limit, and no other value is accepted: a body
    over the limit is answered 413 yet still handed to the service (its first limit + 1 bytes)
    so the inbox keeps it with the reason, and the service must judge that prefix too large too.
    """
    limit = service.body_limit if body_limit is None else body_limit
    if limit != service.body_limit:
        raise ValueError(
            f"body_limit {limit} differs from the service's {service.body_limit}: the inbox "
            "would record a different verdict from the HTTP answer"
        )

    async def receive_callback(request: Request) -> JSONResponse:
        shop_id: int = request.path_params["shop_id"]
        body = await _read_capped(request, limit)
        headers = list(request.headers.items())
        result = await run_in_threadpool(service.handle_callback, shop_id, body, headers)
        too_large = len(body) > limit
        status = _PAYLOAD_TOO_LARGE if too_large else STATUS_BY_OUTCOME[result.outcome]
        log.info(
            "callback shop=%s order=%s outcome=%s status=%s inbox=%s",
            shop_id,
            result.order_number,
            result.outcome,
            status,
            result.inbox_id,
        )
        return JSONResponse(_answer(result, too_large=too_large), status_code=status)

    async def healthz(request: Request) -> JSONResponse:
        try:
            await run_in_threadpool(service.recorder.max_notification_id)
        except PersistenceError as error:
            log.error("health check: the event store did not answer: %s", error)
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        repaired = await run_in_threadpool(service.process_inbox)
        log.info("startup: finished %d callback(s) left in the inbox", len(repaired))
        yield

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


def _answer(result: CallbackResult, *, too_large: bool) -> dict[str, object]:
    answer: dict[str, object] = {
        "outcome": "too_large" if too_large else result.outcome,
        "events": list(result.events),
        "inbox_id": str(result.inbox_id),
    }
    if result.reason is not None:
        answer["reason"] = result.reason
    return answer


# --- running it -----------------------------------------------------------------------------


def _shop(text: str) -> tuple[int, str]:
    shop_id, sep, secret = text.partition(":")
    if not sep or not shop_id.isdigit() or not secret:
        # The value holds a secret: never echo it back into a message or a log.
        raise argparse.ArgumentTypeError("expected SHOP_ID:SECRET, e.g. 115:s3cret")
    return int(shop_id), secret


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m orderstate.adapters.webhook",
        description="Serve the Vertex Gateway webhook on one order store.",
    )
    parser.add_argument("--store", default=DEFAULT_STORE, help="memory, a SQLite path or a URL")
    parser.add_argument(
        "--shop",
        type=_shop,
        action="append",
        default=[],
        metavar="ID:SECRET",
        help="a shop's callback secret; repeat a shop to accept several while rotating",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning"])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Build the service from the arguments and serve until interrupted."""
    import uvicorn  # only needed to serve; the app itself runs under any ASGI server

    options = _parser().parse_args(argv)
    logging.basicConfig(
        level=options.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    shops = shops_from_pairs(options.shop)
    service = OrderService(store=options.store, shops=shops)
    log.info("serving store %s for shops %s", describe(options.store), sorted(shops))
    try:
        uvicorn.run(
            create_app(service),
            host=options.host,
            port=options.port,
            log_level=options.log_level,
            lifespan="on",
        )
    finally:
        service.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
