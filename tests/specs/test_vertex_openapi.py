"""The Vertex OpenAPI document (specs/vertex/openapi.yaml) is valid, and the client keeps to it:
every request it sends is an operation of the spec, and the spec accepts the provider's
documented examples and refuses what it never sends. The simulator is held to the same
document (tests/contracts/test_vertex_simulator_openapi.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from typing import Any

import jsonschema
import jsonschema_rs
import pytest
import schemathesis
import yaml

from orderstate.adapters.vertex.client import CreateOrder, Customer
from tests.unit.vertex.helpers import order_json
from tests.unit.vertex.test_client import LINK, PHP_56_99, SHAPES

SPEC = files("orderstate.specs") / "vertex" / "openapi.yaml"


@cache
def spec() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    return document


def spec_validator(pointer: str) -> jsonschema.Draft202012Validator:
    """A validator for the schema at ``pointer`` whose ``$ref``s resolve inside the document.

    The whole document is the root schema (JSON Schema ignores its OpenAPI keys), so
    ``#/components/...`` references resolve; the root ``$ref`` selects the schema to apply.
    """
    return jsonschema.Draft202012Validator({**spec(), "$ref": pointer})


def pointer_to(*parts: str) -> str:
    return "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def test_the_spec_is_a_valid_openapi_3_1_document() -> None:
    schema = schemathesis.openapi.from_path(str(SPEC))

    schema.validate()

    assert spec()["openapi"].startswith("3.1")


def test_the_spec_validation_would_catch_a_broken_document() -> None:
    broken = {**spec(), "paths": {"/order": {"post": {"responses": "none"}}}}

    with pytest.raises(jsonschema_rs.ValidationError, match="responses"):
        schemathesis.openapi.from_dict(broken).validate()


def test_the_spec_is_plain_yaml_without_booleans_hidden_in_words() -> None:
    text = SPEC.read_text(encoding="utf-8")

    document = yaml.safe_load(text)

    assert "!!" not in text
    assert document["webhooks"]["orderStatusChanged"]["post"]["parameters"][0]["name"] == (
        "api-notification-sign"
    )


@pytest.mark.parametrize(("name", "args", "method", "path", "body"), SHAPES)
def test_every_request_the_client_sends_is_an_operation_of_the_spec(
    name: str,
    args: tuple[object, ...],
    method: str,
    path: str,
    body: dict[str, object] | None,
) -> None:
    schema = schemathesis.openapi.from_path(str(SPEC))

    operation = schema.find_operation_by_path(method, path)

    assert operation is not None, f"{method} {path} is not in the spec"
    if body is not None:
        template = operation.path
        body_schema = pointer_to(
            "paths",
            template,
            method.lower(),
            "requestBody",
            "content",
            "application/json",
            "schema",
        )
        spec_validator(body_schema).validate(body)


def test_the_full_create_order_body_matches_the_spec() -> None:
    order = CreateOrder(
        shop_id=115,
        order_number="test04",
        amount=PHP_56_99,
        auto_capture=True,
        time_limit=datetime(2024, 6, 15, 10, 51, 49, tzinfo=UTC),
        webhook_url="https://example.com/webhook",
        success_url="https://example.com/success",
        customer=Customer(first_name="John", last_name="Doe", email="john.doe@mymail.com"),
        provider_code="alps",
        acquirer_code="lyra",
        page_design_alias="default",
    )

    spec_validator("#/components/schemas/CreateOrderRequest").validate(order.to_json())


def test_the_spec_marks_what_is_our_assumption() -> None:
    paths = spec()["paths"]

    assumed = paths["/order/{shopId}/{orderNumber}"]

    assert "x-orderstate-assumption" in assumed
    assert "OUR ASSUMPTION" in assumed["get"]["description"]
    assert paths["/order/reject"]["post"]["deprecated"] is True
    assert "x-orderstate-assumption" in spec()["components"]["schemas"]["RefundRequest"]


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        ("Order", order_json()),
        ("OrderCallback", order_json()),
        (
            "OrderCallback",
            {
                "id": 77,
                "number": "7_1706275173",
                "status": "completed",
                "cost": {"amount": "10.000000000", "currency": "BRL"},
                "timeLimit": {"date": "2024-01-27 07:45:51.000000", "timezone": "UTC"},
            },
        ),
        ("ErrorBody", {"code": "401", "title": "Input data validation error"}),
        ("CreatedOrder", {"orderNumber": "test04", "paymentLink": LINK}),
    ],
    ids=["order", "callback-new", "callback-old", "error", "created"],
)
def test_the_spec_accepts_the_documented_examples(schema: str, value: object) -> None:
    validator = spec_validator(f"#/components/schemas/{schema}")

    validator.validate(value)


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        ("Amount", "56,99"),
        ("Amount", "-1"),
        ("Amount", 56.99),
        ("OrderCallback", order_json(number="test04")),
        ("ErrorBody", {"title": "no code"}),
    ],
    ids=["comma", "negative", "number", "both-spellings", "error-without-code"],
)
def test_the_spec_refuses_what_the_provider_never_sends(schema: str, value: object) -> None:
    validator = spec_validator(f"#/components/schemas/{schema}")

    errors = list(validator.iter_errors(value))

    assert errors


@pytest.mark.parametrize("schema", ["Order", "LegacyOrder"])
def test_each_schema_accepts_its_own_examples(schema: str) -> None:
    examples = spec()["components"]["schemas"][schema]["examples"]
    validator = spec_validator(f"#/components/schemas/{schema}")

    for example in examples:
        validator.validate(example)
