"""The provider port: what the order service needs from a payment provider, in neutral terms.

The service, the web app and the CLI reach every provider through this module only; each
provider is one façade object (``Provider``) registered in the composition root
(``orderstate.adapters.bootstrap``). A provider:

- reads a callback from the raw bytes and headers it arrived with into a ``Fact``, or refuses
  it (``CallbackRefused``: unauthenticated or malformed) without the service knowing how it
  is signed or spelled;
- brings an order up to date with a fact: the events it appended (``Update``: applied), or
  nothing (duplicate, stale), or ``FactRejected`` for a contradiction;
- creates an order at the provider (``Checkout`` → ``Created``), asks it to act on one
  (``Operation``) and polls it (``poll`` → ``Fact``).

Its failures are neutral, so the service decides the same way for every provider::

    PortError (an OrderstateError)
    ├── CallbackRefused           kept but not applied: its ``outcome`` and a reason
    ├── FactRejected              the provider's view contradicts the local order
    ├── UnsupportedRequest        a request this provider cannot carry out (nothing recorded)
    ├── ProviderNotConfigured     a call that needs credentials the settings do not give
    └── ProviderCallFailed        a call to the provider failed
        ├── ProviderRefused       definitively: record the refusal
        │   └── UnknownAtProvider the provider has no such order
        ├── ProviderUnreachable   no connection was made: nothing was sent, safe to retry
        └── OutcomeUnknown        timeout, lost connection, 5xx: it may have acted

This module imports only the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from orderstate.engine import Money, Order, OrderstateError, Request

__all__ = [
    "DEFAULT_BODY_LIMIT",
    "CallbackRefused",
    "Checkout",
    "Created",
    "Customer",
    "Fact",
    "FactRejected",
    "Operation",
    "Outcome",
    "OutcomeUnknown",
    "PaymentOption",
    "PortError",
    "Provider",
    "ProviderCallFailed",
    "ProviderNotConfigured",
    "ProviderRefused",
    "ProviderUnreachable",
    "Shop",
    "UnknownAtProvider",
    "UnsupportedRequest",
    "Update",
]

DEFAULT_BODY_LIMIT = 64 * 1024
"""The largest callback body read, kept whole and handed to a provider (bytes)."""


class Outcome(StrEnum):
    """What became of one provider fact (a callback, or a poll)."""

    APPLIED = "applied"
    """It moved the order: the events are saved."""
    DUPLICATE = "duplicate"
    """The order already says what it says."""
    STALE = "stale"
    """It is older than what the order already knows."""
    REJECTED = "rejected"
    """It contradicts the order; kept with the reason, never applied."""
    DEFERRED = "deferred"
    """Verified and readable, but its order is not known here yet; applied once it is placed."""
    UNAUTHENTICATED = "unauthenticated"
    """Its signature is missing or wrong; kept, never parsed."""
    MALFORMED = "malformed"
    """Verified but unreadable; kept with the field at fault."""
    TOO_LARGE = "too_large"
    """Over the body limit; its first bytes are kept, nothing is verified or parsed."""
    FAILED = "failed"
    """Processing it raised again after a restart; kept with the reason, never retried."""

    @property
    def finished(self) -> bool:
        """Whether the callback is done with (a deferred one is processed again later)."""
        return self is not Outcome.DEFERRED


class Operation(StrEnum):
    """A merchant request to the provider; ``request`` names the engine's record of it."""

    CAPTURE = "capture"
    CANCEL = "cancel"
    REFUND = "refund"
    REJECT = "reject"
    ACCEPT_REVIEW = "accept_review"
    DECLINE_REVIEW = "decline_review"

    @property
    def request(self) -> Request | None:
        """The engine request recorded (and left pending) before the provider is called, so
        that every merchant request is in the order's log; the provider's answer settles it."""
        return _ENGINE_REQUESTS.get(self)


_ENGINE_REQUESTS = {
    Operation.CAPTURE: Request.CAPTURE,
    Operation.CANCEL: Request.CANCEL,
    Operation.REFUND: Request.REFUND,
    Operation.REJECT: Request.REJECT,
    Operation.ACCEPT_REVIEW: Request.ACCEPT_REVIEW,
    Operation.DECLINE_REVIEW: Request.DECLINE_REVIEW,
}


@dataclass(frozen=True)
class Shop:
    """A shop as one provider knows it: callback secrets (several while rotating), where its
    callbacks go, which provider serves it (None: the service's default one) and, where the
    provider has several, the name of its signature scheme (None: the provider's default).

    The secrets are never shown (not in its repr, not in its errors), and a secret every
    callback would fail on (empty, or not UTF-8 text, as an undecodable byte in an environment
    variable becomes) is refused here, at start-up, rather than on every request.
    """

    secrets: tuple[str, ...] = field(repr=False)
    webhook_url: str | None = None
    provider: str | None = None
    signature: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.secrets, tuple):  # a lone str would be one-letter secrets
            raise TypeError("a shop's secrets are a tuple of secrets")
        if not self.secrets:
            raise ValueError("a shop needs at least one callback secret")
        for number, secret in enumerate(self.secrets, start=1):
            problem = _secret_problem(secret)
            if problem is not None:
                raise ValueError(f"callback secret {number} {problem}")


def _secret_problem(secret: object) -> str | None:
    """What makes a secret unusable for signing, in words that do not repeat it."""
    if not isinstance(secret, str):
        return f"is a {type(secret).__name__}, not text"
    if not secret:
        return "is empty"
    try:
        secret.encode("utf-8")
    except UnicodeEncodeError as error:
        return f"is not valid UTF-8 text (character {error.start + 1} is an undecodable byte)"
    return None


