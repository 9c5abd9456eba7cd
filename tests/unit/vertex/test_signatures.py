"""Callback signatures: a valid one passes, and each single defect is refused with one error."""

from __future__ import annotations

import base64
import hashlib
import hmac

import httpx
import pytest

from orderstate.adapters.vertex.errors import SignatureVerificationError
from orderstate.adapters.vertex.signatures import (
    SIGNATURE_HEADER,
    hmac_sha512_hex,
    sha512_of_body_and_secret,
    sign,
    verify,
)

from .helpers import SECRET, signed

BODY = b'{"id":77,"shopId":115,"orderNumber":"test04","orderStatus":"completed"}'


def test_signs_with_lower_case_hex_hmac_sha512_of_the_raw_body() -> None:
    expected = hmac.new(SECRET.encode(), BODY, hashlib.sha512).hexdigest()

    signature = sign(BODY, SECRET)

    assert signature == expected
    assert len(signature) == 128


def test_the_alternative_scheme_hashes_the_body_followed_by_the_secret() -> None:
    expected = hashlib.sha512(BODY + SECRET.encode()).hexdigest()

    signature = sign(BODY, SECRET, scheme=sha512_of_body_and_secret)

    assert signature == expected
    assert signature != sign(BODY, SECRET, scheme=hmac_sha512_hex)


def test_accepts_a_body_signed_with_the_configured_secret() -> None:
    headers = signed(BODY)

    verify(BODY, headers, [SECRET])


def test_refuses_a_signature_made_with_a_wrong_secret() -> None:
    headers = signed(BODY, "another-secret")

    with pytest.raises(SignatureVerificationError, match="does not match"):
        verify(BODY, headers, [SECRET])


def test_refuses_a_body_with_one_byte_changed_after_signing() -> None:
    headers = signed(BODY)
    tampered = BODY.replace(b"115", b"116")

    with pytest.raises(SignatureVerificationError, match="does not match"):
        verify(tampered, headers, [SECRET])


def test_refuses_a_body_with_a_byte_appended_after_signing() -> None:
    headers = signed(BODY)

    with pytest.raises(SignatureVerificationError, match="does not match"):
        verify(BODY + b" ", headers, [SECRET])


def test_refuses_a_callback_without_the_signature_header() -> None:
    headers = signed(BODY)
    del headers[SIGNATURE_HEADER]

    with pytest.raises(SignatureVerificationError, match="missing"):
        verify(BODY, headers, [SECRET])


def test_refuses_an_empty_signature_header() -> None:
    headers = {**signed(BODY), SIGNATURE_HEADER: ""}

    with pytest.raises(SignatureVerificationError, match="empty"):
        verify(BODY, headers, [SECRET])


def test_refuses_a_signature_header_that_is_not_hex() -> None:
    signature = sign(BODY, SECRET)
    headers = {SIGNATURE_HEADER: "z" + signature[1:]}

    with pytest.raises(SignatureVerificationError, match="not a hex digest"):
        verify(BODY, headers, [SECRET])


def test_refuses_a_base64_signature_of_the_right_digest() -> None:
    digest = hmac.new(SECRET.encode(), BODY, hashlib.sha512).digest()
    headers = {SIGNATURE_HEADER: base64.b64encode(digest).decode()}

    with pytest.raises(SignatureVerificationError, match="not a hex digest"):
        verify(BODY, headers, [SECRET])


def test_refuses_a_truncated_digest() -> None:
    headers = {SIGNATURE_HEADER: sign(BODY, SECRET)[:64]}

    with pytest.raises(SignatureVerificationError, match="64 hex digits"):
        verify(BODY, headers, [SECRET])


def test_refuses_a_digest_with_extra_hex_digits() -> None:
    headers = {SIGNATURE_HEADER: sign(BODY, SECRET) + "00"}

    with pytest.raises(SignatureVerificationError, match="130 hex digits"):
        verify(BODY, headers, [SECRET])


def test_accepts_an_upper_case_hex_signature() -> None:
    headers = {SIGNATURE_HEADER: sign(BODY, SECRET).upper()}

    verify(BODY, headers, [SECRET])


def test_accepts_surrounding_whitespace_in_the_header_value() -> None:
    headers = {SIGNATURE_HEADER: f" {sign(BODY, SECRET)}\t"}

    verify(BODY, headers, [SECRET])


@pytest.mark.parametrize("name", ["Api-Notification-Sign", "API-NOTIFICATION-SIGN"])
def test_finds_the_header_in_a_plain_dict_whatever_its_case(name: str) -> None:
    headers = {name: sign(BODY, SECRET)}

    verify(BODY, headers, [SECRET])


def test_reads_the_header_from_case_insensitive_httpx_headers() -> None:
    headers = httpx.Headers({"Api-Notification-Sign": sign(BODY, SECRET)})

    verify(BODY, headers, [SECRET])


def test_refuses_two_different_signature_headers_in_different_cases() -> None:
    headers = {SIGNATURE_HEADER: sign(BODY, SECRET), "API-NOTIFICATION-SIGN": "ab" * 64}

    with pytest.raises(SignatureVerificationError, match="more than once"):
        verify(BODY, headers, [SECRET])


def test_accepts_a_body_signed_with_the_second_secret_during_rotation() -> None:
    headers = signed(BODY, "new-secret")

    verify(BODY, headers, ["old-secret", "new-secret"])


def test_still_accepts_the_old_secret_during_rotation() -> None:
    headers = signed(BODY, "old-secret")

    verify(BODY, headers, ["old-secret", "new-secret"])


def test_refuses_everything_when_no_secret_is_configured() -> None:
    headers = signed(BODY)

    with pytest.raises(SignatureVerificationError, match="no callback secret"):
        verify(BODY, headers, [])


def test_refuses_everything_when_an_empty_secret_is_configured() -> None:
    headers = signed(BODY, "")

    with pytest.raises(SignatureVerificationError, match="empty callback secret"):
        verify(BODY, headers, [""])


def test_refuses_a_lone_string_given_as_the_list_of_secrets() -> None:
    headers = signed(BODY)

    with pytest.raises(TypeError, match="not one str"):
        verify(BODY, headers, SECRET)


def test_verifies_with_the_alternative_scheme_when_configured() -> None:
    headers = {SIGNATURE_HEADER: sign(BODY, SECRET, scheme=sha512_of_body_and_secret)}

    verify(BODY, headers, [SECRET], scheme=sha512_of_body_and_secret)


def test_refuses_an_alternative_scheme_signature_under_the_default_scheme() -> None:
    headers = {SIGNATURE_HEADER: sign(BODY, SECRET, scheme=sha512_of_body_and_secret)}

    with pytest.raises(SignatureVerificationError, match="does not match"):
        verify(BODY, headers, [SECRET])


def test_reads_the_signature_from_a_configured_header_name() -> None:
    headers = {"X-Other-Sign": sign(BODY, SECRET)}

    verify(BODY, headers, [SECRET], header="x-other-sign")


def test_never_puts_the_expected_digest_in_the_message() -> None:
    headers = signed(BODY, "another-secret")

    with pytest.raises(SignatureVerificationError) as caught:
        verify(BODY, headers, [SECRET])

    assert sign(BODY, SECRET) not in str(caught.value)
    assert SECRET not in str(caught.value)
