"""``OrderService.handle_callback`` over signed arbitrary JSON: it never raises, and it always
says what became of the body with one of the defined outcomes (issue 10).

The signature is valid, so every body gets past verification into the reader, the translator
and the store: nested objects and arrays, text with lone surrogates, numbers (huge integers
too, written as digits no ``json.dumps`` would write), nulls, and ORDER objects with any field
swapped for any of those. 50,000 examples of an earlier fuzz found one poison body (a lone
surrogate, ``tests/integration/faults/test_poison_callback.py``).

The suite runs 300 examples to stay quick (about two seconds; they find the surrogate body
within that); ``ORDERSTATE_FUZZ_EXAMPLES=20000 pytest tests/unit/service/test_callback_fuzz.py
--hypothesis-show-statistics`` runs a deeper search and shows how the outcomes spread.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.service import OrderService, Outcome, Shop
from orderstate.engine import Money
from tests.unit.vertex.helpers import SECRET, order_json, signed

EXAMPLES = int(os.environ.get("ORDERSTATE_FUZZ_EXAMPLES", "300"))


@dataclass(frozen=True)
class Digits:
    """A JSON number written as it is (``json.dumps`` refuses ints over 4,300 digits)."""

    text: str


ANY_TEXT = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=40),  # surrogates included, rarely
    st.builds(lambda a, b: f"{a}\ud800{b}", st.text(max_size=5), st.text(max_size=5)),
    st.sampled_from(["", "test04", "completed", "PHP", "56.99", "\udfff", "\ud83d\ude00"]),
)
NUMBERS = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.decimals(allow_nan=False, allow_infinity=False, places=9).map(lambda d: Digits(str(d))),
    st.integers(min_value=1, max_value=6000).map(lambda n: Digits("9" * n)),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, ANY_TEXT)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)
NEAR_ORDER = st.builds(
    lambda base, swaps, drops: _swapped(base, swaps, drops),
    st.builds(
        order_json,
        orderNumber=st.sampled_from(["test04", "another-1"]),
        orderStatus=st.sampled_from(
            ["in_progress", "review", "completed", "refunded", "cancelled", "failed", "rejected"]
        ),
        payments=st.sampled_from([[], order_json()["payments"]]),
    ),
    st.just({})
    | st.dictionaries(
        st.sampled_from(["orderNumber", "number", "orderStatus", "status", "shopId", "cost"])
        | st.sampled_from(["payments", "paymentLink", "id", "reviewTimeout"]),
        st.one_of(ANY_TEXT, SCALARS, JSON),  # a field's own kind (text) most often
        max_size=3,
    ),
    st.sets(st.sampled_from(["orderNumber", "cost", "payments", "orderStatus"]), max_size=2),
)


def _swapped(base: dict[str, object], swaps: dict[str, object], drops: set[str]) -> object:
    order = {key: value for key, value in base.items() if key not in drops}
    order.update(swaps)
    return order


def dump(value: object) -> str:
    """JSON text for ``value``; lone surrogates come out as ``\\ud800`` escapes."""
    if isinstance(value, Digits):
        return value.text
    if isinstance(value, dict):
        items = (f"{json.dumps(key)}: {dump(item)}" for key, item in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(dump(item) for item in value) + "]"
    return json.dumps(value)


@pytest.fixture(scope="module")
def service() -> Iterator[OrderService]:
    service = build_service(shops={115: Shop((SECRET,))})
    service.place(shop_id=115, order_number="test04", amount=Money.parse("56.99", "PHP"))
    yield service
    service.close()


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.one_of(NEAR_ORDER, JSON))
def test_a_signed_body_of_any_json_never_raises_and_gets_a_defined_outcome(
    service: OrderService, data: object
) -> None:
    body = dump(data).encode("utf-8")
    headers = list(signed(body).items())

    result = service.handle_callback(115, body, headers)

    event(f"outcome: {result.outcome}")
    assert result.outcome in set(Outcome) - {Outcome.FAILED}