@dataclass(frozen=True, kw_only=True, slots=True)
class Customer:
    """Who pays; with an ``email`` the provider sends the payment confirmation itself."""

    first_name: str
    last_name: str
    email: str | None = None
    phone: str | None = None
    customer_id: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Checkout:
    """An order to create at the provider.

    ``payment_method`` is the ``code`` of one of the provider's ``PaymentOption``s for the
    shop (None: the customer chooses on the payment page); ``success_url`` and ``failure_url``
    are where the payment page sends the customer back."""

    shop_id: int
    order_number: str
    amount: Money
    auto_capture: bool
    time_limit: datetime | None
    webhook_url: str | None
    customer: Customer | None = None
    payment_method: str | None = None
    success_url: str | None = None
    failure_url: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentOption:
    """One way a shop's customers can pay, as the provider lists it: ``code`` is what
    ``Checkout.payment_method`` takes; ``description`` is for a person."""

    code: str
    description: str


@dataclass(frozen=True, slots=True)
class Created:
    """The provider has the order; the customer pays through ``payment_link``."""

    payment_link: str | None


@dataclass(frozen=True, slots=True)
class Fact:
    """What a provider said about one order, read from a callback or a poll.

    ``detail`` is the provider's own reading (a snapshot): only the provider that made the fact
    interprets it.
    """

    provider: str
    shop_id: int
    order_number: str
    detail: object = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Update:
    """What bringing an order up to date with a fact did: ``APPLIED`` with the events appended
    to the order (not yet saved), or ``DUPLICATE`` / ``STALE`` with none."""

    outcome: Outcome
    events: tuple[str, ...] = ()


class Provider(Protocol):
    """One payment provider, behind one façade."""

    name: str
    """How settings, shops and callback URLs name it (``vertex``, ``stripe``)."""

    captures_in_full: bool
    """Whether a capture always takes the whole authorization (Vertex: ``POST /order/capture``
    has no amount); a partial capture is then refused as ``UnsupportedRequest``."""

    @property
    def connected(self) -> bool:
        """Whether calls to the provider can be made (credentials were given)."""

    def read_callback(
        self,
        body: bytes,
        headers: Mapping[str, str],
        *,
        shop_id: int,
        shop: Shop | None,
        received_at: datetime,
    ) -> Fact:
        """Verify, then read; raise ``CallbackRefused`` (nothing unverified is parsed)."""

    def sign_callback(self, body: bytes, shop: Shop) -> list[tuple[str, str]]:
        """The headers the provider would send with ``body`` for ``shop`` (for bodies a person
        vouches for, e.g. ``orderstate ingest`` of bare bodies)."""

    def bring_up_to_date(self, order: Order, fact: Fact) -> Update:
        """Append to ``order`` the shortest legal path to the fact's view; raise
        ``FactRejected`` on a contradiction (the order is then unchanged)."""

    def payment_options(self, shop_id: int) -> tuple[PaymentOption, ...]:
        """The payment methods the provider offers the shop's customers."""
        ...

    def create(self, checkout: Checkout) -> Created:
        """Create the order at the provider (idempotent: never two provider orders)."""

    def request(self, operation: Operation, order: Order, amount: Money | None) -> None:
        """Ask the provider to act; the outcome arrives by callback or poll."""

    def poll(self, shop_id: int, order_number: str) -> Fact:
        """The provider's current view of one order; ``UnknownAtProvider`` if it has none."""

    def close(self) -> None:
        """Release connections."""


class PortError(OrderstateError):
    """Root of the port's errors."""


class CallbackRefused(PortError):
    """A callback kept but not applied: ``outcome`` says why (unauthenticated, malformed)."""

    def __init__(self, outcome: Outcome, reason: str) -> None:
        super().__init__(reason)
        self.outcome = outcome
        self.reason = reason


class FactRejected(PortError):
    """The provider's view contradicts the local order; nothing was appended.

    ``evidence`` is the provider's view as bytes a person can read (a polled snapshot has no
    body of its own): the service keeps it, like a rejected callback's body.
    """

    def __init__(self, order_number: str, reason: str, evidence: bytes = b"") -> None:
        super().__init__(f"order {order_number}: {reason}")
        self.order_number = order_number
        self.reason = reason
        self.evidence = evidence


class UnsupportedRequest(PortError, ValueError):
    """A merchant request the provider cannot carry out (a partial capture where it captures
    only in full): refused before anything is recorded or sent."""


class ProviderNotConfigured(PortError, RuntimeError):
    """A call to the provider was needed, but the settings give no credentials for it."""


class ProviderCallFailed(PortError):
    """A call to the provider failed; the subclass says whether it may have acted."""


class ProviderRefused(ProviderCallFailed):
    """The provider answered no: nothing happened there, so the refusal can be recorded."""


class UnknownAtProvider(ProviderRefused):
    """The provider has no such order."""


class ProviderUnreachable(ProviderCallFailed):
    """No connection to the provider could be made, so nothing was sent and nothing happened
    there: neither a refusal to record nor an unknown outcome to look up; try again later."""


class OutcomeUnknown(ProviderCallFailed):
    """No clear answer (timeout, lost connection, 5xx, a 2xx whose body cannot be read): the
    provider may have acted, so look (poll) before acting again."""
