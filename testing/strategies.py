"""Hypothesis strategies for Vertex orders: money, provider histories and hostile deliveries.

A *history* is what the provider emits for one order with a given outcome (``OUTCOMES`` in the
adapter, so new outcomes show up here by themselves). A *delivery* is how those snapshots
reach a shop: a tuple of steps, each a small frozen dataclass whose repr pastes back as Python,
so a shrunk failure prints as a reproducible snippet::

    (Deliver(index=2), Deliver(index=0), Deliver(index=2), Reconcile())

``Deliver`` sends one snapshot as a signed callback; a snapshot that is never delivered was
dropped, and the closing ``Reconcile`` polls the provider's final view instead. Adversarial
steps (``Forged``, ``Unsigned``, ``Tampered``) must be refused by the receiver and change
nothing; ``Stale`` resends an older snapshot after a newer one. ``to_callback`` turns a step into
the raw body and headers the provider would send, and ``run_delivery`` plays a whole delivery
against an ``OrderService``.

Strategies shrink toward fewer steps and the in-order delivery: drops, duplicates and extra
adversarial steps are drawn as small lists and booleans, the order as a permutation.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Literal, TypeAlias

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from orderstate.adapters.port import Outcome
from orderstate.adapters.service import CallbackResult, OrderService
from orderstate.adapters.vertex import (
    SIGNATURE_HEADER,
    OrderSnapshot,
    OrderStatus,
    VertexProvider,
    cost_json,
    order_to_json,
    sign,
)
from orderstate.engine.currencies import EXPONENTS
from orderstate.engine.money import Money
from orderstate.testing.vertex_histories import OUTCOMES, TWO_STAGE, HistorySpec, history

__all__ = [
    "DEFAULT_SHOP_ID",
    "REFUSED_OUTCOMES",
    "CallbackStep",
    "Deliver",
    "Delivery",
    "Forged",
    "Interleaving",
    "ProviderHistory",
    "Reconcile",
    "Stale",
    "Step",
    "Tampered",
    "Unsigned",
    "adversarial_deliveries",
    "deliveries",
    "histories",
    "interleavings",
    "money",
    "run_delivery",
    "to_callback",
]

DEFAULT_SHOP_ID = 115
"""The docs' example shop, the one the simulator and the pytest fixtures use."""

REFUSED_OUTCOMES = frozenset({Outcome.UNAUTHENTICATED, Outcome.MALFORMED, Outcome.TOO_LARGE})
"""``CallbackResult.outcome`` values that mean the receiver refused the callback unread."""

_FORGER_SECRET = "not-the-shop-secret"
_MAJOR_UNITS = 10**7
"""Default ceiling for drawn amounts: under ten million major units of any currency."""


# --- money -----------------------------------------------------------------------------------


def _currency_order() -> list[str]:
    """Every known code, common ones first so failures shrink to a familiar currency."""
    first = ["USD", "JPY", "BHD", "PHP", "BTC"]
    return [*[c for c in first if c in EXPONENTS], *sorted(c for c in EXPONENTS if c not in first)]


def money(
    currency: str | None = None, *, min_minor: int = 0, max_minor: int | None = None
) -> SearchStrategy[Money]:
    """Exact amounts in ``currency`` (any known one if None), in that currency's minor units.

    ``max_minor`` defaults to just under ten million major units of the drawn currency, so a
    3-decimal BHD and an 18-decimal ETH amount are both realistic.
    """
    if min_minor < 0:
        raise ValueError("min_minor must not be negative: Money is never negative")
    if currency is not None:
        return _money_in(currency, min_minor=min_minor, max_minor=max_minor)
    return st.sampled_from(_currency_order()).flatmap(
        lambda code: _money_in(code, min_minor=min_minor, max_minor=max_minor)
    )


def _money_in(currency: str, *, min_minor: int, max_minor: int | None) -> SearchStrategy[Money]:
    top = max_minor if max_minor is not None else _MAJOR_UNITS * 10 ** EXPONENTS[currency] - 1
    if top < min_minor:
        raise ValueError(f"max_minor {top} is below min_minor {min_minor}")
    # partial, not a lambda: Hypothesis prints mapped values via the lambda's source text.
    return st.integers(min_minor, top).map(partial(Money, currency=currency))


# --- histories -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderHistory:
    """One order's provider snapshots, oldest first, and how it was generated."""

    outcome: str
    spec: HistorySpec
    snapshots: tuple[OrderSnapshot, ...]
    auto_capture: bool
    """False for the two-stage outcomes (the order must be placed with a separate capture)."""

    @property
    def final(self) -> OrderSnapshot:
        """The provider's view at the end: what a reconciliation poll returns."""
        return self.snapshots[-1]


