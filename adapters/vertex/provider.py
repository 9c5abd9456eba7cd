"""Vertex Gateway behind the provider port: one façade over the client, the callback reader,
the signatures and the translator.

The service never sees a Vertex type: a callback becomes a ``Fact`` whose detail is the
``OrderSnapshot``; the client's errors become the port's neutral ones (``ProviderRefused``,
``OutcomeUnknown``, ``UnknownAtProvider``); a contradicting snapshot becomes ``FactRejected``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Final, NoReturn, Protocol, TypeVar

from orderstate.adapters.port import (
    CallbackRefused,
    Checkout,
    Created,
    Fact,
    FactRejected,
    Operation,
    Outcome,
    OutcomeUnknown,
    PaymentOption,
    ProviderNotConfigured,
    ProviderRefused,
    ProviderUnreachable,
    Shop,
    UnknownAtProvider,
    Update,
)
from orderstate.engine import Money, Order

from .callbacks import read_callback
from .errors import (
    CallbackTooLarge,
    MalformedCallback,
    NotConnected,
    OrderNotFound,
    ProviderError,
    SignatureVerificationError,
    SnapshotRejected,
)
from .models import OrderSnapshot, PaymentMethod
from .payloads import order_to_json
from .requests import Accepted, CreatedOrder, CreateOrder, Customer
from .signatures import SIGNATURE_HEADER, SignatureScheme, hmac_sha512_hex, sign
from .signatures import sha512_of_body_and_secret as _body_then_secret
from .translate import apply_snapshot

__all__ = ["NAME", "SIGNATURE_SCHEMES", "VertexCalls", "VertexProvider"]

NAME: Final = "vertex"
T = TypeVar("T")

SIGNATURE_SCHEMES: Final[Mapping[str, SignatureScheme]] = MappingProxyType(
    {"hmac-sha512-hex": hmac_sha512_hex, "sha512-body-secret": _body_then_secret}
)
"""The constructions of ``api-notification-sign`` a shop can name (the provider's is
unconfirmed); the first is the default."""


class VertexCalls(Protocol):
    """The calls the façade makes: ``VertexClient``, or a client bound to the simulator."""

    def payment_methods(self, shop_id: int) -> tuple[PaymentMethod, ...]: ...
    def create_order(self, order: CreateOrder) -> CreatedOrder: ...
    def order_details(self, shop_id: int, order_number: str) -> OrderSnapshot: ...
    def capture(self, shop_id: int, order_number: str) -> Accepted: ...
    def cancel(self, shop_id: int, order_number: str) -> Accepted: ...
    def reject(self, shop_id: int, order_number: str) -> Accepted: ...
    def refund(self, shop_id: int, order_number: str, amount: Money) -> Accepted: ...
    def review_decision(self, shop_id: int, order_number: str, accept: bool) -> Accepted: ...


class VertexProvider:
    """The ``Provider`` for Vertex Gateway; ``client`` is None where no call is made (reading
    callbacks needs only the shops' secrets)."""

    name: str = NAME
    captures_in_full: bool = True
    """``POST /order/capture`` takes no amount: Vertex captures the whole authorization."""

    def __init__(self, client: VertexCalls | None = None, *, close: bool = True) -> None:
        self.client = client
        self._close_client = close

    @property
    def connected(self) -> bool:
        return self.client is not None

    def read_callback(
        self,
        body: bytes,
        headers: Mapping[str, str],
        *,
        shop_id: int,
        shop: Shop | None,
        received_at: datetime,
    ) -> Fact:
        try:
            callback = read_callback(
                body,
                headers,
                secrets=shop.secrets if shop else (),
                shop_id=shop_id,
                received_at=received_at,
                scheme=scheme_of(shop),
                limit=len(body),  # the service has judged the size already
            )
        except SignatureVerificationError as error:
            raise CallbackRefused(Outcome.UNAUTHENTICATED, str(error)) from error
        except CallbackTooLarge as error:  # a body over the JSON decoder's own limits
            raise CallbackRefused(Outcome.TOO_LARGE, str(error)) from error
        except MalformedCallback as error:
            raise CallbackRefused(Outcome.MALFORMED, str(error)) from error
        return self.fact(callback.snapshot)

    def fact(self, snapshot: OrderSnapshot) -> Fact:
        """A snapshot (read elsewhere, e.g. polled by a test kit) as the port's fact."""
        return Fact(NAME, snapshot.shop_id, snapshot.order_number, snapshot)

    def sign_callback(self, body: bytes, shop: Shop) -> list[tuple[str, str]]:
        if not shop.secrets:
            raise ValueError("the shop has no callback secret to sign with")
        return [(SIGNATURE_HEADER, sign(body, shop.secrets[0], scheme=scheme_of(shop)))]

    def bring_up_to_date(self, order: Order, fact: Fact) -> Update:
        try:
            translation = apply_snapshot(order, _snapshot(fact))
        except SnapshotRejected as error:
            evidence = json.dumps(order_to_json(error.snapshot), separators=(",", ":")).encode()
            raise FactRejected(order.order_number, error.reason, evidence) from error
        return Update(translation.outcome, translation.events)

    def payment_options(self, shop_id: int) -> tuple[PaymentOption, ...]:
        methods = self._call(lambda client: client.payment_methods(shop_id))
        return tuple(PaymentOption(method_code(m), _method_description(m)) for m in methods)

    def create(self, checkout: Checkout) -> Created:
        instrument, provider, acquirer, entry = _method_fields(checkout.payment_method)
        request = CreateOrder(
            shop_id=checkout.shop_id,
            order_number=checkout.order_number,
            amount=checkout.amount,
            auto_capture=checkout.auto_capture,
            time_limit=checkout.time_limit,
            webhook_url=checkout.webhook_url,
            customer=_customer(checkout),
            success_url=checkout.success_url,
            failure_url=checkout.failure_url,
            instrument_type=instrument,
            provider_code=provider,
            acquirer_code=acquirer,
            entry_mode=entry,
        )
        created = self._call(lambda client: client.create_order(request))
        return Created(created.payment_link)

    def request(self, operation: Operation, order: Order, amount: Money | None) -> None:
        shop, number = order.shop_id, order.order_number
        calls: dict[Operation, Callable[[VertexCalls], object]] = {
            Operation.CAPTURE: lambda client: client.capture(shop, number),
            Operation.CANCEL: lambda client: client.cancel(shop, number),
            Operation.REJECT: lambda client: client.reject(shop, number),
            Operation.REFUND: lambda client: client.refund(shop, number, _required(amount)),
            Operation.ACCEPT_REVIEW: lambda client: client.review_decision(shop, number, True),
            Operation.DECLINE_REVIEW: lambda client: client.review_decision(shop, number, False),
        }
        self._call(calls[operation])

    def poll(self, shop_id: int, order_number: str) -> Fact:
        return self.fact(self._call(lambda client: client.order_details(shop_id, order_number)))

    def close(self) -> None:
        closer = getattr(self.client, "close", None)
        if self._close_client and callable(closer):
            closer()

    def _call(self, call: Callable[[VertexCalls], T]) -> T:
        if self.client is None:
            raise ProviderNotConfigured("this calls Vertex Gateway: set its access token")
        try:
            return call(self.client)
        except ProviderError as error:
            _raise_neutral(error)


def scheme_of(shop: Shop | None) -> SignatureScheme:
    """The signature construction a shop names (the default when it names none)."""
    name = shop.signature if shop else None
    if name is None:
        return hmac_sha512_hex
    try:
        return SIGNATURE_SCHEMES[name]
    except KeyError:
        known = ", ".join(SIGNATURE_SCHEMES)
        raise ValueError(f"unknown Vertex signature scheme {name!r}; one of {known}") from None


def _snapshot(fact: Fact) -> OrderSnapshot:
    if not isinstance(fact.detail, OrderSnapshot):
        raise TypeError(f"a {fact.provider} fact reached the Vertex provider")
    return fact.detail


def _customer(checkout: Checkout) -> Customer | None:
    given = checkout.customer
    if given is None:
        return None
    return Customer(
        first_name=given.first_name,
        last_name=given.last_name,
        email=given.email,
        phone=given.phone,
        customer_id=given.customer_id,
    )


def _required(amount: Money | None) -> Money:
    if amount is None:
        raise ValueError("a refund needs an amount")
    return amount


def _raise_neutral(error: ProviderError) -> NoReturn:
    if isinstance(error, OrderNotFound):
        raise UnknownAtProvider(str(error)) from error
    if isinstance(error, NotConnected):
        raise ProviderUnreachable(str(error)) from error
    if error.ambiguous:
        raise OutcomeUnknown(str(error)) from error
    raise ProviderRefused(str(error)) from error


METHOD_SEPARATOR = "/"
"""Between the parts of a payment method's code: ``instrumentType/providerCode/acquirerCode``
(and ``/entryMode`` when the method has one), the fields Create Order takes back."""


def method_code(method: PaymentMethod) -> str:
    """The port's code for one listed payment method (every field Create Order needs)."""
    parts = [method.instrument_type, method.provider_code, method.acquirer_code]
    return METHOD_SEPARATOR.join([*parts, *([method.entry_mode] if method.entry_mode else [])])


def _method_description(method: PaymentMethod) -> str:
    modes = ", ".join(method.data_entry_modes)
    return f"{method.instrument_type} by {method.provider_code} via {method.acquirer_code}" + (
        f" ({modes})" if modes else ""
    )


def _method_fields(code: str | None) -> tuple[str | None, str | None, str | None, str | None]:
    """Create Order's payment-method fields (instrument, provider, acquirer, entry mode) from
    a code ``method_code`` made; all None when no method was chosen."""
    if code is None:
        return None, None, None, None
    parts = code.split(METHOD_SEPARATOR)
    if len(parts) not in (3, 4) or not all(parts):
        raise ValueError(
            f"payment method {code!r} is not one Vertex listed: expected "
            "instrumentType/providerCode/acquirerCode[/entryMode] (see `orderstate methods`)"
        )
    instrument, provider, acquirer, *entry = parts
    return instrument, provider, acquirer, entry[0] if entry else None
