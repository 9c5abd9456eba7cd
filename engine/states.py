"""The shipped life cycle's states by name, the loaded spec, and the groups of states it implies.

``State`` names the sixteen states of ``specs/lifecycle.yaml``; loading the spec checks that it
declares exactly these, so a renamed or added state fails at import, not in production. The
groups below are derived from the spec's graph, never written by hand: adding a transition to
the spec moves a state into or out of a group by itself.
"""

from __future__ import annotations

from enum import StrEnum

from .guards import GUARDS
from .lifecycle import Lifecycle, load_lifecycle, read_spec

__all__ = [
    "CANCELLABLE_STATES",
    "CAPTURABLE_STATES",
    "EXPIRABLE_STATES",
    "FINAL_STATES",
    "LIFECYCLE",
    "PAID_STATES",
    "REFUNDABLE_STATES",
    "SPINE",
    "STATES_AHEAD",
    "State",
]


class State(StrEnum):
    """A state of the order life cycle (equal to its name as a plain string)."""

    CREATED = "created"
    IN_PROGRESS = "in_progress"
    REVIEW = "review"
    AUTHORIZED = "authorized"
    PAID = "paid"
    CLEARING = "clearing"
    COMPLETED = "completed"
    PARTIALLY_REFUNDED = "partially_refunded"
    NEED_ACTION = "need_action"
    EXPIRED = "expired"
    DISPUTED = "disputed"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"
    FAILED = "failed"
    REJECTED = "rejected"
    CHARGED_BACK = "charged_back"


LIFECYCLE: Lifecycle[State] = load_lifecycle(read_spec(), guards=GUARDS, states=State)

_MISMATCH = frozenset({"AmountMismatchDetected", "InconsistencyReported"})
"""The events that hand an order to a person (``need_action``)."""

FINAL_STATES: frozenset[State] = LIFECYCLE.final_states
"""Nothing leaves these."""

EXPIRABLE_STATES: frozenset[State] = LIFECYCLE.allowing("OrderExpired")
"""Where an unpaid order can pass its time limit (and then wait, ``expired``, for the provider)."""

REFUNDABLE_STATES: frozenset[State] = LIFECYCLE.allowing("RefundRequested")
"""Where the merchant may ask for a refund."""

CAPTURABLE_STATES: frozenset[State] = LIFECYCLE.allowing("CaptureRequested")
"""Where the merchant may ask to capture a held (two-stage) payment."""

CANCELLABLE_STATES: frozenset[State] = LIFECYCLE.allowing("CancelRequested")
"""Where the merchant may ask to cancel (or void a hold)."""

PAID_STATES: frozenset[State] = frozenset().union(
    *(
        LIFECYCLE.reachable(t.target, avoiding=_MISMATCH)
        for t in LIFECYCLE.transitions
        if t.event == "PaymentCaptured"
    )
)
"""Money was captured and agreed: where a capture leads, short of an amount mismatch."""

SPINE: tuple[State, ...] = LIFECYCLE.path(
    LIFECYCLE.initial, State.COMPLETED, avoiding={*_MISMATCH, "MismatchResolved"}
)
"""The happy path: the shortest way from the initial state to ``completed`` with no mismatch."""

_RETURNS = frozenset({"DisputeWon"})
"""Moves back to where the order was before (a won dispute): not progress."""

STATES_AHEAD: dict[State, frozenset[State]] = {
    state: frozenset().union(
        *(
            LIFECYCLE.reachable(t.target, avoiding=_RETURNS)
            for t in LIFECYCLE.transitions
            if t.source == state and t.event not in _RETURNS
        )
    )
    for state in LIFECYCLE.states
}
"""The states each state leads to in one or more transitions, a return (a won dispute) never
counted as progress (itself only through a loop): what the translators judge a provider's
snapshot "behind" the order by."""
