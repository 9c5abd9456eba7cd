"""Generated blocks in hand-written docs: the text between two marker comments is the code's."""

from __future__ import annotations

__all__ = ["replace_block"]


def replace_block(text: str, begin: str, end: str, content: str) -> str:
    """``text`` with what lies between the markers ``begin`` and ``end`` replaced by
    ``content`` (after a newline; the markers stay). ``ValueError`` when a marker is missing."""
    start = text.index(begin) + len(begin)
    stop = text.index(end, start)
    return text[:start] + "\n" + content + text[stop:]
