"""A Hypothesis kit for property-testing your own payment integration against Vertex.

``pip install "orderstate[testing]"``, then::

    from orderstate.testing import histories, adversarial_deliveries, run_delivery

- ``strategies``: ``Money`` per currency, legal provider histories by outcome, and honest or
  adversarial deliveries of them (steps whose reprs paste back as Python).
- ``stateful``: ``ShopIntegrationMachine``, a Hypothesis state machine that runs your shop's
  side effects against the simulator and checks the invariants every shop needs.
- ``stripe_histories``: the same for Stripe: histories generated from the Stripe adapter's
  outcome table on its simulator, deliveries in any order, and the convergence property
  (``from orderstate.testing.stripe_histories import stripe_histories, deliver``).
- ``plugin``: the pytest fixtures ``vertex_simulator``, ``order_service`` and
  ``signed_callback``, loaded automatically through the ``pytest11`` entry point.

The names below are imported lazily: pytest imports this package for every run of every
project that has orderstate installed (to load the plugin), and Hypothesis, the web stack and
the simulator should cost nothing until a test uses them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .stateful import (
        DEFAULT_SETTINGS,
        NEVER_SHIPPED_STATES,
        PAID_STATES,
        SHOP_FOLLOWER,
        Handler,
        InProcessTransport,
        Shipment,
        Shipments,
        Shipper,
        ShopIntegrationMachine,
        WarehouseDown,
        machine_for,
    )
    from .strategies import (
        DEFAULT_SHOP_ID,
        REFUSED_OUTCOMES,
        CallbackStep,
        Deliver,
        Delivery,
        Forged,
        Interleaving,
        ProviderHistory,
        Reconcile,
        Stale,
        Step,
        Tampered,
        Unsigned,
        adversarial_deliveries,
        deliveries,
        histories,
        interleavings,
        money,
        run_delivery,
        to_callback,
    )

__all__ = [
    "DEFAULT_SETTINGS",
    "DEFAULT_SHOP_ID",
    "NEVER_SHIPPED_STATES",
    "PAID_STATES",
    "REFUSED_OUTCOMES",
    "SHOP_FOLLOWER",
    "CallbackStep",
    "Deliver",
    "Delivery",
    "Forged",
    "Handler",
    "InProcessTransport",
    "Interleaving",
    "ProviderHistory",
    "Reconcile",
    "Shipment",
    "Shipments",
    "Shipper",
    "ShopIntegrationMachine",
    "Stale",
    "Step",
    "Tampered",
    "Unsigned",
    "WarehouseDown",
    "adversarial_deliveries",
    "deliveries",
    "histories",
    "interleavings",
    "machine_for",
    "money",
    "run_delivery",
    "to_callback",
]

_STATEFUL = frozenset(
    {
        "DEFAULT_SETTINGS",
        "NEVER_SHIPPED_STATES",
        "PAID_STATES",
        "SHOP_FOLLOWER",
        "Handler",
        "InProcessTransport",
        "Shipment",
        "Shipments",
        "Shipper",
        "ShopIntegrationMachine",
        "WarehouseDown",
        "machine_for",
    }
)
"""Names defined in ``stateful``; every other public name comes from ``strategies``."""


def __getattr__(name: str) -> object:
    """Import a public name's submodule on first use (PEP 562)."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    home = "stateful" if name in _STATEFUL else "strategies"
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
