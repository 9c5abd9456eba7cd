"""The Stripe sandbox: the Stripe simulator served on loopback beside the webhook app
(``orderstate serve --simulator --provider stripe``), its webhooks going to that app.

The simulator runs on the wall clock (``RealTime``) with short delays, so a person at a
terminal sees a bank debit finish processing, funds become available (settlement) and a
dispute open within seconds. Each Stripe shop of the settings (default ``DEFAULT_STRIPE_SHOP``)
gets a webhook endpoint at ``/callbacks/stripe/{shop}`` signed with its secret.
``StripeSandbox.exports()`` is what a second terminal sets to talk to it.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, replace
from datetime import timedelta

import httpx

from orderstate.adapters.loopback import RunningServer
from orderstate.adapters.stripe.simulator import DEFAULT_API_KEY, RealTime, SimulatedStripe, serve

from .sandbox import _absolute, _shop_setting
from .settings import Settings, ShopSecret

__all__ = ["DEFAULT_STRIPE_SHOP", "StripeSandbox", "start_stripe_sandbox"]

DEFAULT_STRIPE_SHOP: ShopSecret = (216, "whsec_orderstate_sandbox_216", "stripe")
"""The shop and webhook secret used when the settings name no Stripe shop."""


@dataclass(frozen=True)
class StripeSandbox:
    """A running Stripe simulator and the settings that point the service at it."""

    running: RunningServer
    sim: SimulatedStripe
    settings: Settings
    clock: RealTime

    def exports(self) -> list[str]:
        """``export NAME=value`` lines that point a second terminal's ``orderstate`` here."""
        settings = self.settings
        values = {
            "ORDERSTATE_PROVIDER": "stripe",
            "ORDERSTATE_STRIPE_URL": settings.stripe_url,
            "ORDERSTATE_STRIPE_KEY": settings.stripe_key or "",
            "ORDERSTATE_SHOPS": ",".join(_shop_setting(shop) for shop in settings.shops),
            "ORDERSTATE_DB": settings.db,
        }
        return [f"export {name}={shlex.quote(value)}" for name, value in values.items()]

    def lines(self) -> list[str]:
        """What a person needs: where it is, how the customer pays, the exports."""
        return [
            f"stripe simulator: {self.running.base_url} (secret key {DEFAULT_API_KEY})",
            "the customer pays: curl -u KEY: URL/v1/payment_intents/PI/confirm "
            "-d payment_method=pm_card_visa (PI: the client secret before _secret_)",
            f"webhooks go to {', '.join(e.url for e in self.sim.webhooks.endpoints)}",
            "in a second terminal:",
            *(f"  {line}" for line in self.exports()),
        ]

    def stop(self) -> None:
        self.clock.stop()
        self.running.stop()
        if isinstance(self.sim.sender, httpx.Client):
            self.sim.sender.close()


def start_stripe_sandbox(settings: Settings, *, host: str, port: int) -> StripeSandbox:
    """The Stripe simulator on ``port + 1``, sending webhooks to the webhook app on ``port``;
    the settings returned point the service at it (key, URL, shops, Stripe as the default
    provider, the store as an absolute path)."""
    stripe_shops = tuple(shop for shop in settings.shops if shop[2:] == ("stripe",))
    shops = stripe_shops or (DEFAULT_STRIPE_SHOP,)
    reach = "127.0.0.1" if host in ("0.0.0.0", "") else host
    sim = SimulatedStripe(
        sender=httpx.Client(timeout=10.0),
        processing_delay=timedelta(seconds=10),
        settlement_delay=timedelta(seconds=30),
        dispute_delay=timedelta(seconds=10),
        dispute_review_delay=timedelta(seconds=30),
        authorization_window=timedelta(minutes=10),
    )
    for shop in shops:
        url = f"http://{reach}:{port}/callbacks/stripe/{shop[0]}"
        sim.add_webhook_endpoint(url, secret=shop[1])
    running = serve(sim, host=host, port=port + 1)
    clock = RealTime(sim).start()
    pointed = replace(
        settings,
        db=_absolute(settings.db),
        shops=settings.shops if stripe_shops else (DEFAULT_STRIPE_SHOP, *settings.shops),
        stripe_url=running.base_url,
        stripe_key=DEFAULT_API_KEY,
        provider="stripe",
    )
    return StripeSandbox(running, sim, pointed, clock)
