"""The Vertex Gateway Merchant API adapter: client, callbacks, translation and simulator.

``VertexProvider`` is its façade behind the provider port, registered by the composition
root (``orderstate.adapters.bootstrap``); the rest is for code that speaks Vertex itself (the
test kit, users' own integration tests, the docs writers).
"""

from .callbacks import Callback, read_callback
from .client import (
    PRODUCTION_BASE_URL,
    STAGE_BASE_URL,
    Accepted,
    AsyncVertexClient,
    CreatedOrder,
    CreateOrder,
    Customer,
    VertexClient,
    VertexConfig,
)
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
from .signatures import SIGNATURE_HEADER, sign, verify
from .translate import apply_snapshot, provider_view

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
