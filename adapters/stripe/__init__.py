"""Stripe PaymentIntents behind the provider port: the client, webhook verification, the
translation of event snapshots into domain events, and a simulator for tests and the demo.

``StripeProvider`` is its façade behind the provider port, registered by the composition root
(``orderstate.adapters.bootstrap``); the rest is for code that speaks Stripe itself (the test
kit, users' own integration tests, the docs writers). Importing it needs the ``stripe`` extra.
"""

from .calls import API_BASE, StripeCalls, StripeConfig, idempotency_key, neutral_error
from .errors import (
    MalformedEvent,
    NotAnOrder,
    SignatureVerificationError,
    SnapshotRejected,
    StripeAdapterError,
)
from .objects import (
    CHARGE_STATUSES,
    DISPUTE_STATUSES,
    INTENT_STATUSES,
    REFUND_STATUSES,
    DisputeView,
    StripeView,
    view_of,
)
from .provider import NAME, PAYMENT_METHOD_TYPES, StripeProvider
from .translate import Translation, apply_view
from .webhooks import EVENT_TYPES, SIGNATURE_HEADER, TOLERANCE, read_event, sign, verify

__all__ = [
    "API_BASE",
    "CHARGE_STATUSES",
    "DISPUTE_STATUSES",
    "EVENT_TYPES",
    "INTENT_STATUSES",
    "NAME",
    "PAYMENT_METHOD_TYPES",
    "REFUND_STATUSES",
    "SIGNATURE_HEADER",
    "TOLERANCE",
    "DisputeView",
    "MalformedEvent",
    "NotAnOrder",
    "SignatureVerificationError",
    "SnapshotRejected",
    "StripeAdapterError",
    "StripeCalls",
    "StripeConfig",
    "StripeProvider",
    "StripeView",
    "Translation",
    "apply_view",
    "idempotency_key",
    "neutral_error",
    "read_event",
    "sign",
    "verify",
    "view_of",
]
