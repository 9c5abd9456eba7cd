"""The Vertex Gateway Merchant API over HTTP: a sync and an async client sharing one core.

Each endpoint is a pure description, a ``Call`` (method, path, JSON body, how to read
``data``). ``build_request`` turns a call into an ``httpx.Request``; ``decode_reply`` turns the
answer, or the transport failure, into a model or an error from the ``errors`` tree. Retrying a
read and creating an order idempotently are *plans*: generators that yield requests to send and
pauses to sleep, and receive the replies. ``VertexClient`` and ``AsyncVertexClient`` differ only
in how they run a plan, so both behave the same by construction.

Creation is idempotent because the provider identifies an order by (shopId, orderNumber): after
an ambiguous failure (timeout, transport failure, 5xx) the client looks the order up before it
posts again, and a 409 duplicate is adopted only if the amount matches. Nothing else is ever
posted twice.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Generic, Self, TypeVar
from urllib.parse import quote

import anyio
import httpx

from orderstate.engine.errors import MoneyError
from orderstate.engine.money import Money

from .errors import (
    Conflict,
    MalformedCallback,
    NotConnected,
    OrderNotFound,
    ProviderError,
    ProviderTimeout,
    TransportFailed,
    UnreadableAnswer,
    error_for_status,
)
from .models import OrderSnapshot, PaymentMethod
from .payloads import as_list, as_object, as_string, cost_json, parse_json, parse_order
from .requests import (
    PRODUCTION_BASE_URL,
    STAGE_BASE_URL,
    Accepted,
    CreatedOrder,
    CreateOrder,
    Customer,
)
from .retry import RetryPolicy, backoff, decide

__all__ = [
    "DEFAULT_ORDER_DETAILS_PATH",
    "PRODUCTION_BASE_URL",
    "STAGE_BASE_URL",
    "Accepted",
    "AsyncVertexClient",
    "Call",
    "CreateOrder",
    "CreatedOrder",
    "Customer",
    "Pause",
    "VertexClient",
    "VertexConfig",
    "build_request",
    "decode_reply",
]

_log = logging.getLogger(__name__)

DEFAULT_ORDER_DETAILS_PATH = "/order/{shop_id}/{order_number}"
"""Our assumption: the provider documents Retrieve Order Details by name only."""

RESPONSE_BODY_LIMIT = 1024 * 1024
"""Largest answer body, in bytes, the client decodes."""

_ERROR_SNIPPET = 200  # characters of a non-JSON error body kept as its detail

T = TypeVar("T")


def _default_timeout() -> httpx.Timeout:
    return httpx.Timeout(15.0, connect=5.0)


@dataclass(frozen=True, kw_only=True, slots=True)
class VertexConfig:
    """Where and how to reach the provider; every unknown of the API is a setting here."""

    token: str = field(repr=False)
    base_url: str = STAGE_BASE_URL
    timeout: httpx.Timeout = field(default_factory=_default_timeout)
    order_details_path: str = DEFAULT_ORDER_DETAILS_PATH
    """Template with ``{shop_id}`` and ``{order_number}``; may carry a query string."""
    refund_payment_field: str | None = None
    """Name of the refund body's payment-reference field; unknown, so not sent by default."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        """Refuse a configuration that could only fail later, on the first request."""
        if not self.token:
            raise ValueError("an Api-Access-Token is required")
        path = self.order_details_path
        if "{shop_id}" not in path or "{order_number}" not in path:
            raise ValueError(f"order_details_path needs {{shop_id}} and {{order_number}}: {path!r}")
        try:
            path.format(shop_id=1, order_number="x")
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(f"order_details_path is not a valid template: {error}") from None


# --- calls: what each endpoint sends and how its data is read ----------------------------------


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One endpoint invocation, before any I/O."""

    method: str
    path: str
    decode: Callable[[object], T]
    """Reads the envelope's ``data`` (None when an empty body is allowed and came)."""
    body: Mapping[str, object] | None = None
    what: str = "answer"
    empty_ok: bool = False
    """Operations answered "in progress" may come with no body at all (our assumption)."""


