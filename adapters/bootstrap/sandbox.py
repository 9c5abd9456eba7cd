"""The sandbox: the Vertex simulator served on loopback beside the webhook app
(``orderstate serve --simulator``), its callbacks going to that app."""

from __future__ import annotations

from dataclasses import dataclass, replace

import httpx

from orderstate.adapters.vertex.simulator import (
    API_PREFIX,
    RunningSimulator,
    SimShop,
    SimulatedGateway,
    serve,
)

from .settings import Settings

__all__ = ["DEFAULT_SANDBOX_SHOP", "Sandbox", "start_sandbox"]

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

    def stop(self) -> None:
        self.running.stop()
        sender = self.sim.sender
        if isinstance(sender, httpx.Client):
            sender.close()


def start_sandbox(settings: Settings, *, host: str, port: int) -> Sandbox:
    """The simulator on ``port + 1``, sending callbacks to the webhook app on ``port``; the
    settings returned point the service at it (token, URL, shops, webhook URL)."""
    shops = settings.shops or (DEFAULT_SANDBOX_SHOP,)
    sim = SimulatedGateway(
        shops=tuple(SimShop(shop[0], (f"sim-token-{shop[0]}",), shop[1]) for shop in shops),
        sender=httpx.Client(timeout=10.0),
    )
    running = serve(sim, host=host, port=port + 1)
    first = shops[0][0]
    pointed = replace(
        settings,
        shops=shops,
        vertex_url=running.base_url + API_PREFIX,
        vertex_token=f"sim-token-{first}",
        webhook_url=f"http://{host}:{port}/callbacks/vertex/{first}",
    )
    pages = f"{running.base_url}/payment"
    return Sandbox(running, sim, pointed, running.base_url + API_PREFIX, pages)
