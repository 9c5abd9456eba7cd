"""The composition root: settings become a store, providers, shops and the order service.

This is the one place that names provider packages: each is registered here as a façade
behind the port, so the service, the web app, the CLI and the test kit never import one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, get_args

from orderstate.adapters.port import DEFAULT_BODY_LIMIT, Provider, Shop
from orderstate.adapters.service import Backoff, ExpiryStatus, Mailer, OrderService
from orderstate.adapters.store import describe
from orderstate.adapters.vertex import VertexCalls, VertexProvider

from .settings import Settings

if TYPE_CHECKING:  # the web app (starlette) is imported by the one function that builds it
    from starlette.applications import Starlette

__all__ = ["build_service", "create_app", "providers_for", "service_for"]

log = logging.getLogger(__name__)


def build_service(
    *,
    store: str = "memory",
    shops: Mapping[int, Shop] | None = None,
    vertex_client: VertexCalls | None = None,
    clock: Callable[[], datetime] | None = None,
    expiry_status: ExpiryStatus = "cancelled",
    body_limit: int = DEFAULT_BODY_LIMIT,
    mailer: Mailer | None = None,
    backoff: Backoff | None = None,
) -> OrderService:
    """An order service on ``store`` with every provider registered.

    ``vertex_client`` is what Vertex calls go through (``VertexClient``, or a client bound
    to the simulator); without one the service reads Vertex callbacks but calls nobody.
    ``mailer`` sends the confirmation emails the outbox holds (default: ``RecordingMailer``,
    which logs and keeps them); ``backoff`` paces the retries of a failing follower.
    """
    if expiry_status not in get_args(ExpiryStatus):  # callers without a type checker
        raise ValueError(f"expiry_status is cancelled or failed, not {expiry_status!r}")
    return OrderService(
        store=store,
        providers=providers_for(vertex_client=vertex_client),
        shops=shops,
        clock=clock or (lambda: datetime.now(UTC)),
        expiry_status=expiry_status,
        body_limit=body_limit,
        mailer=mailer,
        backoff=backoff,
    )


def providers_for(*, vertex_client: VertexCalls | None = None) -> list[Provider]:
    """Every provider, the default (Vertex) first."""
    return [VertexProvider(vertex_client)]


def service_for(settings: Settings, *, connect: bool = False) -> OrderService:
    """The order service the settings describe; ``connect`` for commands that call providers
    (their credentials must then be set)."""
    client = None
    if connect:
        from orderstate.adapters.vertex import VertexClient, VertexConfig  # httpx: only to call

        if not settings.vertex_token:
            raise ValueError("this command calls the provider: set --vertex-token")
        client = VertexClient(
            VertexConfig(token=settings.vertex_token, base_url=settings.vertex_url)
        )
    return build_service(store=settings.db, shops=settings.shop_map(), vertex_client=client)


def create_app(settings: Settings | None = None) -> Starlette:
    """The webhook app for the ``ORDERSTATE_*`` settings, as an ASGI app factory::

        uvicorn --factory orderstate.adapters.bootstrap:create_app --workers 4

    Every worker builds its own service on the shared store (PostgreSQL for several workers);
    the service is closed when the app shuts down. The web console is mounted at ``/console``
    (``ORDERSTATE_CONSOLE_*``).
    """
    from orderstate.adapters.web import create_app as create_web_app
    from orderstate.adapters.web.console import ConsoleConfig

    settings = settings or Settings.from_env()
    if not settings.shops:
        raise ValueError("no callback secrets: set ORDERSTATE_SHOPS=115:SECRET")
    service = service_for(settings, connect=settings.vertex_token is not None)
    log.info(
        "serving store %s for shops %s", describe(settings.db), sorted(service.providers.shops)
    )
    return create_web_app(
        service,
        close_on_shutdown=True,
        read_timeout=settings.read_timeout,
        batching=settings.batching(),
        console=ConsoleConfig.from_env(),
    )