def histories(
    outcomes: Sequence[str] | None = None,
    *,
    shop_id: int = DEFAULT_SHOP_ID,
    currency: str | None = None,
    order_number: str | None = None,
) -> SearchStrategy[ProviderHistory]:
    """Legal provider histories for one order, by outcome (every outcome in ``OUTCOMES`` if
    None); the cost, clearing visibility, refund parts and expiry status are drawn."""
    names = list(OUTCOMES) if outcomes is None else list(outcomes)
    unknown = [name for name in names if name not in OUTCOMES]
    if unknown or not names:
        raise ValueError(f"unknown outcomes {unknown}; known: {sorted(OUTCOMES)}")
    numbers = (
        st.just(order_number)
        if order_number is not None
        else st.integers(1, 999_999).map(lambda n: f"order-{n}")
    )
    return _histories(st.sampled_from(names), shop_id, currency, numbers)


@st.composite
def _histories(
    draw: st.DrawFn,
    outcomes: SearchStrategy[str],
    shop_id: int,
    currency: str | None,
    numbers: SearchStrategy[str],
) -> ProviderHistory:
    outcome = draw(outcomes)
    refund_parts = draw(st.integers(1, 3))
    # Every refund part must move money, and an amount mismatch needs room below the cost.
    cost = draw(money(currency, min_minor=refund_parts + 1))
    spec = HistorySpec(
        shop_id=shop_id,
        order_number=draw(numbers),
        cost=cost,
        clearing_visible=draw(st.booleans()),
        refund_parts=refund_parts,
        expiry_status=draw(st.sampled_from([OrderStatus.CANCELLED, OrderStatus.FAILED])),
    )
    snapshots = tuple(history(outcome, spec))
    return ProviderHistory(outcome, spec, snapshots, auto_capture=outcome not in TWO_STAGE)


# --- delivery steps --------------------------------------------------------------------------


@dataclass(frozen=True)
class Deliver:
    """Send snapshot ``index`` as a correctly signed callback."""

    index: int


@dataclass(frozen=True)
class Stale:
    """Resend snapshot ``index`` after a newer one was delivered: it must change nothing."""

    index: int


@dataclass(frozen=True)
class Forged:
    """Snapshot ``index`` signed with a secret that is not the shop's: must be refused."""

    index: int


@dataclass(frozen=True)
class Unsigned:
    """Snapshot ``index`` without the signature header: must be refused."""

    index: int


@dataclass(frozen=True)
class Tampered:
    """Snapshot ``index`` signed, then its ``cost`` changed in transit: must be refused."""

    index: int
    field: Literal["amount", "currency"] = "amount"


@dataclass(frozen=True)
class Reconcile:
    """Poll the provider: apply its final view, as ``OrderService.refresh`` would."""


CallbackStep: TypeAlias = Deliver | Stale | Forged | Unsigned | Tampered
"""A step that arrives as an HTTP callback."""

Step: TypeAlias = CallbackStep | Reconcile

Delivery: TypeAlias = tuple[Step, ...]
"""How one order's history reaches the shop, step by step."""


def to_callback(
    step: Step, snapshots: Sequence[OrderSnapshot], secret: str
) -> tuple[bytes, list[tuple[str, str]]]:
    """The raw body and headers the provider (or an attacker) would send for ``step``."""
    if isinstance(step, Reconcile):
        raise TypeError("Reconcile is a poll, not a callback")
    snapshot = snapshots[step.index]
    body = _body(order_to_json(snapshot))
    key = _FORGER_SECRET if isinstance(step, Forged) else secret
    headers = [("content-type", "application/json")]
    if not isinstance(step, Unsigned):
        headers.append((SIGNATURE_HEADER, sign(body, key)))
    if isinstance(step, Tampered):
        body = _body(_tamper(order_to_json(snapshot), snapshot.cost, step.field))
    return body, headers


def _body(data: dict[str, object]) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode("utf-8")


def _tamper(data: dict[str, object], cost: Money, field: str) -> dict[str, object]:
    """Change the order's amount, or every currency in it, to another well-formed value, so the
    body still parses and only the signature can tell."""
    if field == "amount":
        data["cost"] = cost_json(Money(cost.minor + 1, cost.currency))
        return data
    if field != "currency":
        raise ValueError(f"cannot tamper with {field!r}: amount or currency")
    other = _other_currency(cost.currency)
    data["cost"] = cost_json(Money(cost.minor, other))
    payments = data.get("payments")
    for item in payments if isinstance(payments, list) else []:
        item["cost"]["currency"] = other
    return data


def _other_currency(currency: str) -> str:
    """A different code with the same precision, so the tampered body still parses."""
    same = [c for c in _currency_order() if EXPONENTS[c] == EXPONENTS[currency] and c != currency]
    return same[0] if same else ("USD" if currency != "USD" else "EUR")


# --- deliveries ------------------------------------------------------------------------------


def deliveries(history: ProviderHistory) -> SearchStrategy[Delivery]:
    """Honest but unreliable deliveries of ``history``: snapshots dropped, duplicated and
    reordered, then a ``Reconcile`` whenever the final snapshot was dropped (and sometimes
    anyway). Shrinks toward the in-order delivery of every snapshot once."""
    return _deliveries(len(history.snapshots))


