"""Every order's stored events in one read: the whole-store replay's read path.

eventsourcing reads the log one page at a time and builds, per row, a ``Notification`` and a
``UUID`` (the recorder), then a dict through the transcoder and an event object (the mapper):
most of a replay's time, and half of the rows are other aggregates' (the inbox's). On SQLite
``read_histories`` runs one query that leaves the caller's ``skip`` topics in the database,
takes the rows as plain tuples, parses each event's state with orjson and revives its tagged
values with the transcoder's own decoders, and makes one ``UUID`` per order, not per row.

It gives exactly what the mapper gives, or the mapper decides: a row whose shape is not the
common one (a cipher or compressor, an event class with a version to upcast from, a list or a
float, a tag with nested data other than ``Money``'s) or that fails to parse or revive in any
way goes through ``mapper.to_domain_event`` as before, so what reads, what does not, and the
reason it gives are the mapper's. Other stores (memory, PostgreSQL) page through the recorder
as before; the result is the same either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import (
    ApplicationRecorder,
    DatetimeAsISO,
    JSONTranscoder,
    Mapper,
    Notification,
    Transcoding,
)
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import TopicError, resolve_topic

from .unreadable import UnreadableEvent, decode

__all__ = ["PAGE", "EventDecoder", "Histories", "read_histories"]

PAGE = 1000
"""Notifications per page on stores read through the recorder."""

Histories = dict[UUID, list[Any]]
"""Each aggregate's decoded events, oldest first, by its id."""

Row = tuple[int, Any, int, str, bytes]
"""A stored event: notification id, originator id (as stored, or as the recorder converted
it), version, topic, state."""

_MONEY = "money"


def read_histories(
    recorder: ApplicationRecorder,
    mapper: Mapper[UUID],
    topics: Iterable[str],
    *,
    skip: Sequence[str] = (),
) -> tuple[Histories, list[UnreadableEvent]]:
    """The events of ``topics`` by aggregate, and every stored event that does not read back.

    An event of any other topic that names a class here is passed over undecoded (``skip``
    names those the database may leave out unread); one whose topic names no class here is
    unreadable, like one whose state does not decode.
    """
    wanted = _classes(topics)
    decoder = _Decoder(mapper, wanted, convert_ids=_is_plain_sqlite(recorder))
    fast, new, set_dict, ids = decoder.fast_state, object.__new__, object.__setattr__, decoder.ids
    by_stored_id: dict[Any, list[Any]] = {}  # keyed as stored: a str hashes in C, a UUID not
    unreadable: list[UnreadableEvent] = []
    for page in _pages(recorder, skip):
        for row in page:
            _, oid, version, topic, stored = row
            cls = wanted.get(topic)
            event = None
            if cls is not None:
                state = fast(stored, cls)
                if state is not None:
                    state["originator_id"] = ids.get(oid) or decoder.id_of(oid)
                    state["originator_version"] = version
                    event = new(cls)
                    set_dict(event, "__dict__", state)
            elif _resolves(topic):
                continue  # another aggregate's event (an inbox item's)
            if event is None:
                event, bad = decoder.slow(row)
                if bad is not None:
                    unreadable.append(bad)
                    continue
            history = by_stored_id.get(oid)
            if history is None:
                by_stored_id[oid] = [event]
            else:
                history.append(event)
    histories = {ids[stored]: events for stored, events in by_stored_id.items()}
    return histories, unreadable


def _classes(topics: Iterable[str]) -> dict[str, type[Any]]:
    """The class of each topic that resolves (a topic that does not is read as unreadable)."""
    classes = {}
    for topic in topics:
        try:
            classes[topic] = resolve_topic(topic)
        except TopicError:
            continue
    return classes


def _resolves(topic: str) -> bool:
    """Whether ``topic`` names a class here (eventsourcing caches what it resolved)."""
    try:
        resolve_topic(topic)
    except TopicError:
        return False
    return True


def _pages(recorder: ApplicationRecorder, skip: Sequence[str]) -> Iterator[Sequence[Row]]:
    if isinstance(recorder, SQLiteApplicationRecorder) and _is_plain_sqlite(recorder):
        yield from _sqlite_pages(recorder, skip)
        return
    position = 0
    while page := recorder.select_notifications(position + 1, PAGE):
        yield [(n.id, n.originator_id, n.originator_version, n.topic, n.state) for n in page]
        position = page[-1].id


def _is_plain_sqlite(recorder: ApplicationRecorder) -> bool:
    return (
        isinstance(recorder, SQLiteApplicationRecorder)
        and recorder.datastore.originator_id_type == "uuid"
    )


def _sqlite_pages(
    recorder: SQLiteApplicationRecorder, skip: Sequence[str]
) -> Iterator[Sequence[Row]]:
    """Every stored event not of a ``skip`` topic, in log order, in one read transaction."""
    where = f"WHERE topic NOT IN ({','.join('?' * len(skip))}) " if skip else ""
    statement = (
        "SELECT rowid, originator_id, originator_version, topic, state "
        f"FROM {recorder.events_table_name} {where}ORDER BY rowid"
    )
    with recorder.datastore.transaction(commit=False) as cursor:
        raw = cursor.sqlite_cursor
        raw.row_factory = None  # tuples, not sqlite3.Row
        raw.execute(statement, tuple(skip))
        while rows := raw.fetchmany(PAGE):
            yield rows


