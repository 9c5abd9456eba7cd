"""What of a kept callback may be shown: never a secret.

Headers that carry credentials or signatures (``Authorization``, cookies, API keys, the
providers' signature headers) are shown by name with their value hidden. A JSON body is shown
with the values of secret-looking keys hidden (Stripe objects carry a ``client_secret``);
anything else is shown as received, as text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

__all__ = ["HIDDEN", "shown_body", "shown_headers"]

HIDDEN = "[hidden]"

_SECRET_HEADER = re.compile(
    r"auth|cookie|secret|token|password|api[-_]?key|sign|credential|session", re.I
)
_SECRET_KEY = re.compile(
    r"secret|token|password|passwd|api[-_]?key|^authorization$|cookie|credential|signature", re.I
)


def shown_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The headers as received, secret values replaced by ``HIDDEN``."""
    return [(name, HIDDEN if _SECRET_HEADER.search(name) else value) for name, value in headers]


def shown_body(body: bytes) -> str:
    """The body as text: JSON pretty-printed with secret values hidden, else as decoded."""
    text = body.decode("utf-8", errors="replace")
    try:
        parsed = json.loads(text)
    except ValueError:
        return text
    return json.dumps(_hide(parsed), indent=2, ensure_ascii=False)


def _hide(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: HIDDEN if _SECRET_KEY.search(str(key)) else _hide(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_hide(item) for item in value]
    return value
