"""Injected API failures: 5xx answers and timeouts, scripted or drawn from a seeded random.

A ``Fault`` says what the caller sees and whether the simulator *acted before failing*
(``applied=True``): the ambiguous case (the intent was created, the refund made, but the answer
was a 500 or never came) that clients must survive with their idempotency keys. How the
idempotency layer remembers each case is in ``idempotency``. Endpoint names are ``ENDPOINTS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from orderstate.adapters.simulation import InjectedFault, InjectedFaultPlan

__all__ = ["ENDPOINTS", "Fault", "FaultPlan"]

ENDPOINTS = frozenset(
    {
        "create_intent",
        "retrieve_intent",
        "list_intents",
        "search_intents",
        "list_refunds",
        "list_disputes",
        "confirm_intent",
        "capture_intent",
        "cancel_intent",
        "create_refund",
        "retrieve_refund",
        "retrieve_charge",
        "list_charges",
        "retrieve_balance",
        "retrieve_balance_transaction",
        "list_events",
        "retrieve_event",
        "retrieve_dispute",
        "update_dispute",
        "close_dispute",
    }
)
"""The API endpoints faults can be injected into."""


@dataclass(frozen=True, slots=True)
class Fault(InjectedFault):
    """One injected failure (``orderstate.adapters.simulation.InjectedFault``), 500 by default."""

    status: int = 500

    @classmethod
    def server_error(cls, status: int = 500, *, applied: bool = False) -> Fault:
        """A 5xx answer (Stripe's own are 500s); with ``applied`` it acted anyway."""
        return cls(status=status, applied=applied)


class FaultPlan(InjectedFaultPlan):
    """Scripted faults first, then seeded draws against per-endpoint rates, on ``ENDPOINTS``."""

    def __init__(self, *, rates: Mapping[str, float], seed: int, fault: Fault) -> None:
        super().__init__(endpoints=ENDPOINTS, rates=rates, seed=seed, fault=fault)
