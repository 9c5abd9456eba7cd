"""Currency exponents: how many minor-unit decimal places each supported currency has.

The table holds the active ISO 4217 alphabetic codes that define a minor unit, plus the
crypto assets the gateway settles in, each with its own on-chain precision. Codes with no
minor unit in ISO 4217 ("N.A.": XAU, XAG, XPT, XPD, XDR, XBA-XBD, XSU, XUA, XTS, XXX) are
deliberately absent: an amount in them cannot be expressed in integer minor units.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType

from .errors import TokenStandardRequired, UnknownCurrency

__all__ = ["EXPONENTS", "TOKEN_STANDARDS", "exponent", "refuse_unknown"]

# ISO 4217 (list one), grouped by minor-unit exponent. Everything not listed under 0, 3 or 4
# has 2. Transitional codes still accepted by the standard during a changeover (ANG next to
# XCG, SLL next to SLE, BGN until it is withdrawn) are included; withdrawn codes (HRK, ZWL,
# VEF, MRO, STD, ...) are not.
_ISO_0 = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_ISO_2 = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD "
    "BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD "
    "EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR "
    "IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP "
    "MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN "
    "QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL "
    "THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR "
    "ZMW ZWG"
)
_ISO_3 = "BHD IQD JOD KWD LYD OMR TND"
_ISO_4 = "CLF UYW"

# Crypto assets: the precision of the asset's smallest on-chain unit (satoshi, wei, ...).
# Only native coins: a token issued on several chains is in TOKEN_STANDARDS instead.
_CRYPTO = {
    "BTC": 8,
    "ETH": 18,
    "SOL": 9,
    "TRX": 6,
    "LTC": 8,
    "BNB": 18,
    "DOGE": 8,
    "XRP": 6,
    "TON": 9,
}


def _build(groups: Iterable[tuple[str, int]], extra: dict[str, int]) -> dict[str, int]:
    """Merge the groups, failing loudly if a code is listed twice (a typo in the table)."""
    table: dict[str, int] = {}
    pairs = [(code, exp) for codes, exp in groups for code in codes.split()]
    for code, exp in [*pairs, *extra.items()]:
        if code in table:
            raise RuntimeError(f"currency {code} listed twice in the exponent table")
        table[code] = exp
    return table


TOKEN_STANDARDS: MappingProxyType[str, MappingProxyType[str, int]] = MappingProxyType(
    {
        "USDT": MappingProxyType({"ERC20": 6, "TRC20": 6, "BEP20": 18, "SPL": 6}),
        "USDC": MappingProxyType({"ERC20": 6, "TRC20": 6, "BEP20": 18, "SPL": 6}),
    }
)
"""Tokens the gateway takes on several chains, with their decimal places per token standard.

The provider requires the standard for them, but its field name is undocumented, and the
places differ (BEP20 USDT has 18, the others 6): a bare ``USDT`` amount cannot be read
exactly, so these codes are refused with ``TokenStandardRequired`` rather than guessed."""

_TABLE = _build(((_ISO_0, 0), (_ISO_2, 2), (_ISO_3, 3), (_ISO_4, 4)), _CRYPTO)

EXPONENTS: MappingProxyType[str, int] = MappingProxyType(_TABLE)
"""Every known currency code and its exponent; read-only, for callers that enumerate."""


def exponent(currency: str) -> int:
    """Return the number of minor-unit decimal places of ``currency``.

    Codes are matched exactly: ``"usd"`` is refused rather than upper-cased, so a malformed
    code from a provider surfaces instead of being silently repaired.
    """
    try:
        return _TABLE[currency]
    except (KeyError, TypeError):  # TypeError: an unhashable non-str was passed
        raise refuse_unknown(currency) from None


def refuse_unknown(currency: object) -> UnknownCurrency:
    """The error for a code with no exponent: ``TokenStandardRequired`` for a multi-chain
    token (it names the standards and their places), ``UnknownCurrency`` otherwise."""
    if isinstance(currency, str) and currency in TOKEN_STANDARDS:
        return TokenStandardRequired(currency, dict(TOKEN_STANDARDS[currency]))
    return UnknownCurrency(currency)