def _segment(value: object) -> str:
    return quote(str(value), safe="")


def _payment_methods_call(shop_id: int) -> Call[tuple[PaymentMethod, ...]]:
    path = f"/shops/{_segment(shop_id)}/payment-methods"
    return Call("GET", path, _payment_methods, what="payment methods")


def _order_details_call(config: VertexConfig, shop_id: int, number: str) -> Call[OrderSnapshot]:
    path = config.order_details_path.format(
        shop_id=_segment(shop_id), order_number=_segment(number)
    )
    return Call("GET", path, lambda data: parse_order(data, shop_id=shop_id), what="order details")


def _create_order_call(order: CreateOrder) -> Call[CreatedOrder]:
    return Call("POST", "/order", _created_order, body=order.to_json(), what="created order")


def _operation_call(
    operation: str, path: str, order_number: str, body: Mapping[str, object]
) -> Call[Accepted]:
    return Call(
        "POST",
        path,
        lambda _data: Accepted(order_number, operation),
        body=body,
        what=f"{operation} answer",
        empty_ok=True,
    )


def _action_call(operation: str, shop_id: int, order_number: str) -> Call[Accepted]:
    body = {"shopId": shop_id, "orderNumber": order_number}
    return _operation_call(operation, f"/order/{operation}", order_number, body)


def _refund_call(
    config: VertexConfig,
    shop_id: int,
    order_number: str,
    amount: Money,
    payment_reference: str | None,
) -> Call[Accepted]:
    body: dict[str, object] = {
        "shopId": shop_id,
        "orderNumber": order_number,
        "cost": cost_json(amount),
    }
    if payment_reference is not None:
        if config.refund_payment_field is None:
            raise ValueError("set VertexConfig.refund_payment_field to send a payment reference")
        body[config.refund_payment_field] = payment_reference
    return _operation_call("refund", "/order/refund", order_number, body)


def _review_call(shop_id: int, order_number: str, accept: bool) -> Call[Accepted]:
    body = {
        "shopId": shop_id,
        "orderNumber": order_number,
        "decision": "accept" if accept else "decline",
    }
    return _operation_call("review", "/order/review/result", order_number, body)


def _created_order(data: object) -> CreatedOrder:
    created = as_object(data, "data")
    link = created.get("paymentLink")
    return CreatedOrder(
        order_number=as_string(created.get("orderNumber"), "data.orderNumber"),
        payment_link=None if link is None else as_string(link, "data.paymentLink"),
    )


_METHOD_KEYS = frozenset(
    {"providerCode", "acquirerCode", "instrumentType", "entryMode", "dataEntryModes"}
)


def _payment_methods(data: object) -> tuple[PaymentMethod, ...]:
    items = as_list(data, "data")
    return tuple(_payment_method(item, f"data[{index}]") for index, item in enumerate(items))


def _payment_method(data: object, path: str) -> PaymentMethod:
    method = as_object(data, path)
    modes = as_list(method.get("dataEntryModes"), f"{path}.dataEntryModes")
    entry_mode = method.get("entryMode")
    return PaymentMethod(
        provider_code=as_string(method.get("providerCode"), f"{path}.providerCode"),
        acquirer_code=as_string(method.get("acquirerCode"), f"{path}.acquirerCode"),
        instrument_type=as_string(method.get("instrumentType"), f"{path}.instrumentType"),
        data_entry_modes=tuple(
            as_string(mode, f"{path}.dataEntryModes[{index}]") for index, mode in enumerate(modes)
        ),
        entry_mode=None if entry_mode is None else as_string(entry_mode, f"{path}.entryMode"),
        extra={key: value for key, value in method.items() if key not in _METHOD_KEYS},
    )


# --- the shared core: request building and reply decoding --------------------------------------


def build_request(config: VertexConfig, call: Call[T]) -> httpx.Request:
    """The HTTP request for ``call``, with the auth header and the configured timeouts."""
    return httpx.Request(
        call.method,
        config.base_url.rstrip("/") + call.path,
        headers={"Api-Access-Token": config.token, "Accept": "application/json"},
        json=call.body,
        # On the request itself, so an injected client's own default cannot replace it.
        extensions={"timeout": config.timeout.as_dict()},
    )


