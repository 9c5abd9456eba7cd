"""Everything that can go wrong talking to Vertex Gateway, as one tree.

    VertexError (an OrderstateError)
    ├── ProviderError                 an API call failed; carries status, code, title, detail
    │   ├── ValidationFailed          400
    │   ├── AuthenticationFailed      401
    │   ├── Forbidden                 403
    │   ├── OrderNotFound             404
    │   ├── Conflict                  409
    │   ├── PreconditionFailed        412
    │   ├── Unsupported               422
    │   ├── ProviderUnavailable       5xx
    │   ├── ProviderTimeout           no answer in time (the outcome is unknown)
    │   ├── UnreadableAnswer          a success status with a body we cannot read
    │   └── TransportFailed           connection lost or reset (the outcome may be unknown)
    │       └── NotConnected          no connection was made: nothing was sent
    ├── SignatureVerificationError    a callback whose signature is missing, malformed or wrong
    ├── MalformedCallback             a verified callback body we cannot read; names the field
    │   └── CallbackTooLarge          a body over the size limit
    └── SnapshotRejected              a provider view that contradicts the local order

``ProviderTimeout``, ``TransportFailed``, ``ProviderUnavailable`` and ``UnreadableAnswer`` are
*ambiguous*: the provider may have acted (on a 2xx it did). Callers must look before they post
again (see ``client``). ``NotConnected`` is not: a connection refused (or an unknown host, or a
connect timeout) means the request never left, so the provider surely did nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from orderstate.engine.errors import OrderstateError

if TYPE_CHECKING:
    import httpx

    from .models import OrderSnapshot

__all__ = [
    "AuthenticationFailed",
    "CallbackTooLarge",
    "Conflict",
    "Forbidden",
    "MalformedCallback",
    "NotConnected",
    "OrderNotFound",
    "PreconditionFailed",
    "ProviderError",
    "ProviderTimeout",
    "ProviderUnavailable",
    "SignatureVerificationError",
    "SnapshotRejected",
    "TransportFailed",
    "UnreadableAnswer",
    "Unsupported",
    "ValidationFailed",
    "VertexError",
    "error_for_status",
]


class VertexError(OrderstateError):
    """Root of the Vertex adapter's errors."""


class ProviderError(VertexError):
    """An API call that did not succeed."""

    ambiguous: ClassVar[bool] = False
    """True when the provider may have acted although we got no success answer."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        title: str | None = None,
        detail: str | None = None,
        request: httpx.Request | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.request = request
        where = f" ({request.method} {request.url.path})" if request is not None else ""
        super().__init__(f"{message}{where}")


class ValidationFailed(ProviderError):
    """400: the provider refused the request's data."""


class AuthenticationFailed(ProviderError):
    """401: the Api-Access-Token is missing or wrong."""


class Forbidden(ProviderError):
    """403: the token may not act on this shop."""


class OrderNotFound(ProviderError):
    """404: no order with this (shopId, orderNumber)."""


class Conflict(ProviderError):
    """409: the order is no longer in a state that allows the operation."""


class PreconditionFailed(ProviderError):
    """412: the operation's documented precondition does not hold."""


class Unsupported(ProviderError):
    """422: the transaction type does not support the operation."""


class ProviderUnavailable(ProviderError):
    """5xx: the provider failed; it may or may not have acted."""

    ambiguous = True


class ProviderTimeout(ProviderError):
    """No answer in time; the provider may or may not have acted."""

    ambiguous = True


class UnreadableAnswer(ProviderError):
    """A success status whose body cannot be read: the provider acted, so this is never a
    refusal to record; what it did is settled by polling."""

    ambiguous = True


class TransportFailed(ProviderError):
    """The connection failed; if the request was sent, the provider may have acted."""

    ambiguous = True


class NotConnected(TransportFailed):
    """No connection could be made (refused, unknown host, connect timeout): the request was
    never sent, so the provider did nothing and sending it again is safe."""

    ambiguous = False


_BY_STATUS: dict[int, type[ProviderError]] = {
    400: ValidationFailed,
    401: AuthenticationFailed,
    403: Forbidden,
    404: OrderNotFound,
    409: Conflict,
    412: PreconditionFailed,
    422: Unsupported,
}


def error_for_status(status: int) -> type[ProviderError]:
    """The error class for an HTTP status that is not a success."""
    if status >= 500:
        return ProviderUnavailable
    return _BY_STATUS.get(status, ProviderError)


class SignatureVerificationError(VertexError):
    """A callback failed verification; it was not parsed and must not be applied."""


class MalformedCallback(VertexError):
    """A verified callback body that cannot be read; ``field`` names what is wrong."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"callback field {field!r}: {reason}")


class CallbackTooLarge(MalformedCallback):
    """The body is over the configured size limit; it was not parsed."""

    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__("body", f"{size} bytes is over the {limit}-byte limit")


class SnapshotRejected(VertexError):
    """The provider's view contradicts the local order; nothing was appended."""

    def __init__(self, order_number: str, snapshot: OrderSnapshot, reason: str) -> None:
        self.order_number = order_number
        self.snapshot = snapshot
        self.reason = reason
        super().__init__(f"order {order_number}: snapshot rejected: {reason}")
