"""What a merchant types: amounts above zero, currencies in any case, deadlines with a zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from orderstate.adapters.cli import inputs
from orderstate.engine import Money


@pytest.mark.parametrize("text", ["0", "0.00", "-5", "-0.01"])
def test_refuses_an_amount_that_is_not_above_zero(text: str) -> None:
    with pytest.raises(inputs.InputError, match="must be above zero"):
        inputs.positive_amount(text, what="a refund")


@pytest.mark.parametrize("text", ["ten", "1,00", "NaN", "Infinity", ""])
def test_refuses_an_amount_that_is_not_a_decimal_number(text: str) -> None:
    with pytest.raises(inputs.InputError):
        inputs.positive_amount(text, what="a refund")


def test_reads_a_lower_case_currency_as_its_code() -> None:
    assert inputs.money("56.99", "php") == Money.parse("56.99", "PHP")


def test_names_an_unknown_currency_with_an_example() -> None:
    with pytest.raises(inputs.InputError, match=r"unknown currency 'pesos'.*PHP"):
        inputs.currency("pesos")


def test_reads_a_deadline_with_an_offset_or_z() -> None:
    assert inputs.deadline("2026-12-01T18:00:00+08:00") == datetime(
        2026, 12, 1, 18, tzinfo=timezone(timedelta(hours=8))
    )
    assert inputs.deadline("2026-12-01T10:00:00Z") == datetime(2026, 12, 1, 10, tzinfo=UTC)


def test_refuses_a_deadline_without_a_zone_showing_an_example() -> None:
    with pytest.raises(inputs.InputError) as caught:
        inputs.deadline("2026-12-01T18:00:00")

    assert "has no zone" in str(caught.value)
    assert inputs.DEADLINE_EXAMPLE in str(caught.value)


def test_refuses_text_that_is_not_a_time() -> None:
    with pytest.raises(inputs.InputError, match="is not a time"):
        inputs.deadline("tomorrow")
