"""Settings: what every entry point reads from options or ``ORDERSTATE_*`` variables.

``ORDERSTATE_DB`` (the store), ``ORDERSTATE_SHOPS`` (callback secrets: ``115:secret,116:other``;
a shop served by another provider than the default is written ``stripe:116:whsec_...``),
``ORDERSTATE_WEBHOOK_URL`` (sent to the provider with every new order),
``ORDERSTATE_READ_TIMEOUT`` (seconds a callback's body may take to arrive; default 10),
``ORDERSTATE_BATCH_SIZE`` and ``ORDERSTATE_BATCH_WAIT`` (group commit: callbacks per
transaction at most, default 64; seconds the oldest waits for others, default 0.002), and per
provider its own: ``ORDERSTATE_VERTEX_URL`` and ``ORDERSTATE_VERTEX_TOKEN``,
``ORDERSTATE_STRIPE_URL`` and ``ORDERSTATE_STRIPE_KEY`` (the secret API key, ``sk_...``);
``ORDERSTATE_PROVIDER`` names the provider of shops that name none (default ``vertex``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from orderstate.adapters.port import Shop
from orderstate.adapters.service import Batching
from orderstate.adapters.store import DEFAULT_STORE, describe
from orderstate.adapters.vertex.requests import STAGE_BASE_URL

__all__ = [
    "Settings",
    "ShopSecret",
    "batching_from_env",
    "parse_order_ref",
    "parse_shops",
    "shops_from_pairs",
]

ShopSecret = tuple[int, str] | tuple[int, str, str]
"""``(shop_id, secret)``, or ``(shop_id, secret, provider)`` for a shop of another provider."""


MAX_SHOP_ID_DIGITS = 19
"""A shop id is a 63-bit integer: longer digit strings are refused before ``int()``."""


@dataclass(frozen=True, repr=False)
class Settings:
    """What the entry points read; its repr (and str) shows no secret: the store's password,
    the provider token and the callback secrets are hidden."""

    db: str = DEFAULT_STORE
    vertex_url: str = STAGE_BASE_URL
    vertex_token: str | None = None
    shops: tuple[ShopSecret, ...] = ()
    webhook_url: str | None = None
    read_timeout: float = 10.0
    batch_size: int = Batching.max_batch
    batch_wait: float = Batching.max_wait
    stripe_url: str = "https://api.stripe.com"
    stripe_key: str | None = None
    provider: str = "vertex"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings the ``ORDERSTATE_*`` variables give (the defaults for the rest)."""
        env = os.environ if environ is None else environ
        batching = batching_from_env(env)
        return cls(
            db=env.get("ORDERSTATE_DB") or DEFAULT_STORE,
            vertex_url=env.get("ORDERSTATE_VERTEX_URL") or STAGE_BASE_URL,
            vertex_token=env.get("ORDERSTATE_VERTEX_TOKEN") or None,
            shops=parse_shops(env.get("ORDERSTATE_SHOPS")),
            webhook_url=env.get("ORDERSTATE_WEBHOOK_URL") or None,
            read_timeout=_parse_seconds(env.get("ORDERSTATE_READ_TIMEOUT") or "10"),
            batch_size=batching.max_batch,
            batch_wait=batching.max_wait,
            stripe_url=env.get("ORDERSTATE_STRIPE_URL") or cls.stripe_url,
            stripe_key=env.get("ORDERSTATE_STRIPE_KEY") or None,
            provider=env.get("ORDERSTATE_PROVIDER") or cls.provider,
        )

    def batching(self) -> Batching:
        """How the webhook app groups callbacks into transactions (``group commit``)."""
        return Batching(max_batch=self.batch_size, max_wait=self.batch_wait)

    def shop_map(self) -> dict[int, Shop]:
        return shops_from_pairs(self.shops, webhook_url=self.webhook_url)

    def __repr__(self) -> str:
        token = None if self.vertex_token is None else "***"
        shops = tuple(shop[0] for shop in self.shops)
        return (
            f"Settings(db={describe(self.db)!r}, vertex_url={describe(self.vertex_url)!r}, "
            f"vertex_token={token!r}, shops={shops!r} (secrets hidden), "
            f"webhook_url={self.webhook_url!r}, read_timeout={self.read_timeout!r}, "
            f"batch_size={self.batch_size!r}, batch_wait={self.batch_wait!r}, "
            f"stripe_url={describe(self.stripe_url)!r}, "
            f"stripe_key={None if self.stripe_key is None else '***'!r}, "
            f"provider={self.provider!r})"
        )


