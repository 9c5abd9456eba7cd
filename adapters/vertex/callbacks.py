"""Reading one Vertex Gateway callback: size check, then signature, then parsing.

``read_callback`` is the single way in for the webhook app and the CLI's ``ingest``. The order of
its checks is the point: a body over the limit is refused without being hashed, and a body whose
signature does not verify is refused without being parsed, so nothing an attacker sends unsigned
ever reaches the JSON decoder. What comes out is a ``Callback``: the verified raw bytes (kept for
audit and re-verification) together with the typed snapshot read from them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .errors import CallbackTooLarge
from .models import OrderSnapshot
from .payloads import DEFAULT_BODY_LIMIT, parse_json, parse_order
from .signatures import SignatureScheme, hmac_sha512_hex, verify

__all__ = ["Callback", "read_callback"]


@dataclass(frozen=True, slots=True)
class Callback:
    """A verified callback: what arrived, when, and the order snapshot it carries."""

    body: bytes = field(repr=False)
    headers: tuple[tuple[str, str], ...] = field(repr=False)
    """Header names lower-cased (HTTP names are case-insensitive), values as received."""
    received_at: datetime
    snapshot: OrderSnapshot


def read_callback(
    body: bytes,
    headers: Mapping[str, str],
    *,
    secrets: Sequence[str],
    shop_id: int,
    received_at: datetime,
    scheme: SignatureScheme = hmac_sha512_hex,
    limit: int = DEFAULT_BODY_LIMIT,
) -> Callback:
    """Check the size, verify the signature, then parse; each failure raises a VertexError.

    Raises ``CallbackTooLarge`` before hashing, ``SignatureVerificationError`` before parsing,
    and ``MalformedCallback`` (naming the field) for a verified body that cannot be read.
    ``shop_id`` is the shop the callback was addressed to (from the webhook URL); a body naming
    another shop is refused.
    """
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise ValueError("received_at must be timezone-aware")
    if len(body) > limit:
        raise CallbackTooLarge(len(body), limit)
    verify(body, headers, secrets, scheme=scheme)
    snapshot = parse_order(parse_json(body, limit=limit), shop_id=shop_id)
    return Callback(
        body=body,
        headers=tuple((name.lower(), value) for name, value in headers.items()),
        received_at=received_at,
        snapshot=snapshot,
    )