def decode_reply(
    call: Call[T], request: httpx.Request, reply: httpx.Response | httpx.TransportError
) -> T:
    """The model for a success answer; otherwise raise the matching ``ProviderError``."""
    if isinstance(reply, httpx.ConnectError | httpx.ConnectTimeout):
        message = f"could not connect to {request.url.host}:{request.url.port}: {reply}"
        raise NotConnected(message, request=request) from reply
    if isinstance(reply, httpx.TimeoutException):
        message = f"no answer in time ({type(reply).__name__})"
        raise ProviderTimeout(message, request=request) from reply
    if isinstance(reply, httpx.TransportError):
        message = f"transport failed ({type(reply).__name__}: {reply})"
        raise TransportFailed(message, request=request) from reply
    if not reply.is_success:
        raise _error_from(reply, request)
    data = _envelope(call, reply, request)
    try:
        return call.decode(data)
    except (MalformedCallback, MoneyError) as error:
        message = f"{reply.status_code} answer: unreadable {call.what}: {error}"
        raise UnreadableAnswer(message, status=reply.status_code, request=request) from error


def _envelope(call: Call[T], response: httpx.Response, request: httpx.Request) -> object:
    """The ``data`` of ``{"data": ...}``, read without ever producing a float."""
    status = response.status_code
    if call.empty_ok and not response.content.strip():
        return None
    try:
        body = parse_json(response.content, limit=RESPONSE_BODY_LIMIT)
    except MalformedCallback as error:
        message = f"{status} answer is not JSON: {error.reason}"
        raise UnreadableAnswer(message, status=status, request=request) from None
    if not isinstance(body, dict) or "data" not in body:
        message = f'{status} answer lacks the {{"data": ...}} envelope'
        raise UnreadableAnswer(message, status=status, request=request)
    return body["data"]


def _error_from(response: httpx.Response, request: httpx.Request) -> ProviderError:
    """The error for a failure answer, with the provider's code, title and detail if given."""
    status = response.status_code
    code, title, detail = _error_fields(response)
    message = f"{status} {title or response.reason_phrase or 'error'}"
    if code:
        message += f" [{code}]"
    if detail:
        message += f": {detail}"
    cls = error_for_status(status)
    return cls(message, status=status, code=code, title=title, detail=detail, request=request)


def _error_fields(response: httpx.Response) -> tuple[str | None, str | None, str | None]:
    """``{code, title, detail}``; a body that is not such an object becomes the detail."""
    try:
        body = parse_json(response.content, limit=RESPONSE_BODY_LIMIT)
    except MalformedCallback:
        body = None
    if not isinstance(body, dict):
        snippet = response.text.strip()[:_ERROR_SNIPPET]
        return None, None, snippet or None
    return _scalar(body.get("code")), _scalar(body.get("title")), _scalar(body.get("detail"))


def _scalar(value: object) -> str | None:
    """A string field that some error bodies may send as a number (``"code": 401``)."""
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, bool | dict | list):
        return None
    return str(value)


# --- plans: retries and idempotent creation, shared by both clients ----------------------------


@dataclass(frozen=True, slots=True)
class Pause:
    """A plan step: sleep this long before the next request."""

    seconds: float


Step = httpx.Request | Pause
Reply = httpx.Response | httpx.TransportError | None
Plan = Generator[Step, Reply, T]


def _exchange(config: VertexConfig, call: Call[T], rng: random.Random) -> Plan[T]:
    """Send ``call`` and decode the answer, repeating a read as the retry policy allows."""
    request = build_request(config, call)
    attempt = 1
    while True:
        reply = yield request
        if reply is None:
            raise RuntimeError("the driver must answer a request with a response or an error")
        try:
            return decode_reply(call, request, reply)
        except ProviderError as error:
            raw_error = type(reply) if isinstance(reply, httpx.TransportError) else None
            delay = decide(
                config.retry,
                method=request.method,
                attempt=attempt,
                status=error.status,
                error=raw_error,
                rng=rng,
            )
            if delay is None:
                raise
            _log.warning("retrying in %.2f s after attempt %d: %s", delay, attempt, error)
        yield Pause(delay)
        attempt += 1


