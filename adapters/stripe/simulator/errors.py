"""How the Stripe simulator says no: ``StripeRefusal``, an ``{"error": {...}}`` body and a status.

The status codes and ``type`` values are Stripe's: 400 ``invalid_request_error`` (a bad
parameter, an operation the object's state does not allow), 400 ``idempotency_error`` (a key
reused with other parameters), 401 (no or an unknown secret key), 402 ``card_error`` (a
declined card; the body carries the PaymentIntent as it now is), 404 ``resource_missing``,
5xx ``api_error``. ``saved`` says whether the idempotency layer keeps the answer: Stripe keeps
whatever an endpoint produced once it started executing (a decline, a 500) but not a request
refused before that (validation, authentication, a missing object).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "StripeRefusal",
    "card_declined",
    "idempotency_mismatch",
    "invalid",
    "not_found",
    "unauthenticated",
    "unexpected_state",
]


class StripeRefusal(Exception):
    """One refused request, as the simulator answers it."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        payment_intent: Mapping[str, Any] | None = None,
        saved: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.payment_intent = payment_intent
        self.saved = saved

    def body(self) -> dict[str, Any]:
        """``{"error": {...}}`` with the fields Stripe sends (absent ones left out)."""
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        optional = {"code": self.code, "param": self.param, "decline_code": self.decline_code}
        error.update({key: value for key, value in optional.items() if value is not None})
        if self.code is not None:
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.payment_intent is not None:
            error["payment_intent"] = dict(self.payment_intent)
        return {"error": error}


def invalid(param: str | None, message: str, *, code: str | None = None) -> StripeRefusal:
    """400 about one parameter (or the request as a whole when ``param`` is None)."""
    return StripeRefusal(400, message, param=param, code=code or "parameter_invalid")


def unexpected_state(kind: str, object_id: str, status: str, action: str) -> StripeRefusal:
    """400 for an operation the object's current status does not allow (saved: it ran)."""
    message = f"This {kind} cannot be {action} because it has a status of {status}."
    code = f"{kind.replace(' ', '_')}_unexpected_state"
    return StripeRefusal(400, message, code=code, saved=True)


def not_found(kind: str, object_id: str, *, param: str = "id") -> StripeRefusal:
    return StripeRefusal(
        404, f"No such {kind}: '{object_id}'", code="resource_missing", param=param
    )


def unauthenticated(key: str | None) -> StripeRefusal:
    if not key:
        message = "You did not provide an API key. Provide it as a bearer token."
    else:
        message = f"Invalid API Key provided: {key[:8]}{'*' * max(len(key) - 12, 0)}{key[-4:]}"
    return StripeRefusal(401, message)


def idempotency_mismatch(key: str) -> StripeRefusal:
    message = (
        "Keys for idempotent requests can only be used with the same parameters they were "
        f"first used with. Try using a key other than '{key}' if you meant to execute a "
        "different request."
    )
    return StripeRefusal(400, message, type="idempotency_error")


def card_declined(
    code: str, decline_code: str | None, message: str, intent: Mapping[str, Any]
) -> StripeRefusal:
    """402 for a declined payment; the intent snapshot shows ``last_payment_error``."""
    return StripeRefusal(
        402,
        message,
        type="card_error",
        code=code,
        decline_code=decline_code,
        payment_intent=intent,
        saved=True,
    )
