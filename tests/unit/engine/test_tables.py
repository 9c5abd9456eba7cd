"""The tables the engine builds once, at import: the currency exponents and the resolution guards.

They are built before any test runs, so these tests build them again, from the same functions,
to check the rules those functions enforce.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from orderstate.engine.currencies import _build
from orderstate.engine.guards import GUARDS, _resolved_as

from .builders import php, placed


def test_the_exponent_table_merges_its_groups_and_extras() -> None:
    table = _build((("JPY KRW", 0), ("EUR", 2)), {"BTC": 8})

    assert table == {"JPY": 0, "KRW": 0, "EUR": 2, "BTC": 8}


@pytest.mark.parametrize(
    ("groups", "extra"),
    [
        pytest.param((("EUR USD", 2), ("EUR", 3)), {}, id="twice-in-the-groups"),
        pytest.param((("BTC", 2),), {"BTC": 8}, id="in-a-group-and-the-extras"),
    ],
)
def test_a_code_listed_twice_in_the_exponent_table_fails_loudly(
    groups: tuple[tuple[str, int], ...], extra: dict[str, int]
) -> None:
    duplicate = "EUR" if "EUR" in groups[0][0] else "BTC"

    with pytest.raises(RuntimeError) as refused:
        _build(groups, extra)

    assert str(refused.value) == f"currency {duplicate} listed twice in the exponent table"


@pytest.mark.parametrize("outcome", ["completed", "refunded", "cancelled"])
def test_a_resolution_guard_accepts_its_own_outcome_up_to_the_order_amount(outcome: str) -> None:
    guard = _resolved_as(outcome)
    order = placed()  # 56.99 PHP
    others = {"completed", "refunded", "cancelled"} - {outcome}

    def resolution(resolution: str, captured: str) -> SimpleNamespace:
        return SimpleNamespace(resolution=resolution, captured=php(captured))

    assert guard.__name__ == f"resolved_as_{outcome}"
    assert guard.__name__ in GUARDS
    assert (
        guard.__doc__
        == f"Manual resolution of a mismatch as {outcome}, keeping at most the amount."
    )
    assert guard(order, resolution(outcome, "56.99"))
    assert guard(order, resolution(outcome, "0"))
    assert not guard(order, resolution(outcome, "57.00"))
    assert not any(guard(order, resolution(other, "56.99")) for other in others)
