"""Which orders ``reconcile`` polls: those that can still change without the merchant acting.

A settled order (``completed``, ``partially_refunded`` with nothing pending) changes only when
the merchant asks for something, and its callback or the next poll after that request follows;
polling it every run costs one provider call per order forever. The states worth polling are
derived from the life cycle, not listed: a state is *in flight* if a provider fact that nobody
here asked for moves it on (``created`` → ``in_progress``, ``authorized`` → ``paid``,
``expired`` → ``cancelled``...). Facts that only answer a merchant request (a refund's
success, a declined request) are awaited through ``pending`` instead, and merchant decisions
(``MismatchResolved``, a local ``OrderExpired``) are never awaited from the provider.
``clearing`` is in flight, but it takes the provider days (1-3 by its docs): polled only once
it has lasted ``clearing_due``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from orderstate.engine import LIFECYCLE, State

from .readstore import OrderRow

__all__ = [
    "ANSWERS",
    "CLEARING_DUE",
    "DEFAULT_LIMIT",
    "IN_FLIGHT_STATES",
    "MERCHANT_DECISIONS",
    "UNPOLLED",
    "due_for_poll",
]

MERCHANT_DECISIONS = frozenset(
    {"CaptureRequested", "CancelRequested", "RefundRequested", "MismatchResolved", "OrderExpired"}
)
"""Events recorded by a decision here (a merchant request, a resolution, the expiry job)."""

ANSWERS = frozenset({"RefundSucceeded", "RequestDeclined"})
"""Provider facts that only ever answer a merchant request: awaited while one is pending."""

UNPOLLED = frozenset({"DisputeOpened"})
"""Provider facts not worth a poll: a bank may dispute any paid order for months, so polling
every settled order for one would cost a call per order forever; disputes arrive by callback
(Stripe's ``charge.dispute.created``), and a ``disputed`` order is polled until it is decided."""

_unknown = (MERCHANT_DECISIONS | ANSWERS | UNPOLLED) - set(LIFECYCLE.events)
if _unknown:  # pragma: no cover - a renamed event must fail at import, not skip polls silently
    raise RuntimeError(f"polling: events not in the life cycle: {sorted(_unknown)}")

IN_FLIGHT_STATES: frozenset[State] = frozenset(
    t.source
    for t in LIFECYCLE.transitions
    if t.moves and t.event not in MERCHANT_DECISIONS | ANSWERS | UNPOLLED
)
"""States a provider fact nobody here asked for moves on: polled while the order is quiet."""

CLEARING_DUE = timedelta(days=3)
"""How long clearing may take before reconcile asks (the provider documents 1-3 days)."""

DEFAULT_LIMIT = 500
"""Orders polled per run at most (one provider call each): the oldest first, the rest next run."""


def due_for_poll(
    rows: Iterable[OrderRow],
    now: datetime,
    *,
    limit: int = DEFAULT_LIMIT,
    quiet: timedelta = timedelta(minutes=5),
    clearing_due: timedelta = CLEARING_DUE,
) -> list[OrderRow]:
    """The rows to poll, oldest change first, at most ``limit``: a pending request, an
    in-flight state, or clearing past ``clearing_due``; each quiet for ``quiet`` at least."""
    if limit < 0:
        raise ValueError("limit must be >= 0")
    due = [
        row
        for row in rows
        if not row.final and row.modified_on <= now - quiet and _can_change(row, now, clearing_due)
    ]
    due.sort(key=lambda row: (row.modified_on, str(row.id)))
    return due[:limit]


def _can_change(row: OrderRow, now: datetime, clearing_due: timedelta) -> bool:
    if row.pending is not None:
        return True
    if row.state == State.CLEARING:  # modified_on is when clearing started: nothing stays in it
        return row.modified_on <= now - clearing_due
    return row.state in IN_FLIGHT_STATES
