"""Reading a callback: the size is checked first, the signature second, the body last."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from orderstate.adapters.vertex.callbacks import Callback, read_callback
from orderstate.adapters.vertex.errors import (
    CallbackTooLarge,
    MalformedCallback,
    SignatureVerificationError,
)
from orderstate.adapters.vertex.models import OrderStatus
from orderstate.adapters.vertex.payloads import parse_order
from orderstate.adapters.vertex.signatures import (
    SIGNATURE_HEADER,
    sha512_of_body_and_secret,
    sign,
)

from .helpers import MISSING, SECRET, order_json, signed

RECEIVED_AT = datetime(2024, 1, 26, 13, 19, 33, tzinfo=UTC)


def body_of(data: object) -> bytes:
    return json.dumps(data).encode()


def read(body: bytes, headers: dict[str, str], **options: object) -> Callback:
    arguments: dict[str, object] = {
        "secrets": [SECRET],
        "shop_id": 115,
        "received_at": RECEIVED_AT,
        **options,
    }
    return read_callback(body, headers, **arguments)  # type: ignore[arg-type]


def test_reads_a_signed_callback_into_a_snapshot() -> None:
    body = body_of(order_json(orderStatus="completed"))

    callback = read(body, signed(body))

    assert callback.snapshot == parse_order(order_json(orderStatus="completed"))
    assert callback.snapshot.status is OrderStatus.COMPLETED
    assert callback.body == body
    assert callback.received_at == RECEIVED_AT


def test_keeps_the_headers_as_received_with_lower_case_names() -> None:
    body = body_of(order_json())
    headers = {"Content-Type": "application/json", "Api-Notification-Sign": sign(body, SECRET)}

    callback = read(body, headers)

    assert callback.headers == (
        ("content-type", "application/json"),
        (SIGNATURE_HEADER, sign(body, SECRET)),
    )


def test_reads_headers_given_as_httpx_headers() -> None:
    body = body_of(order_json())
    headers = httpx.Headers(signed(body))

    callback = read_callback(body, headers, secrets=[SECRET], shop_id=115, received_at=RECEIVED_AT)

    assert callback.snapshot.order_number == "test04"


def test_reads_an_older_spelling_callback_without_a_shop_from_the_url_shop() -> None:
    data = order_json(shopId=MISSING, number="7_1706275173", orderNumber=MISSING)
    data["status"] = data.pop("orderStatus")
    body = body_of(data)

    callback = read(body, signed(body), shop_id=116)

    assert callback.snapshot.shop_id == 116
    assert callback.snapshot.order_number == "7_1706275173"


def test_refuses_a_tampered_body_before_parsing_it() -> None:
    body = body_of(order_json())
    headers = signed(body)
    tampered = body[:-1]  # also no longer valid JSON: parsing would raise MalformedCallback

    with pytest.raises(SignatureVerificationError):
        read(tampered, headers)


def test_refuses_an_unsigned_body_that_is_not_even_utf8_with_a_signature_error() -> None:
    body = b"\xff\xfe garbage"

    with pytest.raises(SignatureVerificationError, match="missing"):
        read(body, {})


def test_refuses_an_oversized_body_before_verifying_its_signature() -> None:
    body = b"x" * 101  # unsigned: verifying would raise SignatureVerificationError

    with pytest.raises(CallbackTooLarge):
        read(body, {}, limit=100)


def test_refuses_an_oversized_body_even_when_it_is_correctly_signed() -> None:
    body = body_of(order_json(padding="x" * 100))

    with pytest.raises(CallbackTooLarge):
        read(body, signed(body), limit=100)


def test_refuses_a_signed_body_that_is_not_json_as_malformed() -> None:
    body = b"{not json"

    with pytest.raises(MalformedCallback) as caught:
        read(body, signed(body))

    assert caught.value.field == "body"
    assert not isinstance(caught.value, CallbackTooLarge)


def test_refuses_a_signed_callback_for_another_shop() -> None:
    body = body_of(order_json(shopId=115))

    with pytest.raises(MalformedCallback) as caught:
        read(body, signed(body), shop_id=116)

    assert caught.value.field == "shopId"


def test_refuses_a_signed_callback_with_a_float_amount() -> None:
    body = body_of(order_json()).replace(b'"56.99"', b"56.99")

    with pytest.raises(MalformedCallback) as caught:
        read(body, signed(body))

    assert caught.value.field == "cost.amount"


def test_accepts_the_second_secret_during_rotation() -> None:
    body = body_of(order_json())

    callback = read(body, signed(body, "new-secret"), secrets=[SECRET, "new-secret"])

    assert callback.snapshot.order_number == "test04"


def test_uses_the_configured_signature_scheme() -> None:
    body = body_of(order_json())
    headers = {SIGNATURE_HEADER: sign(body, SECRET, scheme=sha512_of_body_and_secret)}

    callback = read(body, headers, scheme=sha512_of_body_and_secret)

    assert callback.snapshot.order_number == "test04"


def test_refuses_everything_when_no_secret_is_configured() -> None:
    body = body_of(order_json())

    with pytest.raises(SignatureVerificationError):
        read(body, signed(body), secrets=[])


def test_refuses_a_naive_reception_time() -> None:
    body = body_of(order_json())

    with pytest.raises(ValueError, match="timezone-aware"):
        read(body, signed(body), received_at=datetime(2024, 1, 26, 13, 19, 33))


def test_a_callback_is_immutable() -> None:
    body = body_of(order_json())
    callback = read(body, signed(body))

    with pytest.raises(AttributeError):
        callback.body = b"{}"  # type: ignore[misc]
