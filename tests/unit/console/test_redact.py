"""What of a kept callback the console may show: never a secret."""

from __future__ import annotations

import json

from orderstate.adapters.web.console.redact import HIDDEN, shown_body, shown_headers


def test_credential_and_signature_headers_are_hidden_and_the_rest_shown() -> None:
    headers = [
        ("authorization", "Bearer sk_live_x"),
        ("cookie", "session=abc"),
        ("api-notification-sign", "f" * 128),
        ("stripe-signature", "t=1,v1=abc"),
        ("x-api-key", "k"),
        ("content-type", "application/json"),
        ("user-agent", "Vertex/1.0"),
    ]

    shown = dict(shown_headers(headers))

    assert [name for name, value in shown.items() if value == HIDDEN] == [
        "authorization",
        "cookie",
        "api-notification-sign",
        "stripe-signature",
        "x-api-key",
    ]
    assert shown["user-agent"] == "Vertex/1.0"


def test_secret_looking_keys_of_a_json_body_are_hidden_at_any_depth() -> None:
    body = {
        "orderNumber": "A-1",
        "data": {"object": {"client_secret": "pi_1_secret_2", "amount": 100}},
        "items": [{"apiKey": "k", "paymentStatus": "authorized"}],
    }

    shown = json.loads(shown_body(json.dumps(body).encode()))

    assert shown["data"]["object"] == {"client_secret": HIDDEN, "amount": 100}
    assert shown["items"] == [{"apiKey": HIDDEN, "paymentStatus": "authorized"}]
    assert shown["orderNumber"] == "A-1"


def test_a_body_that_is_not_json_is_shown_as_text() -> None:
    assert shown_body(b"{not json \xff") == "{not json \ufffd"
