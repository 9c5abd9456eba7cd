"""The replay audit: rebuild every order from its stored events and check the invariants.

Every stored event must read back: one whose topic names no class here, or whose state does
not decode, is a failure of the audit (never skipped), named by its order where it has one.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Mapper
from eventsourcing.utils import get_topic

from orderstate.engine import CommandRefused, Money, Order, project_order

from .histories import read_histories
from .readstore import OrderState
from .unreadable import UnreadableEvent, order_name
from .views import ReplayReport

__all__ = ["ORDER_TOPICS", "replay_verify"]

ORDER_TOPICS: tuple[str, ...] = tuple(
    sorted(
        get_topic(value)
        for value in vars(Order).values()
        if isinstance(value, type) and issubclass(value, Order.Event | Order.OrderPlaced)
    )
)
"""The topics of every Order event: the ones the audit decodes."""


def replay_verify(
    recorder: ApplicationRecorder,
    mapper: Mapper[UUID],
    known: Mapping[UUID, OrderState],
    *,
    skip: Sequence[str] = (),
) -> ReplayReport:
    """Rebuild every order from its stored events and check the engine's invariants.

    The events are read in bulk (``histories``: one query on SQLite), not one query per order;
    those of other known classes (the inbox; ``skip`` names them) are passed over undecoded,
    and any that does not read back is a failure. Each order is folded from scratch, which
    re-checks every transition against the spec; versions must be contiguous and money
    conserved; and where the read model already ``known`` the order (a read-model row) at the
    same version, the rebuilt one must agree with it.
    """
    started = time.perf_counter()
    with _no_cyclic_gc():  # tens of thousands of acyclic objects: gen-2 scans would dominate
        histories, unreadable = read_histories(recorder, mapper, ORDER_TOPICS, skip=skip)
        failures = [_describe(bad, histories) for bad in unreadable]
        damaged = {bad.originator_id for bad in unreadable}
        failures += _verify({k: v for k, v in histories.items() if k not in damaged}, known)
    elapsed = time.perf_counter() - started
    events = sum(len(stored) for stored in histories.values())
    return ReplayReport(len(histories), events, elapsed, tuple(failures))


def _describe(bad: UnreadableEvent, histories: dict[UUID, list[Any]]) -> str:
    stored = histories.get(bad.originator_id)
    name = order_name(stored[0], "") if stored else ""
    owner = f"order {name}" if name else f"aggregate {bad.originator_id}"
    return f"{owner}: event {bad.version} ({bad.topic}): {bad.reason}"


def _verify(histories: dict[UUID, list[Any]], known: Mapping[UUID, OrderState]) -> list[str]:
    failures: list[str] = []
    for oid, stored in histories.items():
        try:
            rebuilt: Order | None = project_order(None, stored)
        except CommandRefused as error:
            failures.append(f"order {oid}: illegal history: {error}")
            continue
        failures.extend(_check_invariants(rebuilt, known.get(oid), stored))
    return failures


def _check_invariants(
    rebuilt: Order | None, known: OrderState | None, stored: list[Any]
) -> list[str]:
    if rebuilt is None:
        return ["an order with no events"]
    name = rebuilt.order_number
    problems = []
    if [e.originator_version for e in stored] != list(range(1, len(stored) + 1)):
        problems.append(f"{name}: versions not contiguous")
    zero = Money(0, rebuilt.currency)
    if not zero <= rebuilt.refunded <= rebuilt.captured <= rebuilt.authorized <= rebuilt.amount:
        problems.append(f"{name}: money not conserved")
    if known is not None and known.version == rebuilt.version and _row_differs(known, rebuilt):
        problems.append(f"{name}: replay gives {rebuilt.state}, the read model {known.state}")
    return problems


def _row_differs(row: OrderState, order: Order) -> bool:
    return (row.state, row.amount, row.currency, row.final) != (
        order.state,
        order.amount.minor,
        order.currency,
        order.is_final,
    )


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector (reference counting still frees everything)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
