"""The merchant's own decisions on an order, recorded without asking a provider.

An amount mismatch (``need_action``: the customer paid another amount than the order's) waits
for the merchant: they settle it outside (keep the payment, refund it, call the order off) and
record the outcome here, which the engine checks against the life cycle (``resolve_mismatch``).
"""

from __future__ import annotations

from typing import get_args

from orderstate.engine import InvalidAmount, Money
from orderstate.engine.order import Resolution

from .orders import Orders
from .views import OrderView

__all__ = ["RESOLUTIONS", "resolve_mismatch"]

RESOLUTIONS: tuple[str, ...] = get_args(Resolution)
"""How a mismatch can end: completed, refunded or cancelled."""


def resolve_mismatch(
    orders: Orders,
    shop_id: int,
    order_number: str,
    resolution: Resolution,
    captured: Money | str | None = None,
    *,
    by: str | None = None,
    reason: str | None = None,
) -> OrderView:
    """Record how the merchant resolved a ``need_action`` order: get → command → save.

    ``captured`` is what the merchant keeps (a decimal string is read in the order's currency);
    by default what the resolution implies (the order amount, or nothing when cancelled).
    ``by`` (who) and ``reason`` (why) are kept in the event for audit.
    """
    if resolution not in RESOLUTIONS:  # callers without a type checker
        raise ValueError(f"a resolution is one of {', '.join(RESOLUTIONS)}, not {resolution!r}")
    order = orders.require(shop_id, order_number)
    if isinstance(captured, str):
        captured = Money.parse(captured, order.currency)
    elif captured is not None and not isinstance(captured, Money):
        raise InvalidAmount(captured, order.currency, "give a decimal string or Money")
    kept = captured
    changed = orders.change(
        order.id,
        lambda o: o.resolve_mismatch(resolution, kept, by=by, reason=reason),
        loaded=order,
    )
    return OrderView.of(changed)
