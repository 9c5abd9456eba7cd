"""Stored events: Order histories round-trip, and old event shapes load through upcasters."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Mapper
from eventsourcing.utils import clear_topic_cache, register_topic

from orderstate.adapters.store import order_transcoder
from orderstate.engine import Money, Order, project_order


def mapper() -> Mapper[Any]:
    return Mapper(transcoder=order_transcoder())


class NoteV1(Aggregate):
    """An order note as first shipped: only text."""

    class Written(Aggregate.Event):
        text: str


class NoteV2(Aggregate):
    """The same note a release later: every note now has an author; old ones had none."""

    class Written(Aggregate.Event):
        text: str
        author: str
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["author"] = "unknown"


def test_a_v1_event_loads_as_v2_through_its_upcaster() -> None:
    note = NoteV1()
    note.trigger_event(NoteV1.Written, text="customer called")
    stored = mapper().to_stored_event(note.collect_events()[-1])
    topic = stored.topic

    clear_topic_cache()
    register_topic(topic, NoteV2.Written)  # the class changed under the same stored topic
    try:
        loaded = mapper().to_domain_event(stored)
    finally:
        clear_topic_cache()

    assert isinstance(loaded, NoteV2.Written)
    assert (loaded.text, loaded.author) == ("customer called", "unknown")


def test_an_orders_history_survives_the_store_and_replays_equal() -> None:
    order = Order.place(shop_id=1, order_number="r-1", amount=Money.parse("0.00012345", "BTC"))
    order.record_payment_link("https://pay.example/1")
    order.record_capture()
    events = order.collect_events()

    stored = [mapper().to_stored_event(event) for event in events]
    loaded = [mapper().to_domain_event(record) for record in stored]

    assert loaded == events
    assert project_order(None, loaded) == order
    assert b'"minor":12345' in stored[2].state
