"""Reading Stripe's wire format: form-encoded bodies and query strings with bracketed keys.

``metadata[order_number]=A1`` is ``{"metadata": {"order_number": "A1"}}``; ``expand[0]=x``,
``expand[]=x`` and a repeated ``expand[]`` are lists, as the official SDKs send them. Readers
for single parameters turn a bad value into a 400 naming it, in Stripe's words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from .errors import StripeRefusal, invalid

__all__ = [
    "BODY_LIMIT",
    "Params",
    "parse_form",
    "read_enum",
    "read_expand",
    "read_int",
    "read_metadata",
    "read_str",
]

BODY_LIMIT = 64 * 1024
_KEY = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])*)")
_PART = re.compile(r"\[([^\[\]]*)\]")
_METADATA_KEYS = 50
_METADATA_KEY_LENGTH = 40
_METADATA_VALUE_LENGTH = 500

Params = dict[str, Any]


def parse_form(raw: bytes | str) -> Params:
    """Nested params from a form body or query string; malformed keys are a 400."""
    if len(raw) > BODY_LIMIT:
        raise invalid(None, f"The request body is larger than {BODY_LIMIT} bytes.")
    text = raw.decode("utf-8", errors="strict") if isinstance(raw, bytes) else raw
    params: Params = {}
    for key, value in parse_qsl(text, keep_blank_values=True, strict_parsing=False):
        match = _KEY.fullmatch(key)
        if match is None:
            raise invalid(key, f"Invalid parameter name: {key}")
        path = [match.group(1), *_PART.findall(match.group(2))]
        _insert(params, path, value, key)
    return _listify(params)


def _insert(node: Params, path: list[str], value: str, key: str) -> None:
    for i, part in enumerate(path[:-1]):
        child = node.setdefault(part or str(len(node)), {})
        if not isinstance(child, dict):
            raise invalid(key, f"Invalid parameter: {'.'.join(path[: i + 1])} is not a hash")
        node = child
    last = path[-1] or str(len(node))
    if isinstance(node.get(last), dict):
        raise invalid(key, f"Invalid parameter: {key} is a hash")
    node[last] = value


def _listify(node: Params) -> Params:
    """Hashes whose keys are all 0..n-1 become lists (``expand[0]``, ``expand[]``)."""
    result: Params = {}
    for key, value in node.items():
        if isinstance(value, dict):
            inner = _listify(value)
            keys = list(inner)
            if keys and keys == [str(i) for i in range(len(keys))]:
                result[key] = list(inner.values())
            else:
                result[key] = inner
        else:
            result[key] = value
    return result


def read_str(params: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    value = params.get(name)
    if value is None:
        if required:
            raise StripeRefusal(
                400, f"Missing required param: {name}.", code="parameter_missing", param=name
            )
        return None
    if not isinstance(value, str):
        raise invalid(name, f"Invalid string: {name} must be a string")
    return value


def read_int(params: Mapping[str, Any], name: str, *, required: bool = False) -> int | None:
    text = read_str(params, name, required=required)
    if text is None:
        return None
    if not text.isascii() or not text.isdigit():
        raise invalid(name, f"Invalid integer: {text}", code="parameter_invalid_integer")
    return int(text)


def read_enum(params: Mapping[str, Any], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = read_str(params, name)
    if value is None or value == "":
        return default
    if value not in allowed:
        choices = ", ".join(f"`{option}`" for option in allowed)
        raise invalid(name, f"Invalid {name}: must be one of {choices}")
    return value


def read_metadata(params: Mapping[str, Any], name: str = "metadata") -> dict[str, str]:
    value = params.get(name)
    if value is None or value == "":
        return {}
    if not isinstance(value, dict) or len(value) > _METADATA_KEYS:
        raise invalid(name, f"Invalid {name}: a hash of at most {_METADATA_KEYS} keys")
    for key, item in value.items():
        if not isinstance(item, str) or len(key) > _METADATA_KEY_LENGTH:
            raise invalid(f"{name}[{key}]", "Invalid metadata key or value")
        if len(item) > _METADATA_VALUE_LENGTH:
            raise invalid(f"{name}[{key}]", "Metadata values can have up to 500 characters")
    return dict(value)


def read_expand(params: Mapping[str, Any]) -> tuple[str, ...]:
    value = params.get("expand")
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, str) and item for item in items):
        raise invalid("expand", "Invalid array: expand must be a list of field paths")
    return tuple(items)
