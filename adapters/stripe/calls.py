"""The calls the adapter makes to Stripe, through the official SDK's ``StripeClient``.

The SDK does the wire work (form encoding, auth, ``Idempotency-Key``, retries with the same key,
its error classes); this module chooses the calls and their keys, and maps the SDK's errors onto
the port's neutral ones (``neutral_error``). Every POST carries an ``Idempotency-Key`` derived
from the order and the operation (``idempotency_key``), so a retry, ours or the SDK's, can never
create a second intent or a second refund: Stripe replays the first response to the same key.

``http`` takes an ``httpx.Client`` (a ``MockTransport``, an in-process transport to the
simulator, or a real one): the SDK's own httpx-based client with that client inside
(``InjectedHTTPXClient``), so tests never patch anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import httpx
import stripe

from orderstate.adapters.port import (
    OutcomeUnknown,
    ProviderCallFailed,
    ProviderRefused,
    ProviderUnreachable,
    UnknownAtProvider,
)

from .objects import ORDER_NUMBER_KEY, SHOP_KEY

__all__ = [
    "API_BASE",
    "POLL_EXPAND",
    "InjectedHTTPXClient",
    "StripeCalls",
    "StripeConfig",
    "idempotency_key",
    "neutral_error",
    "search_query",
]

API_BASE: Final = "https://api.stripe.com"
POLL_EXPAND: Final = ("latest_charge", "latest_charge.balance_transaction")
"""What a poll expands on the intent: the charge (captured, refunds) and its balance
transaction (settlement: ``pending`` → ``available``)."""

_UNSENT = (httpx.ConnectError, httpx.ConnectTimeout)
"""Transport errors raised before a byte of the request left: nothing can have happened."""


class InjectedHTTPXClient(stripe.HTTPXClient):
    """The SDK's httpx-based HTTP client, making its synchronous calls with ``client``."""

    def __init__(self, client: httpx.Client, *, timeout: float) -> None:
        super().__init__(timeout=timeout, allow_sync_methods=False)
        self._client = client

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        post_data: Any = None,
        *,
        _usage: list[str] | None = None,
    ) -> tuple[Any, int, Mapping[str, str]]:
        """The SDK's own ``request``, but the form body goes as ``content``: the SDK passes the
        encoded string as ``data``, which httpx deprecates (a warning on every POST)."""
        assert self._client is not None  # set in __init__
        try:
            response = self._client.request(
                method, url, headers=headers, content=post_data, timeout=self._timeout
            )
        except httpx.HTTPError as error:
            self._handle_request_error(error)  # raises the SDK's APIConnectionError
        return response.content, response.status_code, response.headers

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


@dataclass(frozen=True, kw_only=True, slots=True)
class StripeConfig:
    """How to reach Stripe: the secret key, the API base (the simulator's in tests), timeouts
    (always explicit) and how often the SDK retries a call that may not have arrived."""

    api_key: str
    base_url: str = API_BASE
    timeout: float = 30.0
    max_network_retries: int = 2

    def __repr__(self) -> str:  # never show the key
        return f"StripeConfig(base_url={self.base_url!r}, timeout={self.timeout})"


def idempotency_key(shop_id: int, order_number: str, operation: str, *parts: object) -> str:
    """The key for one order's one operation: the same request always sends the same key."""
    tail = "".join(f":{part}" for part in parts)
    return f"orderstate:{shop_id}:{order_number}:{operation}{tail}"


def search_query(shop_id: int, order_number: str) -> str:
    """Stripe's search query for an order's intents, by the metadata the adapter sets."""
    escaped = order_number.replace("\\", "\\\\").replace("'", "\\'")
    return f"metadata['{SHOP_KEY}']:'{shop_id}' AND metadata['{ORDER_NUMBER_KEY}']:'{escaped}'"


