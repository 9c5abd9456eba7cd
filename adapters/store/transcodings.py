"""How the engine's value types are written to an event store (eventsourcing transcodings).

Events carry ``Money``; the store keeps it as integer minor units plus the currency code, so a
stored amount never passes through a float or a rounded decimal.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Transcoding,
    UUIDAsHex,
)

from orderstate.engine.money import Money

__all__ = ["MoneyAsDict", "order_transcoder", "register_transcodings"]


class MoneyAsDict(Transcoding):
    """``Money`` as ``{"minor": int, "currency": str}``."""

    type = Money
    name = "money"

    def encode(self, obj: Money) -> dict[str, Any]:
        return {"minor": obj.minor, "currency": obj.currency}

    def decode(self, data: dict[str, Any]) -> Money:
        return Money(data["minor"], data["currency"])


def register_transcodings(transcoder: JSONTranscoder) -> None:
    """Teach an eventsourcing transcoder every type an Order event can carry."""
    for transcoding in (UUIDAsHex(), DatetimeAsISO(), DecimalAsStr(), MoneyAsDict()):
        transcoder.register(transcoding)


def order_transcoder() -> JSONTranscoder:
    """A JSON transcoder ready for Order events."""
    transcoder = JSONTranscoder()
    register_transcodings(transcoder)
    return transcoder
