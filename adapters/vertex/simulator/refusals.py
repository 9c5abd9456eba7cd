"""How the simulator says no: the adapter's own ``ProviderError`` classes, filled as on the wire.

The core raises exactly what ``VertexClient`` would raise for the same HTTP answer (status,
``code``, ``title``, ``detail``), so direct calls on ``SimulatedGateway`` and calls through HTTP
fail the same way; the app turns them back into error bodies.
"""

from __future__ import annotations

from ..errors import (
    AuthenticationFailed,
    Conflict,
    Forbidden,
    OrderNotFound,
    PreconditionFailed,
    ProviderError,
    ValidationFailed,
)

__all__ = [
    "UNAUTHENTICATED",
    "conflict",
    "forbidden",
    "invalid",
    "not_found",
    "precondition_failed",
    "refuse",
    "unauthenticated",
]

UNAUTHENTICATED = (
    "Authentication failed. Verify that a valid Api-Access-Token is provided in the request "
    "headers."
)


def refuse(kind: type[ProviderError], status: int, title: str, detail: str) -> ProviderError:
    """An error as the client would build it from ``{code, title, detail}``."""
    return kind(f"{title}: {detail}", status=status, code=str(status), title=title, detail=detail)


def invalid(field: str, reason: str) -> ProviderError:
    """400 naming the field, in the documented style ("Parameter AAAA is required")."""
    return refuse(
        ValidationFailed, 400, "Input data validation error", f"Parameter {field} {reason}"
    )


def unauthenticated() -> ProviderError:
    return refuse(AuthenticationFailed, 401, "Authentication failed", UNAUTHENTICATED)


def forbidden(verb: str) -> ProviderError:
    detail = (
        f"Access denied. The API token does not have permission to {verb} for the specified shop."
    )
    return refuse(Forbidden, 403, "Access denied", detail)


def not_found(shop_id: int, order_number: str) -> ProviderError:
    return refuse(
        OrderNotFound, 404, "Order not found", f"no order {order_number!r} in shop {shop_id}"
    )


def conflict(title: str, detail: str) -> ProviderError:
    return refuse(Conflict, 409, title, detail)


def precondition_failed(detail: str) -> ProviderError:
    return refuse(PreconditionFailed, 412, "Precondition failed", detail)
