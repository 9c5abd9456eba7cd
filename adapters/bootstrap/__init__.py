"""The composition root: settings (options or ``ORDERSTATE_*``) → store, providers, shops →
order service, and the webhook app as an ASGI factory. The CLI, the web app, the demo, the
pytest plugin and the test kit all assemble services here.
"""

from .root import build_service, create_app, providers_for, service_for
from .settings import Settings, ShopSecret, parse_order_ref, parse_shops, shops_from_pairs

__all__ = [
    "Settings",
    "ShopSecret",
    "build_service",
    "create_app",
    "parse_order_ref",
    "parse_shops",
    "providers_for",
    "service_for",
    "shops_from_pairs",
]