class _Decoder:
    """Stored rows to domain events: the common shape here, anything else by the mapper."""

    def __init__(
        self, mapper: Mapper[UUID], classes: Mapping[str, type[Any]], *, convert_ids: bool
    ) -> None:
        self._mapper = mapper
        self._convert_ids = convert_ids
        transcoder = mapper.transcoder
        plain = mapper.cipher is None and mapper.compressor is None
        self._plain = plain and isinstance(transcoder, JSONTranscoder)
        self._decoders: dict[str, Callable[[Any], Any]] = {}
        self._fast_classes: set[type[Any]] = set()
        if isinstance(transcoder, JSONTranscoder) and self._plain:
            self._decoders = {name: _decoder(t) for name, t in transcoder.names.items()}
            for cls in classes.values():
                self.allow(cls)
        self._money: dict[tuple[Any, Any], Any] = {}
        self.ids: dict[Any, Any] = {}
        """Each aggregate's id as stored -> as converted (one object per aggregate)."""

    def allow(self, cls: type[Any]) -> None:
        """Decode ``cls``'s events here when the mapper would do nothing more (no upcasting)."""
        if self._plain and getattr(cls, "class_version", 1) == 1:
            self._fast_classes.add(cls)

    def slow(self, row: Row) -> tuple[Any, UnreadableEvent | None]:
        """The mapper's answer for ``row`` (an event, or why it does not read)."""
        rowid, oid, version, topic, state = row
        record = Notification(
            id=rowid,
            originator_id=self.id_of(oid),
            originator_version=version,
            topic=topic,
            state=state,
        )
        return decode(self._mapper, record)

    def fast_state(self, stored: bytes, cls: type[Any]) -> dict[str, Any] | None:
        """The event's state as the mapper would decode it, or None to ask the mapper."""
        if cls not in self._fast_classes:  # empty when the mapper is not the plain JSON one
            return None
        decoders = self._decoders
        try:
            state = orjson.loads(stored)
            if type(state) is not dict or "class_version" in state:
                return None
            for key, value in state.items():
                kind = type(value)
                if kind is dict:
                    data = value.get("_data_")
                    if type(data) is str and len(value) == 2:  # a timestamp: the common case
                        state[key] = decoders[value["_type_"]](data)
                    else:
                        state[key] = self._revive(value)
                elif kind is list or kind is float:
                    return None
        except Exception:  # anything unusual or wrong: the mapper decides, with its reasons
            return None
        return state

    def _revive(self, value: dict[str, Any]) -> Any:
        """A tagged value (``{"_type_": name, "_data_": data}``) with flat data, decoded."""
        if len(value) != 2:
            raise _Unusual
        data = value["_data_"]  # a KeyError: not a tagged value
        kind = type(data)
        if kind is str:
            return self._decoders[value["_type_"]](data)
        if kind is dict and value["_type_"] == _MONEY and len(data) == 2:
            return self._money_of(data["minor"], data["currency"])
        if kind is int or kind is bool or data is None:
            return self._decoders[value["_type_"]](data)
        raise _Unusual

    def _money_of(self, minor: Any, currency: Any) -> Any:
        """One ``Money`` per amount (it is immutable), decoded by its transcoding the first
        time: most stored amounts repeat (an order's amount, captured, refunded)."""
        key = (minor, currency)
        money = self._money.get(key)
        if money is None:
            if type(minor) is not int or type(currency) is not str:
                raise _Unusual
            decode = self._decoders[_MONEY]
            money = self._money[key] = decode({"minor": minor, "currency": currency})
        return money

    def id_of(self, oid: Any) -> Any:
        """One id object per aggregate, as the recorder converts it (SQLite: text to
        ``UUID``; other recorders hand it over converted)."""
        converted = self.ids.get(oid)
        if converted is None:
            converted = self.ids[oid] = UUID(oid) if self._convert_ids else oid
        return converted


class EventDecoder:
    """One stored record at a time, as ``unreadable.decode`` gives it (the event, or why it
    does not read), the common shape without the mapper: for followers reading the log."""

    def __init__(self, mapper: Mapper[UUID]) -> None:
        self._decoder = _Decoder(mapper, {}, convert_ids=False)
        self._mapper = mapper
        self._classes: dict[str, type[Any] | None] = {}

    def decode(self, record: Any) -> tuple[Any, UnreadableEvent | None]:
        event = self.fast(
            record.originator_id, record.originator_version, record.topic, record.state
        )
        if event is not None:
            return event, None
        return decode(self._mapper, record)

    def fast(self, oid: Any, version: int, topic: str, stored: bytes) -> Any:
        """The event the mapper would give for this stored event, when it has the common
        shape; None when the mapper must decide (it may read it, or refuse it)."""
        cls = self._class_of(topic)
        if cls is None:
            return None
        state = self._decoder.fast_state(stored, cls)
        if state is None:
            return None
        state["originator_id"] = oid
        state["originator_version"] = version
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event

    def _class_of(self, topic: str) -> type[Any] | None:
        if topic not in self._classes:
            try:
                cls: type[Any] | None = resolve_topic(topic)
            except TopicError:
                cls = None
            if cls is not None:
                self._decoder.allow(cls)
            self._classes[topic] = cls
        return self._classes[topic]


def _decoder(transcoding: Transcoding) -> Callable[[Any], Any]:
    """``transcoding.decode``, or what it calls when that is all it does (a call saved)."""
    if type(transcoding) is DatetimeAsISO:  # it asserts a str (the only data passed it here)
        return datetime.fromisoformat
    return transcoding.decode


class _Unusual(Exception):
    """A value this reader leaves to the mapper."""
