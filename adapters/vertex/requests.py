"""Where the Vertex merchant API is, what it is asked and what it answers, as plain values
(no HTTP here).

The provider façade builds and reads these without importing httpx: a process that only reads
the store (``orderstate show``) never pays for the HTTP client. ``client`` sends them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from orderstate.engine.money import Money

from .payloads import MAX_ORDER_NUMBER_LENGTH, cost_json

__all__ = [
    "PRODUCTION_BASE_URL",
    "STAGE_BASE_URL",
    "Accepted",
    "CreateOrder",
    "CreatedOrder",
    "Customer",
]

STAGE_BASE_URL = "https://gateway.stage.vertexgateway.com/api/v1"
"""The provider's documented test environment."""

PRODUCTION_BASE_URL = "https://gateway.vertexgateway.com/api/v1"
"""Inferred from the stage host name; no provider page confirms it."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Customer:
    """``customer`` of Create Order; with ``email`` the provider mails the confirmation itself."""

    first_name: str
    last_name: str
    customer_id: str | None = None
    middle_name: str | None = None
    phone: str | None = None
    email: str | None = None

    def to_json(self) -> dict[str, object]:
        return _without_none(
            {
                "customerId": self.customer_id,
                "firstName": self.first_name,
                "lastName": self.last_name,
                "middleName": self.middle_name,
                "phone": self.phone,
                "email": self.email,
            }
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class CreateOrder:
    """What ``POST /order`` needs; ``order_number`` is the merchant's idempotency key."""

    shop_id: int
    order_number: str
    amount: Money
    auto_capture: bool = True
    time_limit: datetime | None = None
    webhook_url: str | None = None
    success_url: str | None = None
    failure_url: str | None = None
    customer: Customer | None = None
    instrument_type: str | None = None
    provider_code: str | None = None
    acquirer_code: str | None = None
    entry_mode: str | None = None
    data_entry_mode: str | None = None
    page_design_alias: str | None = None
    page_design_format: str | None = None

    def __post_init__(self) -> None:
        """Refuse what the provider documents as invalid before anything is sent."""
        if not 0 < len(self.order_number) <= MAX_ORDER_NUMBER_LENGTH:
            raise ValueError(f"order_number must have 1 to {MAX_ORDER_NUMBER_LENGTH} characters")
        if self.time_limit is not None and self.time_limit.utcoffset() is None:
            raise ValueError("time_limit must be timezone-aware")

    def to_json(self) -> dict[str, object]:
        """The documented Create Order body."""
        body: dict[str, object] = {
            "shopId": self.shop_id,
            "order": {"orderNumber": self.order_number, "cost": cost_json(self.amount)},
            "paymentSettings": self._payment_settings(),
        }
        if self.customer is not None:
            body["customer"] = self.customer.to_json()
        design = _without_none({"alias": self.page_design_alias, "format": self.page_design_format})
        if design:
            body["paymentPageDesign"] = design
        return body

    def _payment_settings(self) -> dict[str, object]:
        redirects = _without_none({"success": self.success_url, "failure": self.failure_url})
        return _without_none(
            {
                "instrumentType": self.instrument_type,
                "providerCode": self.provider_code,
                "acquirerCode": self.acquirer_code,
                "entryMode": self.entry_mode,
                "dataEntryMode": self.data_entry_mode,
                "autoCapture": self.auto_capture,
                "timeLimit": None if self.time_limit is None else _timestamp(self.time_limit),
                "redirectUrls": redirects or None,
                "webhookUrl": self.webhook_url,
            }
        )


@dataclass(frozen=True, slots=True)
class CreatedOrder:
    """The answer to Create Order (or the existing order it turned out to be)."""

    order_number: str
    payment_link: str | None


@dataclass(frozen=True, slots=True)
class Accepted:
    """The provider took an operation on; its outcome arrives by callback or by polling."""

    order_number: str
    operation: str


def _without_none(fields: Mapping[str, object]) -> dict[str, object]:
    return {key: value for key, value in fields.items() if value is not None}


def _timestamp(moment: datetime) -> str:
    """ISO-8601 in UTC with milliseconds and ``Z``, as in the provider's example."""
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.removesuffix("+00:00") + "Z"