class StripeCalls:
    """Stripe's v1 API as the adapter uses it; objects come back as plain dicts."""

    def __init__(self, config: StripeConfig, *, http: httpx.Client | None = None) -> None:
        self.config = config
        self._http = http or httpx.Client(timeout=config.timeout)
        self._client = stripe.StripeClient(
            config.api_key,
            base_addresses={"api": config.base_url},
            http_client=InjectedHTTPXClient(self._http, timeout=config.timeout),
            max_network_retries=config.max_network_retries,
        )

    def create_intent(self, params: Mapping[str, Any], *, key: str) -> dict[str, Any]:
        return _plain(self._call(self._client.v1.payment_intents.create, dict(params), key))

    def retrieve_intent(self, intent_id: str) -> dict[str, Any]:
        params = {"expand": list(POLL_EXPAND)}
        return _plain(self._call(self._client.v1.payment_intents.retrieve, params, None, intent_id))

    def find_intent(self, shop_id: int, order_number: str) -> dict[str, Any] | None:
        """The order's newest intent by its metadata (Stripe's search: eventually consistent)."""
        params = {"query": search_query(shop_id, order_number), "limit": 10}
        found = self._call(self._client.v1.payment_intents.search, params, None)
        intents = [_plain(item) for item in found.data]
        return max(intents, key=lambda i: int(i.get("created") or 0), default=None)

    def capture(self, intent_id: str, amount: int | None, *, key: str) -> dict[str, Any]:
        params = {} if amount is None else {"amount_to_capture": amount}
        call = self._client.v1.payment_intents.capture
        return _plain(self._call(call, params, key, intent_id))

    def cancel(self, intent_id: str, *, key: str) -> dict[str, Any]:
        params = {"cancellation_reason": "requested_by_customer"}
        return _plain(self._call(self._client.v1.payment_intents.cancel, params, key, intent_id))

    def refund(
        self, intent_id: str, amount: int, metadata: Mapping[str, str], *, key: str
    ) -> dict[str, Any]:
        params = {"payment_intent": intent_id, "amount": amount, "metadata": dict(metadata)}
        return _plain(self._call(self._client.v1.refunds.create, params, key))

    def disputes_of(self, intent_id: str) -> list[dict[str, Any]]:
        found = self._call(self._client.v1.disputes.list, {"payment_intent": intent_id}, None)
        return [_plain(item) for item in found.data]

    def events_after(self, event_id: str | None, *, limit: int = 100) -> list[dict[str, Any]]:
        """Events newer than ``event_id`` (all Stripe keeps if None), oldest first."""
        params: dict[str, Any] = {"limit": limit}
        if event_id is not None:
            params["ending_before"] = event_id
        page = self._call(self._client.v1.events.list, params, None)
        return [_plain(item) for item in reversed(page.data)]

    def close(self) -> None:
        self._http.close()

    def _call(self, method: Any, params: dict[str, Any], key: str | None, *ids: str) -> Any:
        options: dict[str, Any] = {} if key is None else {"idempotency_key": key}
        try:
            return method(*ids, params=params, options=options)
        except stripe.StripeError as error:
            raise neutral_error(error) from error


def _plain(obj: Any) -> dict[str, Any]:
    plain: dict[str, Any] = obj.to_dict(recursive=True)
    return plain


def neutral_error(error: stripe.StripeError) -> ProviderCallFailed:
    """The port's error for one of the SDK's: refused definitively, unreachable (nothing sent,
    or Stripe asked us to slow down), or outcome unknown (it may have acted)."""
    message = f"Stripe: {error.user_message or error}"
    status = error.http_status
    if isinstance(error, stripe.APIConnectionError):
        if isinstance(error.__cause__, _UNSENT):
            return ProviderUnreachable(message)
        return OutcomeUnknown(message)
    if isinstance(error, stripe.RateLimitError):
        return ProviderUnreachable(message)  # 429: Stripe did nothing; try again later
    if status is None or status >= 500 or isinstance(error, stripe.APIError):
        return OutcomeUnknown(message)
    if status == 404 or error.code == "resource_missing":
        return UnknownAtProvider(message)
    return ProviderRefused(message)
