"""The sandbox: the Vertex simulator served on loopback beside the webhook app
(``orderstate serve --simulator``), its callbacks going to that app.

It behaves like the provider for a person at a terminal: capture, cancel, reject and refund
answered 202 complete ``operation_delay`` seconds later (``RealTime``), the clock is the wall
clock, and every shop's standard callback URL is the served webhook, so callbacks arrive without
``ORDERSTATE_WEBHOOK_URL``. One shortcut the provider does not document: a two-stage payment
being authorized is called back too, so the order shows ``authorized`` without a ``reconcile``.
``Sandbox.exports()`` is what a second terminal sets to talk to it.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

from orderstate.adapters.vertex.simulator import (
    API_PREFIX,
    RunningSimulator,
    SimShop,
    SimulatedGateway,
    serve,
)
from orderstate.adapters.vertex.simulator.realtime import DEFAULT_OPERATION_DELAY, RealTime

from .settings import Settings, ShopSecret

__all__ = ["DEFAULT_OPERATION_DELAY", "DEFAULT_SANDBOX_SHOP", "Sandbox", "start_sandbox"]

DEFAULT_SANDBOX_SHOP = (115, "sim-secret-115")
"""The shop and callback secret used when the settings name none."""


@dataclass(frozen=True)
class Sandbox:
    """A running simulator and the settings that point the service at it."""

    running: RunningSimulator
    sim: SimulatedGateway
    settings: Settings
    api_url: str
    payment_pages: str
    clock: RealTime

    def exports(self) -> list[str]:
        """``export NAME=value`` lines that point a second terminal's ``orderstate`` here."""
        settings = self.settings
        values = {
            "ORDERSTATE_VERTEX_URL": settings.vertex_url,
            "ORDERSTATE_VERTEX_TOKEN": settings.vertex_token or "",
            "ORDERSTATE_SHOPS": ",".join(_shop_setting(shop) for shop in settings.shops),
            "ORDERSTATE_WEBHOOK_URL": settings.webhook_url or "",
            "ORDERSTATE_DB": settings.db,
        }
        return [f"export {name}={shlex.quote(value)}" for name, value in values.items()]

    def stop(self) -> None:
        self.clock.stop()
        self.running.stop()
        sender = self.sim.sender
        if isinstance(sender, httpx.Client):
            sender.close()


def start_sandbox(
    settings: Settings,
    *,
    host: str,
    port: int,
    operation_delay: float = DEFAULT_OPERATION_DELAY,
) -> Sandbox:
    """The simulator on ``port + 1``, sending callbacks to the webhook app on ``port``; the
    settings returned point the service at it (token, URL, shops, webhook URL, the store as an
    absolute path so another directory's terminal shares it)."""
    if operation_delay < 0:
        raise ValueError("the sandbox's operation delay is a number of seconds >= 0")
    vertex = tuple(shop for shop in settings.shops if len(shop) == 2 or shop[2] == "vertex")
    shops = vertex or (DEFAULT_SANDBOX_SHOP,)
    reach = "127.0.0.1" if host in ("0.0.0.0", "") else host
    webhook = f"http://{reach}:{port}/callbacks/vertex"
    sim = SimulatedGateway(
        shops=tuple(
            SimShop(shop[0], (f"sim-token-{shop[0]}",), shop[1], f"{webhook}/{shop[0]}")
            for shop in shops
        ),
        sender=httpx.Client(timeout=10.0),
        notify_payment_changes=True,  # the documented shortcut above: authorized shows at once
    )
    running = serve(sim, host=host, port=port + 1)
    clock = RealTime(sim, operation_delay=operation_delay).start()
    first = shops[0][0]
    pointed = replace(
        settings,
        db=_absolute(settings.db),
        shops=settings.shops if vertex else (DEFAULT_SANDBOX_SHOP, *settings.shops),
        vertex_url=running.base_url + API_PREFIX,
        vertex_token=f"sim-token-{first}",
        webhook_url=f"{webhook}/{first}",
    )
    pages = f"{running.base_url}/payment"
    return Sandbox(running, sim, pointed, running.base_url + API_PREFIX, pages, clock)


def _shop_setting(shop: ShopSecret) -> str:
    """``ORDERSTATE_SHOPS``'s spelling of one shop (``parse_shops`` reads it back)."""
    return ":".join((*shop[2:], str(shop[0]), shop[1]))


def _absolute(store: str) -> str:
    """A SQLite path made absolute; a URL (``postgresql://``, ``sqlite://``) as given."""
    if "://" in store or store in {"memory", ":memory:"}:
        return store
    return str(Path(store).resolve())
