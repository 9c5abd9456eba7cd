"""The Vertex Gateway Merchant API adapter: client, callbacks, translation and simulator.

``VertexProvider`` is its façade behind the provider port, registered by the composition
root (``orderstate.adapters.bootstrap``); the rest is for code that speaks Vertex itself (the
test kit, users' own integration tests, the docs writers).
"""

from importlib import import_module
from typing import TYPE_CHECKING

from .callbacks import Callback, read_callback
from .errors import (
    CallbackTooLarge,
    MalformedCallback,
    OrderNotFound,
    ProviderError,
    SignatureVerificationError,
    SnapshotRejected,
    VertexError,
)
from .models import OrderSnapshot, OrderStatus, Payment, PaymentStatus, PaymentType
from .payloads import cost_json, order_to_json, parse_order
from .provider import NAME, SIGNATURE_SCHEMES, VertexCalls, VertexProvider
from .requests import (
    PRODUCTION_BASE_URL,
    STAGE_BASE_URL,
    Accepted,
    CreatedOrder,
    CreateOrder,
    Customer,
)
from .signatures import SIGNATURE_HEADER, sign, verify
from .translate import apply_snapshot, provider_view

if TYPE_CHECKING:
    from .client import AsyncVertexClient, VertexClient, VertexConfig

__all__ = [
    "NAME",
    "PRODUCTION_BASE_URL",
    "SIGNATURE_HEADER",
    "SIGNATURE_SCHEMES",
    "STAGE_BASE_URL",
    "Accepted",
    "AsyncVertexClient",
    "Callback",
    "CallbackTooLarge",
    "CreateOrder",
    "CreatedOrder",
    "Customer",
    "MalformedCallback",
    "OrderNotFound",
    "OrderSnapshot",
    "OrderStatus",
    "Payment",
    "PaymentStatus",
    "PaymentType",
    "ProviderError",
    "SignatureVerificationError",
    "SnapshotRejected",
    "VertexCalls",
    "VertexClient",
    "VertexConfig",
    "VertexError",
    "VertexProvider",
    "apply_snapshot",
    "cost_json",
    "order_to_json",
    "parse_order",
    "provider_view",
    "read_callback",
    "sign",
    "verify",
]

_CLIENT = frozenset({"AsyncVertexClient", "VertexClient", "VertexConfig"})
"""Names of the HTTP client (``client``, which imports httpx): imported on first use, so that
a process that only reads callbacks or the store never loads the HTTP stack."""


def __getattr__(name: str) -> object:
    """Import the client's names on first use (PEP 562)."""
    if name not in _CLIENT:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.client"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