def _create(config: VertexConfig, order: CreateOrder, rng: random.Random) -> Plan[CreatedOrder]:
    """Post the order at most until the provider has it, and never twice if it might."""
    call = _create_order_call(order)
    attempt = 1
    while True:
        try:
            return (yield from _exchange(config, call, rng))
        except Conflict as duplicate:
            return (yield from _adopt_duplicate(config, order, duplicate, rng))
        except ProviderError as error:
            if not error.ambiguous:
                raise
            ambiguous = error
        _log.warning("creating %s was ambiguous, looking it up: %s", order.order_number, ambiguous)
        found = yield from _look_up_after(config, order, ambiguous, rng)
        if found is not None:
            return found
        if attempt >= config.retry.max_attempts:
            raise ambiguous
        yield Pause(backoff(config.retry, attempt, rng))
        attempt += 1


def _look_up_after(
    config: VertexConfig, order: CreateOrder, ambiguous: ProviderError, rng: random.Random
) -> Plan[CreatedOrder | None]:
    """The order if the provider has it, None if it surely has not; else the ambiguous error."""
    lookup = _order_details_call(config, order.shop_id, order.order_number)
    try:
        snapshot = yield from _exchange(config, lookup, rng)
    except OrderNotFound:
        return None
    except ProviderError as error:
        # Still unknown: the caller's reconciliation settles it later.
        ambiguous.add_note(f"looking the order up failed too: {error}")
        raise ambiguous from ambiguous.__cause__
    return _adopt(order, snapshot, None)


def _adopt_duplicate(
    config: VertexConfig, order: CreateOrder, duplicate: Conflict, rng: random.Random
) -> Plan[CreatedOrder]:
    """After a 409: the existing order is ours only if it asks for the same amount."""
    lookup = _order_details_call(config, order.shop_id, order.order_number)
    try:
        snapshot = yield from _exchange(config, lookup, rng)
    except ProviderError as error:
        if error.ambiguous:
            raise  # whether the existing order is ours is unknown
        duplicate.add_note(f"looking the existing order up failed: {error}")
        raise duplicate from duplicate.__cause__
    return _adopt(order, snapshot, duplicate)


def _adopt(order: CreateOrder, snapshot: OrderSnapshot, duplicate: Conflict | None) -> CreatedOrder:
    """Take an existing order as the result of creating ``order``, or refuse it as another's."""
    if snapshot.cost != order.amount:
        message = (
            f"order {order.order_number!r} already exists for {snapshot.cost}, not {order.amount}"
        )
        if duplicate is None:
            raise Conflict(message)
        raise Conflict(
            message,
            status=duplicate.status,
            code=duplicate.code,
            title=duplicate.title,
            detail=duplicate.detail,
            request=duplicate.request,
        ) from duplicate
    return CreatedOrder(order.order_number, snapshot.payment_link)


# --- the clients -------------------------------------------------------------------------------


