"""What the commands share: the store, the provider and the shops' callback secrets.

Every setting has an option and an environment variable, so cron jobs and the webhook process
read the same configuration: ``ORDERSTATE_DB``, ``ORDERSTATE_VERTEX_URL``,
``ORDERSTATE_VERTEX_TOKEN`` and ``ORDERSTATE_SHOPS`` (``115:secret,116:other``).
"""

from __future__ import annotations

from dataclasses import dataclass

from orderstate.adapters.service import OrderService, shops_from_pairs
from orderstate.adapters.store import DEFAULT_STORE
from orderstate.adapters.vertex.client import STAGE_BASE_URL, VertexClient, VertexConfig

__all__ = ["Settings", "parse_order_ref", "parse_shops"]


@dataclass(frozen=True)
class Settings:
    db: str = DEFAULT_STORE
    vertex_url: str = STAGE_BASE_URL
    vertex_token: str | None = None
    shops: tuple[tuple[int, str], ...] = ()
    webhook_url: str | None = None
    debug: bool = False

    def service(self, *, with_provider: bool = False) -> OrderService:
        """The order service on the configured store (and provider, when a command needs it)."""
        provider = None
        if with_provider:
            if not self.vertex_token:
                raise ValueError("this command calls the provider: set --vertex-token")
            provider = VertexClient(VertexConfig(token=self.vertex_token, base_url=self.vertex_url))
        shops = shops_from_pairs(self.shops, webhook_url=self.webhook_url)
        return OrderService(store=self.db, provider=provider, shops=shops)


def parse_shops(text: str | None) -> tuple[tuple[int, str], ...]:
    """``115:secret,116:other`` → ((115, "secret"), (116, "other"))."""
    if not text:
        return ()
    shops = []
    for item in text.split(","):
        shop, sep, secret = item.strip().partition(":")
        if not sep or not shop.isdigit() or not secret:
            raise ValueError(f"a shop is SHOP_ID:SECRET, got {item.strip()!r}")
        shops.append((int(shop), secret))
    return tuple(shops)


def parse_order_ref(ref: str) -> tuple[int, str]:
    """``115/test04`` → (115, "test04")."""
    shop, sep, number = ref.partition("/")
    if not sep or not shop.isdigit() or not number:
        raise ValueError(f"an order is SHOP_ID/ORDER_NUMBER, got {ref!r}")
    return int(shop), number
