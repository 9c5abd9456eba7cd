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

    from orderstate.adapters.stripe import StripeCalls

__all__ = ["build_service", "create_app", "providers_for", "service_for", "stripe_calls_for"]

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
    stripe_calls: StripeCalls | None = None,
    default_provider: str = "vertex",
) -> OrderService:
    """An order service on ``store`` with every provider registered.

    ``vertex_client`` is what Vertex calls go through (``VertexClient``, or a client bound
    to the simulator); without one the service reads Vertex callbacks but calls nobody.
    ``mailer`` sends the confirmation emails the outbox holds (default: ``RecordingMailer``,
    which logs and keeps them); ``backoff`` paces the retries of a failing follower.
    ``stripe_calls`` is what Stripe calls go through (``StripeCalls`` on api.stripe.com or the
    simulator); ``default_provider`` serves the shops that name none.
    """
    if expiry_status not in get_args(ExpiryStatus):  # callers without a type checker
        raise ValueError(f"expiry_status is cancelled or failed, not {expiry_status!r}")
    return OrderService(
        store=store,
        providers=providers_for(
            vertex_client=vertex_client,
            stripe_calls=stripe_calls,
            default=default_provider,
            stripe_shops=any(shop.provider == "stripe" for shop in (shops or {}).values()),
        ),
        shops=shops,
        clock=clock or (lambda: datetime.now(UTC)),
        expiry_status=expiry_status,
        body_limit=body_limit,
        mailer=mailer,
        backoff=backoff,
    )


def providers_for(
    *,
    vertex_client: VertexCalls | None = None,
    stripe_calls: StripeCalls | None = None,
    default: str = "vertex",
    stripe_shops: bool = False,
) -> list[Provider]:
    """Every provider needed, ``default`` first (it serves the shops that name none).

    Stripe is registered when something needs it (its calls, shops of its own, or being the
    default) and its SDK is installed (the ``stripe`` extra): importing the SDK costs a command
    that never speaks to Stripe a noticeable part of its start-up."""
    providers: list[Provider] = [VertexProvider(vertex_client)]
    if stripe_calls is not None or stripe_shops or default == "stripe":
        stripe = _stripe_provider(stripe_calls)
        if stripe is not None:
            providers.append(stripe)
    names = [provider.name for provider in providers]
    if default not in names:
        raise ValueError(f"no provider {default!r} to serve shops by default; one of {names}")
    return sorted(providers, key=lambda provider: provider.name != default)


def _stripe_provider(calls: StripeCalls | None) -> Provider | None:
    try:
        from orderstate.adapters.stripe import StripeProvider
    except ImportError:  # the stripe extra is not installed: serve the other providers
        if calls is not None:
            raise
        return None
    return StripeProvider(calls)


def stripe_calls_for(settings: Settings) -> StripeCalls:
    """Calls to Stripe with the settings' secret key (on its URL: the simulator's in tests)."""
    from orderstate.adapters.stripe import StripeCalls, StripeConfig

    if not settings.stripe_key:
        raise ValueError("this command calls Stripe: set --stripe-key (ORDERSTATE_STRIPE_KEY)")
    return StripeCalls(StripeConfig(api_key=settings.stripe_key, base_url=settings.stripe_url))


def service_for(settings: Settings, *, connect: bool = False) -> OrderService:
    """The order service the settings describe; ``connect`` for commands that call providers
    (the default provider's credentials must then be set; any other's are used if given)."""
    if connect and settings.provider == "vertex" and not settings.vertex_token:
        raise ValueError("this command calls the provider: set --vertex-token")
    client = calls = None
    if settings.stripe_key or (connect and settings.provider == "stripe"):
        calls = stripe_calls_for(settings)
    if connect and settings.vertex_token:
        from orderstate.adapters.vertex import VertexClient, VertexConfig  # httpx: only to call

        client = VertexClient(
            VertexConfig(token=settings.vertex_token, base_url=settings.vertex_url)
        )
    return build_service(
        store=settings.db,
        shops=settings.shop_map(),
        vertex_client=client,
        stripe_calls=calls,
        default_provider=settings.provider,
    )


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
