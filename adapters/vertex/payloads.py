"""Reading and writing Vertex Gateway's ORDER object: the one parser for callbacks and details.

The same ORDER object arrives as a callback body and inside Retrieve Order Details, so both go
through ``parse_order``, which turns it into a typed ``OrderSnapshot`` or raises
``MalformedCallback`` naming the field at fault in a JSON-path-like spelling
(``payments[1].cost.amount``). ``order_to_json`` is its inverse and writes the newer spelling.

What the parser accepts, and why:

- Both spellings: ``orderNumber``/``orderStatus`` and the older callback's ``number``/``status``.
  If a body carries both spellings of a field they must agree.
- Amounts only as decimal strings, converted exactly by ``Money.parse`` (``"10.000000000"`` BRL
  is 10.00 BRL; ``"10.001"`` BRL is refused). ``parse_json`` decodes JSON numbers with a
  fraction as ``Decimal`` so that no float ever exists, and a number where a string belongs is
  refused by type.
- Payments must be in the order's currency; comparing that currency with the local order is the
  translation layer's job.
- Statuses must be known (an unknown one is refused, naming it); ``canceled`` is read as
  ``cancelled`` because the provider's docs show both spellings.
- ``orderNumber`` is any non-empty string of at most 255 characters: the newer docs allow only
  letters, digits and hyphens, but older callbacks show ``7_1706275173``.
- Unknown fields are ignored; optional fields (``id``, ``paymentLink``, ``reviewTimeout``,
  ``paymentType``, ``shopId`` when the caller knows the shop) may be absent or null.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TypeVar

from orderstate.adapters.port import DEFAULT_BODY_LIMIT as PORT_BODY_LIMIT
from orderstate.engine.errors import InvalidAmount, UnknownCurrency
from orderstate.engine.money import Money

from .errors import CallbackTooLarge, MalformedCallback
from .models import OrderSnapshot, OrderStatus, Payment, PaymentStatus, PaymentType

__all__ = [
    "DEFAULT_BODY_LIMIT",
    "MAX_ORDER_NUMBER_LENGTH",
    "as_list",
    "as_object",
    "as_string",
    "cost_json",
    "order_to_json",
    "parse_json",
    "parse_order",
]

DEFAULT_BODY_LIMIT = PORT_BODY_LIMIT
"""Largest body, in bytes, that ``parse_json`` decodes unless told otherwise."""

MAX_ORDER_NUMBER_LENGTH = 255
"""The provider's documented limit for ``orderNumber``."""

# The older docs spell it both ways; the API appears to use "cancelled".
_STATUS_ALIASES = {"canceled": "cancelled"}


# --- JSON -----------------------------------------------------------------------------------


def parse_json(body: bytes, *, limit: int = DEFAULT_BODY_LIMIT) -> object:
    """Decode a body as strict UTF-8 JSON, refusing it unread if it is over ``limit`` bytes."""
    if len(body) > limit:
        raise CallbackTooLarge(len(body), limit)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        reason = f"not UTF-8: {error.reason} at byte {error.start}"
        raise MalformedCallback("body", reason) from None
    try:
        return json.loads(
            text,
            parse_float=Decimal,  # never a float: an amount sent as a number is refused by type
            parse_constant=_refuse_constant,
            object_pairs_hook=_refuse_duplicate_keys,
        )
    except json.JSONDecodeError as error:
        reason = f"not JSON: {error.msg} at line {error.lineno} column {error.colno}"
        raise MalformedCallback("body", reason) from None
    except ValueError as error:  # e.g. an integer over Python's int-from-string digit limit
        raise MalformedCallback("body", f"not readable JSON: {error}") from None
    except RecursionError:
        raise MalformedCallback("body", "JSON nested too deeply") from None


def _refuse_constant(name: str) -> object:
    """NaN and Infinity are not JSON, though Python's decoder accepts them by default."""
    raise MalformedCallback("body", f"{name} is not valid JSON")


