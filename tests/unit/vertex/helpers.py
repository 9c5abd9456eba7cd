"""Builders shared by the Vertex adapter tests: a valid ORDER object and signed headers."""

from __future__ import annotations

import copy
from typing import Final

from orderstate.adapters.vertex.signatures import SIGNATURE_HEADER, sign

__all__ = ["MISSING", "SECRET", "order_json", "signed"]

SECRET: Final = "test-callback-secret"
"""A shop secret for tests; nothing real is signed with it."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()
"""Pass as an override to ``order_json`` to leave that top-level key out."""

_ORDER: Final[dict[str, object]] = {
    "id": 77,
    "shopId": 115,
    "orderNumber": "test04",
    "orderStatus": "in_progress",
    "cost": {"amount": "56.99", "currency": "PHP"},
    "payments": [
        {
            "paymentType": "payment",
            "paymentStatus": {"status": "completed"},
            "cost": {"amount": "56.990000000", "currency": "PHP"},
        }
    ],
    "paymentLink": "https://payment-page.stage.vertexgateway.com/payment?session-id=1&page-id=854",
}


def order_json(**overrides: object) -> dict[str, object]:
    """A valid ORDER object (shop 115, order test04, 56.99 PHP, one completed payment).

    Each keyword replaces that top-level key; ``MISSING`` removes it. The result is a fresh
    deep copy, safe to mutate.
    """
    data = copy.deepcopy(_ORDER)
    for key, value in overrides.items():
        if value is MISSING:
            data.pop(key, None)
        else:
            data[key] = copy.deepcopy(value)
    return data


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    """Headers a provider would send with ``body``, signed with ``secret`` (default scheme)."""
    return {"content-type": "application/json", SIGNATURE_HEADER: sign(body, secret)}
