"""Callback signatures: sign and verify the raw body bytes, before anything parses them.

Vertex Gateway puts a SHA-512 signature of the callback body in the ``api-notification-sign``
header, keyed with the shop's secret from the admin panel. Its docs leave the exact construction
open, so the scheme is pluggable: the default is lower-case hex HMAC-SHA512(secret, raw body);
``sha512_of_body_and_secret`` is the other plausible reading. Several secrets may be configured
at once so a secret can be rotated without refusing callbacks signed with the old one.

Every refusal is one ``SignatureVerificationError`` with a message saying what was wrong; the
expected digest is never put in a message.

Known limit: the provider sends no timestamp (nor a delivery id), so there is no freshness
window and a captured callback can be replayed verbatim. Replays and duplicate deliveries are
absorbed downstream: translating a snapshot into events is idempotent and never regresses an
order from a final state.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from typing import Protocol

from .errors import SignatureVerificationError

__all__ = [
    "SIGNATURE_HEADER",
    "SignatureScheme",
    "hmac_sha512_hex",
    "sha512_of_body_and_secret",
    "sign",
    "verify",
]

SIGNATURE_HEADER = "api-notification-sign"
"""The header that carries the callback's signature (matched case-insensitively)."""

_HEX = re.compile(r"[0-9a-fA-F]+")


class SignatureScheme(Protocol):
    """How a signature is computed: ``(raw body, secret) -> hex digest``."""

    def __call__(self, body: bytes, secret: str) -> str: ...


def hmac_sha512_hex(body: bytes, secret: str) -> str:
    """The default: lower-case hex HMAC-SHA512 of the raw body, keyed with the secret."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha512).hexdigest()


def sha512_of_body_and_secret(body: bytes, secret: str) -> str:
    """The alternative reading of the docs: lower-case hex SHA-512 of body then secret."""
    return hashlib.sha512(body + secret.encode("utf-8")).hexdigest()


def sign(body: bytes, secret: str, *, scheme: SignatureScheme = hmac_sha512_hex) -> str:
    """The signature the provider would send for ``body`` (for tests and the simulator)."""
    return scheme(body, secret).lower()


def verify(
    body: bytes,
    headers: Mapping[str, str],
    secrets: Sequence[str],
    *,
    scheme: SignatureScheme = hmac_sha512_hex,
    header: str = SIGNATURE_HEADER,
) -> None:
    """Return if one of ``secrets`` signed ``body``; raise SignatureVerificationError if not."""
    if isinstance(secrets, str):  # a lone str is a Sequence of one-letter "secrets"
        raise TypeError("secrets must be a sequence of secrets, not one str")
    if not secrets:
        raise SignatureVerificationError("no callback secret is configured; refusing everything")
    if any(not secret for secret in secrets):
        raise SignatureVerificationError("an empty callback secret is configured; refusing")
    given = _signature_from(headers, header)
    expected = [sign(body, secret, scheme=scheme) for secret in secrets]
    if len(given) != len(expected[0]):
        raise SignatureVerificationError(
            f"{header} header has {len(given)} hex digits; the scheme makes {len(expected[0])}"
        )
    candidate = given.lower()
    matched = False
    for digest in expected:  # no early exit: the time taken does not tell which secret matched
        matched |= hmac.compare_digest(candidate, digest)
    if not matched:
        raise SignatureVerificationError(f"{header} header does not match any configured secret")


def _signature_from(headers: Mapping[str, str], header: str) -> str:
    """The header's value, found case-insensitively even in a plain dict, checked to be hex."""
    wanted = header.lower()
    values = {value for name, value in headers.items() if name.lower() == wanted}
    if not values:
        raise SignatureVerificationError(f"{header} header is missing")
    if len(values) > 1:
        raise SignatureVerificationError(f"{header} header is given more than once")
    value = values.pop().strip()
    if "," in value:  # repeated fields arrive joined with ", " (RFC 9110, 5.3): never pick one
        raise SignatureVerificationError(f"{header} header is given more than once")
    if not value:
        raise SignatureVerificationError(f"{header} header is empty")
    if not value.isascii() or _HEX.fullmatch(value) is None:
        raise SignatureVerificationError(f"{header} header is not a hex digest")
    return value