def shops_from_pairs(
    pairs: Iterable[ShopSecret], *, webhook_url: str | None = None
) -> dict[int, Shop]:
    """``[(115, "a"), (115, "b"), (116, "c")]`` -> one ``Shop`` per id, secrets in order."""
    secrets: dict[int, list[str]] = {}
    providers: dict[int, str | None] = {}
    for shop_id, secret, *provider in pairs:
        secrets.setdefault(shop_id, []).append(secret)
        providers[shop_id] = provider[0] if provider else None
    shops = {}
    for shop, values in secrets.items():
        try:
            shops[shop] = Shop(tuple(values), webhook_url=webhook_url, provider=providers[shop])
        except ValueError as error:  # says which secret, never what it is
            raise ValueError(f"shop {shop}: {error}") from None
    return shops


def parse_shops(text: str | None) -> tuple[ShopSecret, ...]:
    """``115:secret,stripe:116:other`` → ((115, "secret"), (116, "other", "stripe"))."""
    if not text:
        return ()
    shops: list[ShopSecret] = []
    for item in text.split(","):
        parts = item.strip().split(":", 2)
        if parts and not _is_shop_id(parts[0]):  # PROVIDER:SHOP_ID:SECRET
            provider, rest = parts[0], ":".join(parts[1:])
        else:
            provider, rest = "", item.strip()
        shop, sep, secret = rest.partition(":")
        if not sep or not _is_shop_id(shop) or not secret:
            # The value holds a secret: never echo it back.
            raise ValueError("a shop is SHOP_ID:SECRET (or PROVIDER:SHOP_ID:SECRET)")
        shops.append((int(shop), secret, provider) if provider else (int(shop), secret))
    return tuple(shops)


def _is_shop_id(text: str) -> bool:
    """ASCII digits (``str.isdigit`` also takes "²" and fullwidth digits), no more than a
    shop id has."""
    return text.isascii() and text.isdigit() and len(text) <= MAX_SHOP_ID_DIGITS


def _parse_seconds(text: str) -> float:
    """``"10"`` or ``"2.5"`` -> seconds, above 0 and finite."""
    try:
        seconds = float(text)
    except ValueError:
        raise ValueError(f"a timeout is a number of seconds, not {text!r}") from None
    if not 0 < seconds < float("inf"):
        raise ValueError(f"a timeout is a number of seconds above 0, not {text!r}")
    return seconds


def batching_from_env(environ: Mapping[str, str] | None = None) -> Batching:
    """Group commit's settings from ``ORDERSTATE_BATCH_SIZE`` and ``ORDERSTATE_BATCH_WAIT``
    (the defaults for what is unset)."""
    env = os.environ if environ is None else environ
    return Batching(
        max_batch=_parse_count(env.get("ORDERSTATE_BATCH_SIZE") or str(Batching.max_batch)),
        max_wait=_parse_wait(env.get("ORDERSTATE_BATCH_WAIT") or str(Batching.max_wait)),
    )


def _parse_count(text: str) -> int:
    """``ORDERSTATE_BATCH_SIZE``: callbacks per transaction, 1 to 10000."""
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 10_000:
        raise ValueError(f"a batch size is a whole number from 1 to 10000, not {text!r}")
    return int(text)


def _parse_wait(text: str) -> float:
    """``ORDERSTATE_BATCH_WAIT``: seconds, 0 to 1."""
    try:
        seconds = float(text)
    except ValueError:
        raise ValueError(f"a batch wait is a number of seconds, not {text!r}") from None
    if not 0 <= seconds <= 1:
        raise ValueError(f"a batch wait is from 0 to 1 second, not {text!r}")
    return seconds


def parse_order_ref(ref: str) -> tuple[int, str]:
    """``115/test04`` → (115, "test04")."""
    shop, sep, number = ref.partition("/")
    if not sep or not shop.isdigit() or not number:
        raise ValueError(f"an order is SHOP_ID/ORDER_NUMBER, got {ref!r}")
    return int(shop), number
