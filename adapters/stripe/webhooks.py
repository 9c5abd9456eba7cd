"""Stripe webhooks: verify the raw bytes with the SDK, then read the event.

``Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]`` is HMAC-SHA256 with the endpoint secret over
``"<t>.<body>"``; the SDK's ``stripe.WebhookSignature.verify_header`` checks it in constant time
against every ``v1``. Freshness is checked here, stricter than the SDK's optional tolerance:
always on, against the time the callback was *received* (so a callback kept in the inbox and
processed after a restart is judged by when it arrived, not by when it is replayed), within
``TOLERANCE`` either way. Every shop secret is tried (several while one is being rolled).
Nothing is parsed before it is verified.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Final

import stripe

from .errors import MalformedEvent, SignatureVerificationError

__all__ = [
    "EVENT_TYPES",
    "SIGNATURE_HEADER",
    "TOLERANCE",
    "Event",
    "read_event",
    "sign",
    "verify",
]

SIGNATURE_HEADER: Final = "Stripe-Signature"
TOLERANCE: Final = timedelta(seconds=300)
"""How far a signature's timestamp may be from when the callback arrived (Stripe's default)."""

EVENT_OBJECTS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "payment_intent.created": "payment_intent",
        "payment_intent.processing": "payment_intent",
        "payment_intent.requires_action": "payment_intent",
        "payment_intent.amount_capturable_updated": "payment_intent",
        "payment_intent.succeeded": "payment_intent",
        "payment_intent.payment_failed": "payment_intent",
        "payment_intent.canceled": "payment_intent",
        "charge.succeeded": "charge",
        "charge.captured": "charge",
        "charge.refunded": "charge",
        "charge.failed": "charge",
        "charge.pending": "charge",
        "charge.updated": "charge",
        "charge.expired": "charge",
        "charge.refund.updated": "refund",
        "refund.created": "refund",
        "refund.updated": "refund",
        "refund.failed": "refund",
        "charge.dispute.created": "dispute",
        "charge.dispute.updated": "dispute",
        "charge.dispute.closed": "dispute",
        "charge.dispute.funds_withdrawn": "dispute",
        "charge.dispute.funds_reinstated": "dispute",
    }
)
"""Every event type read, and the object its ``data.object`` must be."""

EVENT_TYPES: Final = frozenset(EVENT_OBJECTS)
"""The event types read (the webhook endpoint should subscribe to these); any other verified
event is refused as malformed, kept in the inbox, never applied."""


@dataclass(frozen=True, slots=True)
class Event:
    """A verified Stripe event: its id (the dedupe key), type, time and ``data.object``."""

    id: str
    type: str
    created: int
    object: Mapping[str, Any]


def verify(
    body: bytes, header: str | None, secrets: Sequence[str], *, received_at: datetime
) -> None:
    """Raise ``SignatureVerificationError`` unless one secret signed ``body`` near
    ``received_at``."""
    if not header:
        raise SignatureVerificationError(f"no {SIGNATURE_HEADER} header")
    if not secrets:
        raise SignatureVerificationError("no webhook secret is set for this account")
    try:
        payload = body.decode("utf-8")
    except UnicodeDecodeError:
        raise SignatureVerificationError("the body is not UTF-8, so it cannot be signed") from None
    signed_at = _timestamp(header)
    if abs(received_at.timestamp() - signed_at) > TOLERANCE.total_seconds():
        raise SignatureVerificationError(
            f"signature timestamp {signed_at} is outside the {TOLERANCE} tolerance"
        )
    for secret in secrets:
        try:
            # tolerance=None: the freshness above is checked against the receive time instead.
            stripe.WebhookSignature.verify_header(payload, header, secret, tolerance=None)
        except stripe.SignatureVerificationError:
            continue
        return
    raise SignatureVerificationError("no webhook secret of this account signed the body")


def _timestamp(header: str) -> int:
    stamps = [part[2:] for part in header.split(",") if part.startswith("t=")]
    if len(stamps) != 1 or not stamps[0].isdigit():
        raise SignatureVerificationError(f"{SIGNATURE_HEADER} needs exactly one t=<unix>")
    return int(stamps[0])


def sign(body: bytes, secret: str, *, timestamp: int) -> str:
    """The header Stripe would send with ``body`` at ``timestamp`` (the SDK's own helper)."""
    header: str = stripe.WebhookSignature.generate_signature_header(
        body.decode("utf-8"), secret, timestamp=timestamp
    )
    return header


def read_event(body: bytes) -> Event:
    """Parse a verified body into an ``Event``; ``MalformedEvent`` names the field at fault."""
    try:
        data = json.loads(body)
    except ValueError as error:
        raise MalformedEvent("body", f"not JSON: {error}") from None
    if not isinstance(data, dict) or data.get("object") != "event":
        raise MalformedEvent("object", "not a Stripe event")
    event_id, kind, created = data.get("id"), data.get("type"), data.get("created")
    if not isinstance(event_id, str) or not event_id:
        raise MalformedEvent("id", "an event needs its id")
    if not isinstance(kind, str) or kind not in EVENT_TYPES:
        raise MalformedEvent("type", f"{kind!r} is not an event type this adapter reads")
    if type(created) is not int:
        raise MalformedEvent("created", "an event needs its unix time")
    inner = data.get("data")
    obj = inner.get("object") if isinstance(inner, dict) else None
    if not isinstance(obj, dict):
        raise MalformedEvent("data.object", "an event carries its object")
    if obj.get("object") != EVENT_OBJECTS[kind]:
        raise MalformedEvent(
            "data.object.object", f"a {kind} event carries a {EVENT_OBJECTS[kind]}"
        )
    return Event(event_id, kind, created, obj)
