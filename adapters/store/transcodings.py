"""How the engine's value types are written to an event store (eventsourcing transcodings).

Events carry ``Money``; the store keeps it as integer minor units plus the currency code, so a
stored amount never passes through a float or a rounded decimal. The store's transcoder is
``OrjsonTranscoder`` (eventsourcing's JSON format, parsed and written by orjson), chosen through
eventsourcing's ``TRANSCODER_TOPIC`` setting (``transcoder_env``).
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
from eventsourcing.utils import get_topic

from orderstate.engine.money import Money

from .orjson_transcoder import OrjsonTranscoder

__all__ = [
    "TRANSCODER_TOPIC",
    "MoneyAsDict",
    "order_transcoder",
    "register_transcodings",
    "transcoder_env",
]

TRANSCODER_TOPIC = get_topic(OrjsonTranscoder)
"""The transcoder every store writes and reads with (eventsourcing's ``TRANSCODER_TOPIC``)."""


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
    """The store's transcoder, ready for Order events."""
    transcoder = OrjsonTranscoder()
    register_transcodings(transcoder)
    return transcoder


def transcoder_env() -> dict[str, str]:
    """eventsourcing's setting that makes an application build the store's transcoder."""
    return {"TRANSCODER_TOPIC": TRANSCODER_TOPIC}
