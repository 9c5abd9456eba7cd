"""The store's transcoder writes and reads exactly what eventsourcing's JSONTranscoder does.

Stored events are forever, so the faster transcoder must not change the format: for any value
the events can carry, it writes the stdlib transcoder's bytes and reads them back to equal values
(and so does the stdlib transcoder with what it writes).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import JSONTranscoder, TranscodingNotRegisteredError
from hypothesis import given
from hypothesis import strategies as st

from orderstate.adapters.store import (
    TRANSCODER_TOPIC,
    OrjsonTranscoder,
    order_transcoder,
    register_transcodings,
    transcoder_env,
)
from orderstate.adapters.store.transcodings import MoneyAsDict
from orderstate.engine import Money
from orderstate.engine.currencies import EXPONENTS


def stdlib() -> JSONTranscoder:
    transcoder = JSONTranscoder()
    register_transcodings(transcoder)
    return transcoder


FAST = order_transcoder()
SLOW = stdlib()

money = st.builds(Money, st.integers(0, 10**15), st.sampled_from(sorted(dict(EXPONENTS))))
moments = st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-3, minutes=-30))]))
# What events carry (no floats: money is integer minor units), then floats for the general case.
event_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.text()
    | st.uuids()
    | moments
    | st.decimals(allow_nan=False, allow_infinity=False)
    | money
)


def states(scalars: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    values = st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.tuples(inner, inner)
            | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=12,
    )
    return st.dictionaries(st.text(max_size=12), values, max_size=8)


@given(states(event_scalars))
def test_writes_the_bytes_the_stdlib_transcoder_writes(state: dict[str, Any]) -> None:
    assert FAST.encode(state) == SLOW.encode(state)


@given(states(event_scalars | st.floats(allow_nan=False)))
def test_reads_what_the_stdlib_transcoder_wrote_to_equal_values(state: dict[str, Any]) -> None:
    stored = SLOW.encode(state)

    assert FAST.decode(stored) == SLOW.decode(stored)


@given(states(event_scalars | st.floats(allow_nan=False)))
def test_the_stdlib_transcoder_reads_what_it_writes_to_equal_values(
    state: dict[str, Any],
) -> None:
    assert SLOW.decode(FAST.encode(state)) == SLOW.decode(SLOW.encode(state))


def test_values_round_trip_with_their_types() -> None:
    state = {
        "timestamp": datetime(2026, 11, 29, 22, 1, 42, 102549, tzinfo=UTC),
        "order_id": UUID("d47d85f5-513a-5252-8f95-34b83a28f7c8"),
        "amount": Money(5699, "PHP"),
        "rate": Decimal("10.000000000"),
        "events": ("PaymentCaptured", "OrderSettled"),
        "nested": [{"at": datetime(2026, 1, 1, tzinfo=UTC)}, [Money(1, "EUR")]],
    }

    back = FAST.decode(FAST.encode(state))

    assert back == {**state, "events": ["PaymentCaptured", "OrderSettled"]}
    assert type(back["order_id"]) is UUID
    assert type(back["amount"]) is Money
    assert type(back["rate"]) is Decimal
    assert back["timestamp"].tzinfo == UTC


def test_a_dict_shaped_like_a_tag_but_not_one_stays_a_dict() -> None:
    state = {"a": {"_type_": "money"}, "b": {"_type_": "money", "_data_": {"x": 1}, "c": 1}}

    assert FAST.decode(FAST.encode(state)) == state


def test_json_the_stdlib_reads_but_orjson_refuses_falls_back_to_the_stdlib() -> None:
    stored = b'{"big": 123456789012345678901234567890, "inf": Infinity, "s": "\\ud800"}'

    assert FAST.decode(stored) == SLOW.decode(stored)


@pytest.mark.parametrize("number", [-(2**63) - 1, 2**64, 10**30])
def test_integers_beyond_64_bits_stay_exact_integers(number: int) -> None:
    stored = f'{{"n":{number},"at":[{{"x":{number}}}]}}'.encode()  # orjson reads them as floats

    assert FAST.decode(stored) == {"n": number, "at": [{"x": number}]}
    assert type(FAST.decode(stored)["n"]) is int


def test_values_orjson_cannot_write_are_written_by_the_stdlib() -> None:
    state = {"big": 2**80, "inf": float("inf"), 1: "an int key"}

    assert FAST.encode(state) == SLOW.encode(state)


def test_an_unregistered_type_is_refused_as_the_stdlib_refuses_it() -> None:
    with pytest.raises(TranscodingNotRegisteredError):
        FAST.encode({"x": object()})


def test_an_unknown_tag_is_refused_as_the_stdlib_refuses_it() -> None:
    stored = b'{"x":{"_type_":"no_such_type","_data_":1}}'

    with pytest.raises(TranscodingNotRegisteredError):
        SLOW.decode(stored)
    with pytest.raises(TranscodingNotRegisteredError):
        FAST.decode(stored)


def test_money_keeps_its_integer_minor_units() -> None:
    stored = FAST.encode({"amount": Money(10**15 + 1, "CLP")})

    assert b'{"_type_":"money","_data_":{"minor":1000000000000001,"currency":"CLP"}}' in stored
    assert MoneyAsDict().decode({"minor": 7, "currency": "EUR"}) == Money(7, "EUR")


def test_applications_choose_it_through_eventsourcings_setting() -> None:
    assert transcoder_env() == {"TRANSCODER_TOPIC": TRANSCODER_TOPIC}
    assert isinstance(order_transcoder(), OrjsonTranscoder)