@st.composite
def _deliveries(draw: st.DrawFn, count: int) -> Delivery:
    # The same number of draws whatever is dropped: Hypothesis shrinks toward fewer draws
    # first, and the simplest delivery must be the honest one (all, in order, once).
    order = list(draw(st.permutations(range(count))))
    dropped = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    wants_poll = draw(st.booleans())
    extra = draw(st.lists(st.tuples(st.integers(0, count - 1), st.integers(0, count)), max_size=3))
    kept = [index for index in order if not dropped[index]]
    for index, position in extra:
        kept.insert(min(position, len(kept)), index)
    steps: list[Step] = [Deliver(index) for index in kept]
    if wants_poll or count - 1 not in kept:
        steps.append(Reconcile())
    return tuple(steps)


def adversarial_deliveries(
    history: ProviderHistory, *, max_hostile: int = 3
) -> SearchStrategy[Delivery]:
    """``deliveries`` with up to ``max_hostile`` forged, unsigned, tampered or stale callbacks
    slipped in anywhere; none of them may change the order."""
    return _adversarial(len(history.snapshots), max_hostile)


_hostile_kinds: SearchStrategy[str] = st.sampled_from(
    ["stale", "forged", "unsigned", "tampered_amount", "tampered_currency"]
)


@st.composite
def _adversarial(draw: st.DrawFn, count: int, max_hostile: int) -> Delivery:
    steps = list(draw(_deliveries(count)))
    inserts = draw(
        st.lists(
            st.tuples(_hostile_kinds, st.integers(0, count - 1), st.integers(0, 2 * count + 4)),
            max_size=max_hostile,
        )
    )
    for kind, index, position in inserts:
        at = min(position, len(steps))
        step = _hostile(kind, index, steps[:at])
        if step is not None:
            steps.insert(at, step)
    return tuple(steps)


def _hostile(kind: str, index: int, before: Sequence[Step]) -> CallbackStep | None:
    if kind == "forged":
        return Forged(index)
    if kind == "unsigned":
        return Unsigned(index)
    if kind.startswith("tampered"):
        return Tampered(index, "amount" if kind == "tampered_amount" else "currency")
    newest = max((s.index for s in before if isinstance(s, Deliver)), default=0)
    return Stale(index % newest) if newest > 0 else None  # only older than one delivered


# --- several orders ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Interleaving:
    """Several orders' deliveries merged into one stream: ``(order index, step)`` pairs, so
    one order's callback can be delayed past other orders' callbacks."""

    histories: tuple[ProviderHistory, ...]
    steps: tuple[tuple[int, Step], ...]

    def delivery(self, order: int) -> Delivery:
        """The steps of one order, in the order the stream delivers them."""
        return tuple(step for index, step in self.steps if index == order)


def interleavings(
    n_orders: int,
    outcomes: Sequence[str] | None = None,
    *,
    shop_id: int = DEFAULT_SHOP_ID,
    currency: str | None = None,
    adversarial: bool = False,
) -> SearchStrategy[Interleaving]:
    """``n_orders`` histories (``order-1`` … ``order-n``) whose deliveries are interleaved.

    The merge is a permutation of the orders' steps, which Hypothesis shrinks toward the
    unmixed stream (each order's steps one after the other), though not always all the way.
    """
    if n_orders < 1:
        raise ValueError("n_orders must be at least 1")
    return _interleavings(n_orders, outcomes, shop_id, currency, adversarial)


@st.composite
def _interleavings(
    draw: st.DrawFn,
    n_orders: int,
    outcomes: Sequence[str] | None,
    shop_id: int,
    currency: str | None,
    adversarial: bool,
) -> Interleaving:
    drawn = tuple(
        draw(histories(outcomes, shop_id=shop_id, currency=currency, order_number=f"order-{i}"))
        for i in range(1, n_orders + 1)
    )
    each = [draw(adversarial_deliveries(h) if adversarial else deliveries(h)) for h in drawn]
    labels = [order for order, steps in enumerate(each) for _ in steps]
    merged = draw(st.permutations(labels)) if labels else []
    cursors = [0] * n_orders
    stream: list[tuple[int, Step]] = []
    for order in merged:
        stream.append((order, each[order][cursors[order]]))
        cursors[order] += 1
    return Interleaving(drawn, tuple(stream))


# --- playing a delivery ------------------------------------------------------------------------


def run_delivery(
    service: OrderService,
    history: ProviderHistory,
    delivery: Delivery,
    *,
    secret: str,
) -> list[CallbackResult | Outcome]:
    """Play ``delivery`` against ``service``: callbacks through ``handle_callback`` (the order
    must already be placed), ``Reconcile`` as the final snapshot applied like a poll.

    Returns each step's result: a ``CallbackResult``, or the poll's ``Outcome``.
    """
    results: list[CallbackResult | Outcome] = []
    shop_id = history.spec.shop_id
    for step in delivery:
        if isinstance(step, Reconcile):
            results.append(service.apply_polled(VertexProvider().fact(history.final)))
            continue
        body, headers = to_callback(step, history.snapshots, secret)
        results.append(service.handle_callback(shop_id, body, headers))
    return results
