"""Tokens on several chains (USDT, USDC) need their token standard, and their decimal places
depend on it (BEP20 USDT has 18, ERC20 6): a bare code is refused, never read at a guessed
precision."""

from __future__ import annotations

import pytest

from orderstate.engine import Money, TokenStandardRequired, UnknownCurrency
from orderstate.engine.currencies import TOKEN_STANDARDS, exponent


@pytest.mark.parametrize("code", ["USDT", "USDC"])
def test_a_multi_chain_token_is_refused_naming_its_standards_and_places(code: str) -> None:
    with pytest.raises(TokenStandardRequired) as caught:
        Money.parse("10.00", code)

    assert isinstance(caught.value, UnknownCurrency)
    assert str(caught.value) == (
        f"{code} needs its token standard, and its decimal places depend on it "
        f"(ERC20 6, TRC20 6, BEP20 18, SPL 6); the gateway's field for the standard is "
        f"undocumented, so amounts in {code} are refused"
    )


def test_no_minor_units_are_built_for_a_token_without_its_standard() -> None:
    with pytest.raises(TokenStandardRequired):
        Money(10_000_000, "USDT")
    with pytest.raises(TokenStandardRequired):
        exponent("USDT")


def test_bep20_usdt_has_eighteen_places_and_the_others_six() -> None:
    assert dict(TOKEN_STANDARDS["USDT"]) == {"ERC20": 6, "TRC20": 6, "BEP20": 18, "SPL": 6}
