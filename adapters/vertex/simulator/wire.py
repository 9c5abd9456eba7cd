"""Reading the simulator's request bodies: JSON in, validated values out, or a 400 naming a field.

What is checked follows the provider's Create Order page (section 3.2 of the provider notes):
``orderNumber`` is Latin letters, digits and inner hyphens, at most 255 characters (the newer
page); amounts are decimal strings with no more places than the currency has (``Money.parse``);
``customer`` needs ``firstName`` and ``lastName``; payment-method codes, when given, must name
one of the shop's methods; ``autoCapture: false`` is for cards only. Unknown fields are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from orderstate.engine.errors import InvalidAmount, UnknownCurrency
from orderstate.engine.money import Money

from ..errors import MalformedCallback, ProviderError
from ..models import PaymentMethod
from ..payloads import parse_json
from .refusals import invalid
from .state import NewOrder

__all__ = [
    "BODY_LIMIT",
    "read_action",
    "read_amount",
    "read_body",
    "read_create",
    "read_path_shop_id",
    "read_refund",
    "read_review",
]

BODY_LIMIT = 64 * 1024

_ORDER_NUMBER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,253}[A-Za-z0-9])?")
_MAX_TEXT = 255
_METHOD_FIELDS = (
    ("instrumentType", "instrument_type"),
    ("providerCode", "provider_code"),
    ("acquirerCode", "acquirer_code"),
)


def read_body(raw: bytes) -> object:
    """Strict JSON (no floats, no duplicate keys), or a 400 about ``body``."""
    try:
        return parse_json(raw, limit=BODY_LIMIT)
    except MalformedCallback as error:
        raise invalid("body", error.reason) from None


def read_path_shop_id(value: str | int) -> int:
    text = str(value)  # the details route already converts it (``{shopId:int}``)
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise invalid("shopId", "must be a positive integer")
    return int(text)


def read_create(body: object, methods: Iterable[PaymentMethod]) -> NewOrder:
    """A Create Order body, validated."""
    data = _object(body, "body")
    shop_id = _shop_id(data)
    order = _object(_required(data, "order", "order"), "order")
    number = _order_number(
        _required(order, "orderNumber", "order.orderNumber"), "order.orderNumber"
    )
    cost = _cost(_required(order, "cost", "order.cost"), "order.cost")
    if cost.is_zero:
        raise invalid("order.cost.amount", "must be greater than zero")
    if data.get("customer") is not None:
        _customer(_object(data["customer"], "customer"))
    settings = data.get("paymentSettings")
    if settings is None:
        return NewOrder(shop_id=shop_id, order_number=number, cost=cost)
    return _with_settings(shop_id, number, cost, _object(settings, "paymentSettings"), methods)


def read_action(body: object) -> tuple[int, str]:
    """``{shopId, orderNumber}`` of capture, cancel and reject."""
    data = _object(body, "body")
    shop_id = _shop_id(data)
    return shop_id, _order_number(_required(data, "orderNumber", "orderNumber"), "orderNumber")


def read_refund(body: object) -> tuple[int, str, Money]:
    """``{shopId, orderNumber, cost}``; other fields (a payment reference) are ignored."""
    shop_id, number = read_action(body)
    data = _object(body, "body")
    return shop_id, number, _cost(_required(data, "cost", "cost"), "cost")


def read_review(body: object) -> tuple[int, str, bool]:
    """``{shopId, orderNumber, decision}``; True means accept."""
    shop_id, number = read_action(body)
    decision = _object(body, "body").get("decision")
    if decision not in ("accept", "decline"):
        raise invalid("decision", "must be 'accept' or 'decline'")
    return shop_id, number, decision == "accept"


def read_amount(text: str, currency: str) -> Money:
    """The payment page's optional ``amount`` field, in the order's currency."""
    return _money(text, currency, "amount")


# --- pieces -----------------------------------------------------------------------------------


def _with_settings(
    shop_id: int,
    number: str,
    cost: Money,
    settings: Mapping[str, object],
    methods: Iterable[PaymentMethod],
) -> NewOrder:
    auto_capture = settings.get("autoCapture", True)
    if not isinstance(auto_capture, bool):
        raise invalid("paymentSettings.autoCapture", "must be a boolean")
    _method(settings, methods, auto_capture=auto_capture)
    _redirects(settings.get("redirectUrls"))
    return NewOrder(
        shop_id=shop_id,
        order_number=number,
        cost=cost,
        auto_capture=auto_capture,
        time_limit=_time_limit(settings.get("timeLimit")),
        webhook_url=_url(settings.get("webhookUrl"), "paymentSettings.webhookUrl"),
    )


def _method(
    settings: Mapping[str, object], methods: Iterable[PaymentMethod], *, auto_capture: bool
) -> None:
    """The codes given (any of them) must all belong to one of the shop's payment methods."""
    candidates = list(methods)
    for key, attribute in _METHOD_FIELDS:
        value = settings.get(key)
        if value is None:
            continue
        path = f"paymentSettings.{key}"
        candidates = [m for m in candidates if getattr(m, attribute) == _text(value, path)]
        if not candidates:
            raise invalid(path, f"names no payment method of the shop ({value!r})")
    if not auto_capture and settings.get("instrumentType", "card") != "card":
        raise invalid("paymentSettings.autoCapture", "false (two-stage) is for cards only")