class VertexClient:
    """Blocking client; pass ``http`` (an ``httpx.Client``) or a ``transport`` to build one."""

    def __init__(
        self,
        config: VertexConfig,
        *,
        http: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if http is not None and transport is not None:
            raise ValueError("pass either an httpx client or a transport, not both")
        self.config = config
        self._owns_http = http is None
        self._http = (
            httpx.Client(timeout=config.timeout, transport=transport) if http is None else http
        )
        self._sleep = sleep
        self._rng = rng or random.Random()

    def close(self) -> None:
        """Close the HTTP client if this object built it."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def payment_methods(self, shop_id: int) -> tuple[PaymentMethod, ...]:
        return self._send(_payment_methods_call(shop_id))

    def create_order(self, order: CreateOrder) -> CreatedOrder:
        return self._run(_create(self.config, order, self._rng))

    def order_details(self, shop_id: int, order_number: str) -> OrderSnapshot:
        return self._send(_order_details_call(self.config, shop_id, order_number))

    def capture(self, shop_id: int, order_number: str) -> Accepted:
        return self._send(_action_call("capture", shop_id, order_number))

    def cancel(self, shop_id: int, order_number: str) -> Accepted:
        return self._send(_action_call("cancel", shop_id, order_number))

    def reject(self, shop_id: int, order_number: str) -> Accepted:
        """Deprecated by the provider in favour of ``cancel``."""
        return self._send(_action_call("reject", shop_id, order_number))

    def refund(
        self,
        shop_id: int,
        order_number: str,
        amount: Money,
        *,
        payment_reference: str | None = None,
    ) -> Accepted:
        call = _refund_call(self.config, shop_id, order_number, amount, payment_reference)
        return self._send(call)

    def review_decision(self, shop_id: int, order_number: str, accept: bool) -> Accepted:
        return self._send(_review_call(shop_id, order_number, accept))

    def _send(self, call: Call[T]) -> T:
        return self._run(_exchange(self.config, call, self._rng))

    def _run(self, plan: Plan[T]) -> T:
        reply: Reply = None
        while True:
            try:
                step = plan.send(reply)
            except StopIteration as done:
                result: T = done.value
                return result
            reply = self._perform(step)

    def _perform(self, step: Step) -> Reply:
        if isinstance(step, Pause):
            self._sleep(step.seconds)
            return None
        try:
            return self._http.send(step)
        except httpx.TransportError as error:
            return error


class AsyncVertexClient:
    """The same client over ``httpx.AsyncClient``; sleeps with ``anyio`` unless told otherwise."""

    def __init__(
        self,
        config: VertexConfig,
        *,
        http: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if http is not None and transport is not None:
            raise ValueError("pass either an httpx client or a transport, not both")
        self.config = config
        self._owns_http = http is None
        self._http = (
            httpx.AsyncClient(timeout=config.timeout, transport=transport) if http is None else http
        )
        self._sleep = sleep
        self._rng = rng or random.Random()

    async def aclose(self) -> None:
        """Close the HTTP client if this object built it."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def payment_methods(self, shop_id: int) -> tuple[PaymentMethod, ...]:
        return await self._send(_payment_methods_call(shop_id))

    async def create_order(self, order: CreateOrder) -> CreatedOrder:
        return await self._run(_create(self.config, order, self._rng))

    async def order_details(self, shop_id: int, order_number: str) -> OrderSnapshot:
        return await self._send(_order_details_call(self.config, shop_id, order_number))

    async def capture(self, shop_id: int, order_number: str) -> Accepted:
        return await self._send(_action_call("capture", shop_id, order_number))

    async def cancel(self, shop_id: int, order_number: str) -> Accepted:
        return await self._send(_action_call("cancel", shop_id, order_number))

    async def reject(self, shop_id: int, order_number: str) -> Accepted:
        """Deprecated by the provider in favour of ``cancel``."""
        return await self._send(_action_call("reject", shop_id, order_number))

    async def refund(
        self,
        shop_id: int,
        order_number: str,
        amount: Money,
        *,
        payment_reference: str | None = None,
    ) -> Accepted:
        call = _refund_call(self.config, shop_id, order_number, amount, payment_reference)
        return await self._send(call)

    async def review_decision(self, shop_id: int, order_number: str, accept: bool) -> Accepted:
        return await self._send(_review_call(shop_id, order_number, accept))

    async def _send(self, call: Call[T]) -> T:
        return await self._run(_exchange(self.config, call, self._rng))

    async def _run(self, plan: Plan[T]) -> T:
        reply: Reply = None
        while True:
            try:
                step = plan.send(reply)
            except StopIteration as done:
                result: T = done.value
                return result
            reply = await self._perform(step)

    async def _perform(self, step: Step) -> Reply:
        if isinstance(step, Pause):
            await self._sleep(step.seconds)
            return None
        try:
            return await self._http.send(step)
        except httpx.TransportError as error:
            return error
