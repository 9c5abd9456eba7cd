"""What each Stripe API route does with its params: read them (``wire``), call the simulator.

Every function takes the simulator, the request's params and its path params and returns
``(status, object)`` or raises ``StripeRefusal``. Unknown parameters are refused, as Stripe
refuses them (``Received unknown parameter``), so a client sending a misspelt field learns it
from the simulator too; parameters Stripe accepts but the simulator has no use for are listed
in ``IGNORED`` and accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .disputes import DISPUTE_REASONS
from .errors import invalid
from .ledger import EVIDENCE_FIELDS
from .listing import page_of, search
from .refunds import REFUND_REASONS
from .wire import Params, read_enum, read_int, read_metadata, read_str

if TYPE_CHECKING:
    from .simulator import SimulatedStripe

__all__ = ["ROUTES", "Perform"]

Perform = Callable[["SimulatedStripe", Params, Mapping[str, str]], tuple[int, Any]]

IGNORED = frozenset(
    {
        "automatic_payment_methods",
        "customer",
        "error_on_requires_action",
        "mandate_data",
        "off_session",
        "payment_method_options",
        "payment_method_types",
        "receipt_email",
        "setup_future_usage",
        "statement_descriptor",
        "statement_descriptor_suffix",
        "use_stripe_sdk",
        "client_secret",
        "final_capture",
        "instructions_email",
    }
)


def _known(params: Params, *names: str) -> None:
    allowed = {*names, "expand", *IGNORED}
    for name in params:
        if name not in allowed:
            raise invalid(name, f"Received unknown parameter: {name}")


def _bool(params: Params, name: str, default: bool) -> bool:
    value = read_str(params, name)
    if value is None or value == "":
        return default
    if value not in ("true", "false"):
        raise invalid(name, f"Invalid boolean: {value}")
    return value == "true"


def create_intent(sim: SimulatedStripe, params: Params, path: Mapping[str, str]) -> tuple[int, Any]:
    _known(
        params,
        "amount",
        "currency",
        "capture_method",
        "metadata",
        "description",
        "payment_method",
        "confirm",
        "return_url",
    )
    return 200, sim.create_intent(
        amount=read_int(params, "amount", required=True) or 0,
        currency=read_str(params, "currency", required=True) or "",
        capture_method=read_enum(
            params, "capture_method", ("automatic", "automatic_async", "manual"), "automatic_async"
        ),
        metadata=read_metadata(params),
        description=read_str(params, "description"),
        payment_method=read_str(params, "payment_method"),
        confirm=_bool(params, "confirm", False),
        return_url=read_str(params, "return_url"),
    )


def list_intents(sim: SimulatedStripe, params: Params, path: Mapping[str, str]) -> tuple[int, Any]:
    _known(params, "limit", "starting_after", "ending_before", "created")
    return 200, page_of(sim.listed("payment_intent"), params, "/v1/payment_intents")


def search_intents(
    sim: SimulatedStripe, params: Params, path: Mapping[str, str]
) -> tuple[int, Any]:
    _known(params, "query", "limit", "page")
    return 200, search(sim.listed("payment_intent"), params, "/v1/payment_intents/search")


def list_refunds(sim: SimulatedStripe, params: Params, path: Mapping[str, str]) -> tuple[int, Any]:
    _known(params, "limit", "starting_after", "ending_before", "charge", "payment_intent")
    return 200, page_of(sim.listed("refund", **_filters(params)), params, "/v1/refunds")


def list_disputes(sim: SimulatedStripe, params: Params, path: Mapping[str, str]) -> tuple[int, Any]:
    _known(params, "limit", "starting_after", "ending_before", "charge", "payment_intent")
    return 200, page_of(sim.listed("dispute", **_filters(params)), params, "/v1/disputes")


def _filters(params: Params) -> dict[str, str]:
    return {
        name: value
        for name in ("charge", "payment_intent")
        if (value := read_str(params, name)) is not None
    }


def retrieve_intent(
    sim: SimulatedStripe, params: Params, path: Mapping[str, str]
) -> tuple[int, Any]:
    _known(params)
    return 200, sim.intent(path["id"])


def confirm_intent(
    sim: SimulatedStripe, params: Params, path: Mapping[str, str]
) -> tuple[int, Any]:
    _known(params, "payment_method", "return_url")
    return 200, sim.confirm_intent(
        path["id"],
        payment_method=read_str(params, "payment_method"),
        return_url=read_str(params, "return_url"),
    )


def capture_intent(
    sim: SimulatedStripe, params: Params, path: Mapping[str, str]
) -> tuple[int, Any]:
    _known(params, "amount_to_capture", "metadata")
    return 200, sim.capture_intent(
        path["id"], amount_to_capture=read_int(params, "amount_to_capture")
    )


def cancel_intent(sim: SimulatedStripe, params: Params, path: Mapping[str, str]) -> tuple[int, Any]:
    _known(params, "cancellation_reason")
    return 200, sim.cancel_intent(
        path["id"], cancellation_reason=read_str(params, "cancellation_reason")
    )


def create_refund(sim: SimulatedStripe, params: Params, path: Mapping[str, str]) -> tuple[int, Any]:
    _known(params, "payment_intent", "charge", "amount", "reason", "metadata")
    reason = read_str(params, "reason")
    if reason is not None and reason not in REFUND_REASONS:
        raise invalid("reason", f"Invalid reason: must be one of {', '.join(REFUND_REASONS)}")
    return 200, sim.create_refund(
        payment_intent=read_str(params, "payment_intent"),
        charge=read_str(params, "charge"),
        amount=read_int(params, "amount"),
        reason=reason,
        metadata=read_metadata(params),
    )


def list_charges(sim: SimulatedStripe, params: Params, path: Mapping[str, str]) -> tuple[int, Any]:
    _known(params, "limit", "starting_after", "ending_before", "payment_intent")
    return 200, page_of(sim.listed("charge", **_filters(params)), params, "/v1/charges")


def retrieve_balance(
    sim: SimulatedStripe, params: Params, path: Mapping[str, str]
) -> tuple[int, Any]:
    _known(params)
    return 200, sim.balance()


def retrieve_refund(
    sim: SimulatedStripe, params: Params, path: Mapping[str, str]
) -> tuple[int, Any]:
    _known(params)
    return 200, sim.refund(path["id"])


def retrieve_charge(
    sim: SimulatedStripe, params: Params, path: Mapping[str, str]
) -> tuple[int, Any]:
    _known(params)
    return 200, sim.charge(path["id"])


def retrieve_balance_transaction(
    sim: SimulatedStripe, params: Params, path: Mapping[str, str]
) -> tuple[int, Any]:
    _known(params)
    return 200, sim.balance_transaction(path["id"])


def list_events(sim: SimulatedStripe, params: Params, path: Mapping[str, str]) -> tuple[int, Any]:
    _known(
        params,
        "limit",
        "starting_after",
        "ending_before",
        "type",
        "types",
        "created",
        "delivery_success",
    )
    return 200, sim.events.page(params)


def retrieve_event(
    sim: SimulatedStripe, params: Params, path: Mapping[str, str]
) -> tuple[int, Any]:
    _known(params)
    return 200, sim.events.get(path["id"]).to_json()


def retrieve_dispute(
    sim: SimulatedStripe, params: Params, path: Mapping[str, str]
) -> tuple[int, Any]:
    _known(params)
    return 200, sim.dispute(path["id"])


def update_dispute(
    sim: SimulatedStripe, params: Params, path: Mapping[str, str]
) -> tuple[int, Any]:
    _known(params, "evidence", "submit", "metadata")
    evidence = params.get("evidence") or {}
    if not isinstance(evidence, dict) or not all(isinstance(v, str) for v in evidence.values()):
        raise invalid("evidence", f"Invalid evidence: a hash of {', '.join(EVIDENCE_FIELDS[:3])}…")
    return 200, sim.submit_evidence(path["id"], evidence)


def close_dispute(sim: SimulatedStripe, params: Params, path: Mapping[str, str]) -> tuple[int, Any]:
    _known(params)
    return 200, sim.close_dispute(path["id"])


def open_dispute(sim: SimulatedStripe, params: Params, path: Mapping[str, str]) -> tuple[int, Any]:
    """Simulator only: the cardholder disputes a charge (or intent)."""
    _known(params, "amount", "reason", "inquiry")
    reason = read_enum(params, "reason", DISPUTE_REASONS, "fraudulent")
    inquiry = read_enum(params, "inquiry", ("true", "false"), "false") == "true"
    amount = read_int(params, "amount")
    return 200, sim.open_dispute(path["id"], amount=amount, reason=reason, inquiry=inquiry)


ROUTES: tuple[tuple[str, str, str, Perform], ...] = (
    ("POST", "/v1/payment_intents", "create_intent", create_intent),
    ("GET", "/v1/payment_intents", "list_intents", list_intents),
    ("GET", "/v1/payment_intents/search", "search_intents", search_intents),
    ("GET", "/v1/payment_intents/{id}", "retrieve_intent", retrieve_intent),
    ("POST", "/v1/payment_intents/{id}/confirm", "confirm_intent", confirm_intent),
    ("POST", "/v1/payment_intents/{id}/capture", "capture_intent", capture_intent),
    ("POST", "/v1/payment_intents/{id}/cancel", "cancel_intent", cancel_intent),
    ("POST", "/v1/refunds", "create_refund", create_refund),
    ("GET", "/v1/refunds", "list_refunds", list_refunds),
    ("GET", "/v1/refunds/{id}", "retrieve_refund", retrieve_refund),
    ("GET", "/v1/charges", "list_charges", list_charges),
    ("GET", "/v1/charges/{id}", "retrieve_charge", retrieve_charge),
    ("GET", "/v1/balance", "retrieve_balance", retrieve_balance),
    (
        "GET",
        "/v1/balance_transactions/{id}",
        "retrieve_balance_transaction",
        retrieve_balance_transaction,
    ),
    ("GET", "/v1/events", "list_events", list_events),
    ("GET", "/v1/events/{id}", "retrieve_event", retrieve_event),
    ("GET", "/v1/disputes", "list_disputes", list_disputes),
    ("GET", "/v1/disputes/{id}", "retrieve_dispute", retrieve_dispute),
    ("POST", "/v1/disputes/{id}", "update_dispute", update_dispute),
    ("POST", "/v1/disputes/{id}/close", "close_dispute", close_dispute),
)
"""(method, path, fault endpoint name, perform) for every Stripe API route served."""
