"""The providers a service speaks to, and which one serves each shop.

A shop names its provider (``Shop.provider``); a shop that names none, and a shop that is not
configured at all, belong to the default provider (the first one registered).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from orderstate.adapters.port import Provider, Shop

__all__ = ["Providers", "UnknownProvider"]


class UnknownProvider(LookupError):
    """A provider name that no registered provider has."""


class Providers:
    """Registered providers by name, and the shops' configuration."""

    def __init__(self, providers: Iterable[Provider], shops: Mapping[int, Shop]) -> None:
        self._by_name = {provider.name: provider for provider in providers}
        if not self._by_name:
            raise ValueError("an order service needs at least one provider")
        self.shops = dict(shops)
        for shop_id, shop in self.shops.items():
            if shop.provider is not None and shop.provider not in self._by_name:
                # Not echoed: in a mistyped shops setting the "provider" may be a secret.
                known = ", ".join(self._by_name)
                raise UnknownProvider(
                    f"shop {shop_id}: the provider it names is not registered (one of {known})"
                )

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._by_name)

    @property
    def default(self) -> Provider:
        return next(iter(self._by_name.values()))

    def named(self, name: str) -> Provider:
        try:
            return self._by_name[name]
        except KeyError:
            known = ", ".join(self._by_name)
            raise UnknownProvider(f"no provider {name!r}; registered: {known}") from None

    @property
    def any_connected(self) -> bool:
        """Whether calls to at least one provider can be made."""
        return any(provider.connected for provider in self._by_name.values())

    def shop(self, shop_id: int) -> Shop | None:
        return self.shops.get(shop_id)

    def for_shop(self, shop_id: int) -> Provider:
        """The provider serving ``shop_id``."""
        shop = self.shops.get(shop_id)
        if shop is None or shop.provider is None:
            return self.default
        return self._by_name[shop.provider]

    def close(self) -> None:
        for provider in self._by_name.values():
            provider.close()
