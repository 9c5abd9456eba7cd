"""A signature header sent more than once is refused, never resolved by picking one value."""

from __future__ import annotations

import pytest

from orderstate.adapters.service.headers import combined_fields
from orderstate.adapters.vertex.errors import SignatureVerificationError
from orderstate.adapters.vertex.signatures import SIGNATURE_HEADER, sign, verify

from .helpers import SECRET

BODY = b'{"orderNumber": "test04"}'


def test_repeated_fields_are_joined_in_order_and_names_lower_cased() -> None:
    pairs = [
        ("Api-Notification-Sign", "a"),
        ("content-type", "json"),
        ("api-notification-sign", "b"),
    ]

    assert combined_fields(pairs) == {"api-notification-sign": "a, b", "content-type": "json"}


@pytest.mark.parametrize(
    "values",
    [
        [sign(BODY, "guess"), sign(BODY, SECRET)],
        [sign(BODY, SECRET), sign(BODY, "guess")],
        [sign(BODY, SECRET), sign(BODY, SECRET)],
    ],
)
def test_refuses_a_signature_header_given_more_than_once(values: list[str]) -> None:
    headers = combined_fields((SIGNATURE_HEADER, value) for value in values)

    with pytest.raises(SignatureVerificationError, match="more than once"):
        verify(BODY, headers, [SECRET])


def test_a_single_signature_header_still_verifies() -> None:
    verify(BODY, combined_fields([(SIGNATURE_HEADER, sign(BODY, SECRET))]), [SECRET])