def _refuse_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """A signed body whose keys repeat could be read two ways; refuse it instead of guessing."""
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise MalformedCallback("body", f"key {key!r} appears twice in one object")
        result[key] = value
    return result


# --- ORDER -> OrderSnapshot -----------------------------------------------------------------


def parse_order(data: object, *, shop_id: int | None = None) -> OrderSnapshot:
    """Read one ORDER object; ``shop_id`` is the shop the caller knows (e.g. from the URL)."""
    order = as_object(data, "body")
    cost = _money(_required(order, "cost", "cost"), "cost")
    payments = as_list(_required(order, "payments", "payments"), "payments")
    return OrderSnapshot(
        shop_id=_shop_id(order, shop_id),
        order_number=_order_number(order),
        status=_status(OrderStatus, *_either(order, "orderStatus", "status")),
        cost=cost,
        payments=tuple(
            _payment(item, f"payments[{index}]", cost.currency)
            for index, item in enumerate(payments)
        ),
        gateway_id=_optional(order, "id", "id", _integer),
        payment_link=_optional(order, "paymentLink", "paymentLink", as_string),
        review_timeout_hours=_optional(order, "reviewTimeout", "reviewTimeout", _hours),
    )


def _shop_id(order: Mapping[str, object], known: int | None) -> int:
    """The body's ``shopId`` and the caller's shop must agree; one of them must be there."""
    given = _optional(order, "shopId", "shopId", _integer)
    if given is None:
        if known is None:
            raise MalformedCallback("shopId", "missing, and the shop is not known otherwise")
        return known
    if known is not None and given != known:
        raise MalformedCallback("shopId", f"{given} is not the expected shop {known}")
    return given


def _order_number(order: Mapping[str, object]) -> str:
    value, path = _either(order, "orderNumber", "number")
    number = as_string(value, path)
    if not number:
        raise MalformedCallback(path, "must not be empty")
    if len(number) > MAX_ORDER_NUMBER_LENGTH:
        raise MalformedCallback(path, f"longer than {MAX_ORDER_NUMBER_LENGTH} characters")
    return number


def _payment(data: object, path: str, currency: str) -> Payment:
    item = as_object(data, path)
    amount = _money(_required(item, "cost", f"{path}.cost"), f"{path}.cost")
    if amount.currency != currency:
        reason = f"{amount.currency} is not the order's currency {currency}"
        raise MalformedCallback(f"{path}.cost.currency", reason)
    status = as_object(
        _required(item, "paymentStatus", f"{path}.paymentStatus"), f"{path}.paymentStatus"
    )
    status_path = f"{path}.paymentStatus.status"
    payment_type = _optional(item, "paymentType", f"{path}.paymentType", _payment_type)
    return Payment(
        status=_status(PaymentStatus, _required(status, "status", status_path), status_path),
        amount=amount,
        payment_type=PaymentType.PAYMENT if payment_type is None else payment_type,
    )


def _money(data: object, path: str) -> Money:
    """An exact amount from ``{"amount": "56.99", "currency": "PHP"}``."""
    cost = as_object(data, path)
    currency = as_string(_required(cost, "currency", f"{path}.currency"), f"{path}.currency")
    amount = as_string(_required(cost, "amount", f"{path}.amount"), f"{path}.amount")
    try:
        return Money.parse(amount, currency)
    except UnknownCurrency:
        raise MalformedCallback(f"{path}.currency", f"unknown currency {currency!r}") from None
    except InvalidAmount as error:
        raise MalformedCallback(f"{path}.amount", f"{amount!r}: {error.reason}") from None


# --- field helpers ----------------------------------------------------------------------------

_T = TypeVar("_T")


def _required(data: Mapping[str, object], key: str, path: str) -> object:
    """``data[key]``; missing or null is refused, naming ``path``."""
    value = data.get(key)
    if value is None:
        raise MalformedCallback(path, "required field is missing")
    return value


def _optional(
    data: Mapping[str, object], key: str, path: str, read: Callable[[object, str], _T]
) -> _T | None:
    """``data[key]`` checked by ``read``, or None when it is absent or null."""
    value = data.get(key)
    return None if value is None else read(value, path)


