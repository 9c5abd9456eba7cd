"""Received header fields as the one mapping the provider port reads.

A field sent more than once is not collapsed to its last value (``dict(pairs)`` would let a
second signature header win): its values are joined with ``", "``, as HTTP itself combines
repeated fields (RFC 9110, section 5.3), so a provider sees every value it was sent.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["combined_fields"]


def combined_fields(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``[("a", "1"), ("A", "2")]`` -> ``{"a": "1, 2"}`` (names lower-cased)."""
    fields: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        fields[key] = f"{fields[key]}, {value}" if key in fields else value
    return fields