def _time_limit(value: object) -> datetime | None:
    if value is None:
        return None
    path = "paymentSettings.timeLimit"
    try:
        when = datetime.fromisoformat(_text(value, path))
    except ValueError:
        raise invalid(path, "must be an ISO-8601 date-time") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def _redirects(value: object) -> None:
    if value is None:
        return
    urls = _object(value, "paymentSettings.redirectUrls")
    for key in ("success", "failure"):
        _url(urls.get(key), f"paymentSettings.redirectUrls.{key}")


def _url(value: object, path: str) -> str | None:
    if value is None:
        return None
    url = _text(value, path)
    if not url.startswith(("http://", "https://")):
        raise invalid(path, "must be an http(s) URL")
    return url


def _customer(customer: Mapping[str, object]) -> None:
    for key in ("firstName", "lastName"):
        _text(_required(customer, key, f"customer.{key}"), f"customer.{key}")
    for key in ("customerId", "middleName", "phone", "email"):
        value = customer.get(key)
        if value is not None and len(_text(value, f"customer.{key}")) > _MAX_TEXT:
            raise invalid(f"customer.{key}", f"is longer than {_MAX_TEXT} characters")


def _shop_id(data: Mapping[str, object]) -> int:
    value = _required(data, "shopId", "shopId")
    if type(value) is not int or value < 1:
        raise invalid("shopId", "must be a positive integer")
    return value


def _order_number(value: object, path: str) -> str:
    number = _text(value, path)
    if len(number) > _MAX_TEXT or _ORDER_NUMBER.fullmatch(number) is None:
        reason = "must be 1-255 Latin letters, digits and hyphens, not starting or ending with '-'"
        raise invalid(path, reason)
    return number


def _cost(value: object, path: str) -> Money:
    cost = _object(value, path)
    currency = _text(_required(cost, "currency", f"{path}.currency"), f"{path}.currency")
    amount = _text(_required(cost, "amount", f"{path}.amount"), f"{path}.amount")
    return _money(amount, currency, path)


def _money(amount: str, currency: str, path: str) -> Money:
    try:
        return Money.parse(amount, currency)
    except UnknownCurrency:
        raise _field_error(path, "currency", f"is not a known currency ({currency!r})") from None
    except InvalidAmount as error:
        raise _field_error(path, "amount", f"is not a valid amount: {error.reason}") from None


def _field_error(path: str, leaf: str, reason: str) -> ProviderError:
    # The payment page's lone "amount" has no sub-fields; a cost object has both.
    return invalid(path if path == "amount" else f"{path}.{leaf}", reason)


def _required(data: Mapping[str, object], key: str, path: str) -> object:
    value = data.get(key)
    if value is None:
        raise invalid(path, "is required")
    return value


def _object(value: object, path: str) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise invalid(path, "must be a JSON object")
    return value


def _text(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise invalid(path, "must be a string")
    return value