def _either(data: Mapping[str, object], new: str, old: str) -> tuple[object, str]:
    """A field under its newer or older name (and which); if both appear they must agree."""
    newer, older = data.get(new), data.get(old)
    if newer is not None and older is not None and (type(newer), newer) != (type(older), older):
        raise MalformedCallback(new, f"{newer!r} disagrees with {old!r} {older!r}")
    if newer is not None:
        return newer, new
    if older is not None:
        return older, old
    raise MalformedCallback(new, f"required field is missing (nor is {old!r} there)")


def as_object(value: object, path: str) -> Mapping[str, object]:
    """``value`` if it is a JSON object; otherwise ``MalformedCallback`` naming ``path``."""
    if not isinstance(value, dict):
        raise MalformedCallback(path, f"expected a JSON object, got {_kind(value)}")
    return value


def as_list(value: object, path: str) -> list[object]:
    """``value`` if it is a JSON array; otherwise ``MalformedCallback`` naming ``path``."""
    if not isinstance(value, list):
        raise MalformedCallback(path, f"expected a JSON array, got {_kind(value)}")
    return value


def as_string(value: object, path: str) -> str:
    """``value`` if it is a string that is text; otherwise ``MalformedCallback`` naming ``path``.

    JSON's ``\\ud800`` escape decodes to a lone surrogate, which no UTF-8 store can hold: read
    as text it would fail every save (and every replay) of whatever it reached.
    """
    if not isinstance(value, str):
        raise MalformedCallback(path, f"expected a string, got {_kind(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        reason = f"not text: a lone surrogate at character {error.start}"
        raise MalformedCallback(path, reason) from None
    return value


def _integer(value: object, path: str) -> int:
    if type(value) is not int:  # bool is an int subclass, and `true` is not an id
        raise MalformedCallback(path, f"expected an integer, got {_kind(value)}")
    return value


def _hours(value: object, path: str) -> int:
    hours = _integer(value, path)
    if hours < 0:
        raise MalformedCallback(path, f"negative number of hours: {hours}")
    return hours


_Status = TypeVar("_Status", OrderStatus, PaymentStatus)


def _status(kind: type[_Status], value: object, path: str) -> _Status:
    text = as_string(value, path)
    try:
        return kind(_STATUS_ALIASES.get(text, text))
    except ValueError:
        raise MalformedCallback(path, f"unknown status {text!r}") from None


def _payment_type(value: object, path: str) -> PaymentType:
    text = as_string(value, path)
    try:
        return PaymentType(text)
    except ValueError:
        raise MalformedCallback(path, f"unknown payment type {text!r}") from None


def _kind(value: object) -> str:
    """The JSON name of a decoded value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float | Decimal):
        return f"a number ({value})"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


# --- OrderSnapshot -> ORDER -----------------------------------------------------------------


def cost_json(money: Money) -> dict[str, object]:
    """``{"amount": "56.99", "currency": "PHP"}``: how the API writes an amount."""
    return {"amount": money.format_amount(), "currency": money.currency}


def order_to_json(snapshot: OrderSnapshot) -> dict[str, object]:
    """The ORDER object for ``snapshot`` in the newer spelling; ``parse_order`` reads it back."""
    data: dict[str, object] = {}
    if snapshot.gateway_id is not None:
        data["id"] = snapshot.gateway_id
    data["shopId"] = snapshot.shop_id
    data["orderNumber"] = snapshot.order_number
    data["orderStatus"] = snapshot.status.value
    data["cost"] = cost_json(snapshot.cost)
    data["payments"] = [
        {
            "paymentType": payment.payment_type.value,
            "paymentStatus": {"status": payment.status.value},
            "cost": cost_json(payment.amount),
        }
        for payment in snapshot.payments
    ]
    if snapshot.payment_link is not None:
        data["paymentLink"] = snapshot.payment_link
    if snapshot.review_timeout_hours is not None:
        data["reviewTimeout"] = snapshot.review_timeout_hours
    return data
