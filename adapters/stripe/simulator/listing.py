"""Stripe's list and search answers: ``{"object": "list", "data", "has_more", "url"}``.

Lists are newest first; ``starting_after`` pages towards older objects and ``ending_before``
towards newer ones, both by object id; ``limit`` is 1-100 (default 10). Search
(``/v1/payment_intents/search``) understands the clauses a reconciliation needs, joined by
`` AND ``: ``metadata['key']:'value'``, ``status:'succeeded'``, ``currency:'eur'``,
``amount:1099`` (a quote or backslash inside quotes escaped with a backslash, as Stripe's
query language has it); anything else is a 400 rather than a silently wrong answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import invalid, not_found

__all__ = ["limit_of", "page_of", "search"]

_CLAUSE = re.compile(
    r"(metadata\['((?:[^'\\]|\\.)+)'\]|status|currency|amount):('((?:[^'\\]|\\.)*)'|(\d+))"
)
_ESCAPED = re.compile(r"\\(.)")


def limit_of(value: object) -> int:
    if value is None:
        return 10
    if not isinstance(value, str) or not value.isdigit() or not 1 <= int(value) <= 100:
        raise invalid("limit", "Invalid limit: must be an integer between 1 and 100")
    return int(value)


def page_of(items: Sequence[dict[str, Any]], params: Mapping[str, Any], url: str) -> dict[str, Any]:
    """One page of ``items`` (oldest first), as Stripe lists them (newest first)."""
    limit = limit_of(params.get("limit"))
    ids = [item["id"] for item in items]
    after, before = params.get("starting_after"), params.get("ending_before")
    if after and before:
        raise invalid(None, "You may only specify one of starting_after and ending_before.")
    if after:
        cut = _position(ids, after, "starting_after")
        older = list(reversed(items[:cut]))
        window, more = older[:limit], len(older) > limit
    elif before:
        cut = _position(ids, before, "ending_before")
        newer = list(items[cut + 1 :])
        window, more = newer[:limit][::-1], len(newer) > limit
    else:
        newest = list(reversed(items))
        window, more = newest[:limit], len(newest) > limit
    return {"object": "list", "data": window, "has_more": more, "url": url}


def _position(ids: list[str], object_id: object, param: str) -> int:
    if not isinstance(object_id, str) or object_id not in ids:
        raise not_found("object", str(object_id), param=param)
    return ids.index(object_id)


def search(items: Sequence[dict[str, Any]], params: Mapping[str, Any], url: str) -> dict[str, Any]:
    """``GET …/search?query=…``: the matching items, newest first."""
    query = params.get("query")
    if not isinstance(query, str) or not query.strip():
        raise invalid("query", "Missing required param: query.")
    clauses = [_clause(text.strip()) for text in query.split(" AND ")]
    found = [item for item in reversed(items) if all(_holds(item, c) for c in clauses)]
    limit = limit_of(params.get("limit"))
    page = params.get("page")
    start = int(page) if isinstance(page, str) and page.isdigit() else 0
    window = found[start : start + limit]
    more = len(found) > start + limit
    return {
        "object": "search_result",
        "data": window,
        "has_more": more,
        "next_page": str(start + limit) if more else None,
        "url": url,
    }


def _clause(text: str) -> tuple[str, str | None, str]:
    match = _CLAUSE.fullmatch(text)
    if match is None:
        raise invalid("query", f"The simulator cannot search by {text!r}.")
    field, key = match.group(1), match.group(2)
    value = match.group(4) if match.group(4) is not None else match.group(5)
    if key is not None:
        return "metadata", _ESCAPED.sub(r"\1", key), _ESCAPED.sub(r"\1", value)
    return field, None, _ESCAPED.sub(r"\1", value)


def _holds(item: dict[str, Any], clause: tuple[str, str | None, str]) -> bool:
    field, key, value = clause
    if field == "metadata":
        return bool(item.get("metadata", {}).get(key) == value)
    return str(item.get(field)) == value
