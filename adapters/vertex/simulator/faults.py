"""Injected API failures: 5xx answers and timeouts, scripted or drawn from a seeded random.

A ``Fault`` says what the caller sees and whether the simulator *acted before failing*
(``applied=True``): that is the ambiguous case a real provider produces (the order was created
or captured, but the answer was a 503 or never came), and the one clients must survive.

``FaultPlan`` decides, per endpoint, which call fails: first from the scripted faults queued
for that endpoint (in order), else by a seeded draw against the endpoint's rate.
Endpoint names are the keys of ``ENDPOINTS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from orderstate.adapters.simulation import InjectedFault, InjectedFaultPlan

__all__ = ["ENDPOINTS", "Fault", "FaultPlan"]

ENDPOINTS = frozenset(
    {"payment_methods", "create", "details", "capture", "cancel", "reject", "refund", "review"}
)
"""The API endpoints faults can be injected into (the payment page has none)."""


@dataclass(frozen=True, slots=True)
class Fault(InjectedFault):
    """One injected failure (``orderstate.adapters.simulation.InjectedFault``), 503 by default."""

    status: int = 503

    @classmethod
    def unavailable(cls, status: int = 503, *, applied: bool = False) -> Fault:
        """A 5xx answer; with ``applied`` the operation happened anyway."""
        return cls(status=status, applied=applied)


class FaultPlan(InjectedFaultPlan):
    """Scripted faults first, then seeded draws against per-endpoint rates, on ``ENDPOINTS``."""

    def __init__(self, *, rates: Mapping[str, float], seed: int, fault: Fault) -> None:
        super().__init__(endpoints=ENDPOINTS, rates=rates, seed=seed, fault=fault)
