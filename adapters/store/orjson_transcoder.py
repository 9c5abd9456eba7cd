"""The store's transcoder: what eventsourcing's ``JSONTranscoder`` writes, written faster.

Replay spent most of its time in eventsourcing's mapper, and most of that in ``JSONTranscoder``:
the stdlib parser calls a Python ``object_hook`` for every JSON object. ``OrjsonTranscoder``
parses with orjson and revives the tagged values (``{"_type_": name, "_data_": data}``) in one
walk, and writes with orjson after tagging values in one walk. The stored format is unchanged,
so every event written before it reads as it did, and a store it wrote still reads with
``JSONTranscoder`` (an older orderstate, or eventsourcing's own tools).

orjson is stricter than the stdlib ``json`` module in a few corners the store's events never
reach (``NaN``, integers beyond 64 bits, non-string keys, lone surrogates): there it falls back to
the stdlib transcoder, so it accepts and produces exactly what ``JSONTranscoder`` does.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import orjson
from eventsourcing.persistence import JSONTranscoder, Transcoding, TranscodingNotRegisteredError

__all__ = ["OrjsonTranscoder"]

_AS_IS = frozenset({str, int, bool, type(None)})


_INT64 = 2.0**63


class _NeedsStdlib(Exception):
    """orjson would write or read this differently from the stdlib: a non-finite float, or a
    float as large as an integer beyond 64 bits (orjson reads those as floats)."""


def _check_scalar(value: Any) -> None:
    if type(value) is float and not -_INT64 < value < _INT64:
        raise _NeedsStdlib


class OrjsonTranscoder(JSONTranscoder):
    """``JSONTranscoder``'s format and transcodings, parsed and written by orjson.

    A subclass so that eventsourcing's ``Application.construct_transcoder`` still calls
    ``register_transcodings`` on it, and so that the stdlib path is there to fall back on.
    """

    def __init__(self) -> None:
        super().__init__()
        self._decoders: dict[str, Callable[[Any], Any]] = {}

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        self._decoders[transcoding.name] = transcoding.decode

    def encode(self, obj: Any) -> bytes:
        try:
            return orjson.dumps(self._tag(obj))
        except (orjson.JSONEncodeError, _NeedsStdlib):
            return super().encode(obj)  # the stdlib's output, or its error, exactly

    def decode(self, data: bytes) -> Any:
        try:
            obj = orjson.loads(data)
            kind = type(obj)
            if kind is dict or kind is list:
                return self._revive(obj)
            _check_scalar(obj)
        except (orjson.JSONDecodeError, _NeedsStdlib):
            return super().decode(data)  # accepted by the stdlib parser, or refused as before
        return obj

    def _tag(self, obj: Any) -> Any:
        """``obj`` with every value the stdlib encoder would pass to ``default`` tagged."""
        kind = type(obj)
        if kind in _AS_IS:
            return obj
        if kind is dict:
            return {key: self._tag(value) for key, value in obj.items()}
        if kind is list or kind is tuple:
            return [self._tag(value) for value in obj]
        if kind is float:
            if not math.isfinite(obj):
                raise _NeedsStdlib
            return obj
        return self._tag_other(obj)

    def _tag_other(self, obj: Any) -> Any:
        # Subclasses of the JSON types are written as their base type by the stdlib encoder
        # (``default`` is never asked), so they are not tagged here either.
        if isinstance(obj, (str, int)):
            return obj
        if isinstance(obj, float):
            return self._tag(float(obj))
        if isinstance(obj, dict):
            return {key: self._tag(value) for key, value in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [self._tag(value) for value in obj]
        transcoding = self.types.get(type(obj))
        if transcoding is None:
            raise TranscodingNotRegisteredError(
                f"Object of type {type(obj)} is not serializable. Please define and register "
                "a custom transcoding for this type."
            )
        return {"_type_": transcoding.name, "_data_": self._tag(transcoding.encode(obj))}

    def _revive(self, obj: Any) -> Any:
        """Replace tagged objects bottom-up, as the stdlib parser's ``object_hook`` does."""
        if type(obj) is list:
            return self._revive_list(obj)
        for key, value in obj.items():
            kind = type(value)
            if kind is dict:
                obj[key] = self._revive_child(value)
            elif kind is list:
                obj[key] = self._revive_list(value)
            elif kind is float:
                _check_scalar(value)
        if len(obj) == 2 and "_type_" in obj and "_data_" in obj:
            return self._decode_tagged(obj["_type_"], obj["_data_"])
        return obj

    def _revive_list(self, obj: list[Any]) -> list[Any]:
        for index, value in enumerate(obj):
            kind = type(value)
            if kind is dict:
                obj[index] = self._revive_child(value)
            elif kind is list:
                obj[index] = self._revive_list(value)
            elif kind is float:
                _check_scalar(value)
        return obj

    def _revive_child(self, obj: dict[str, Any]) -> Any:
        """The common case in one call: a tagged value holding no container (a timestamp, a
        UUID, Money); anything else takes the general walk."""
        if len(obj) == 2 and "_data_" in obj:
            name = obj.get("_type_")
            decode = self._decoders.get(name) if type(name) is str else None
            if decode is not None:
                data = obj["_data_"]
                kind = type(data)
                if kind is str or kind is int or kind is bool or data is None:
                    return decode(data)
                if kind is dict and not _has_containers(data):
                    return decode(data)
        return self._revive(obj)

    def _decode_tagged(self, name: Any, data: Any) -> Any:
        try:
            decode = self._decoders[name]
        except KeyError:
            raise TranscodingNotRegisteredError(
                f"Data serialized with name '{name}' is not deserializable. Please "
                "register a custom transcoding for this type."
            ) from None
        return decode(data)


def _has_containers(obj: dict[str, Any]) -> bool:
    """True if ``obj`` holds a dict or a list (which may hold tagged values)."""
    for value in obj.values():
        kind = type(value)
        if kind is dict or kind is list:
            return True
        if kind is float:
            _check_scalar(value)
    return False
