"""Legal provider histories: the snapshots Vertex sends for one order, by outcome.

Each history is the sequence of order snapshots the provider would emit (one per status
change, as callbacks or polls would show them) for a given outcome. Tests use them to prove the
translator converges whatever the delivery order; users' own tests can use them the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from orderstate.adapters.vertex.models import (
    OrderSnapshot,
    OrderStatus,
    Payment,
    PaymentStatus,
    PaymentType,
)
from orderstate.engine.money import Money

__all__ = ["OUTCOMES", "HistorySpec", "history"]


@dataclass(frozen=True)
class HistorySpec:
    """What varies between histories of one outcome."""

    shop_id: int
    order_number: str
    cost: Money
    clearing_visible: bool = True
    """True for the seed's behaviour (in_progress with a completed payment during clearing)."""
    refund_parts: int = 2
    expiry_status: OrderStatus = OrderStatus.CANCELLED


def _charge(amount: Money, status: PaymentStatus) -> Payment:
    return Payment(status=status, amount=amount)


def _refund(amount: Money) -> Payment:
    return Payment(PaymentStatus.COMPLETED, amount, PaymentType.REFUND)


def _start(spec: HistorySpec) -> OrderSnapshot:
    return OrderSnapshot(spec.shop_id, spec.order_number, OrderStatus.IN_PROGRESS, spec.cost)


def _at(base: OrderSnapshot, status: OrderStatus, *payments: Payment) -> OrderSnapshot:
    return replace(base, status=status, payments=payments)


def _paid(spec: HistorySpec) -> list[OrderSnapshot]:
    base = _start(spec)
    charge = _charge(spec.cost, PaymentStatus.COMPLETED)
    clearing = [_at(base, OrderStatus.IN_PROGRESS, charge)] if spec.clearing_visible else []
    return [base, *clearing, _at(base, OrderStatus.COMPLETED, charge)]


def _two_stage_captured(spec: HistorySpec) -> list[OrderSnapshot]:
    base = _start(spec)
    held = _charge(spec.cost, PaymentStatus.AUTHORIZED)
    taken = _charge(spec.cost, PaymentStatus.COMPLETED)
    return [base, _at(base, OrderStatus.IN_PROGRESS, held), _at(base, OrderStatus.COMPLETED, taken)]


def _two_stage_voided(spec: HistorySpec) -> list[OrderSnapshot]:
    base = _start(spec)
    held = _charge(spec.cost, PaymentStatus.AUTHORIZED)
    voided = _charge(spec.cost, PaymentStatus.CANCELLED)
    return [
        base,
        _at(base, OrderStatus.IN_PROGRESS, held),
        _at(base, OrderStatus.CANCELLED, voided),
    ]


def _refund_amounts(spec: HistorySpec, *, whole: bool) -> list[Money]:
    """Cumulative refund totals: ``refund_parts`` steps, ending below or at the cost."""
    parts = max(1, spec.refund_parts)
    top = spec.cost.minor if whole else spec.cost.minor - 1
    steps = [top * (i + 1) // parts for i in range(parts)]
    return [Money(minor, spec.cost.currency) for minor in steps if minor > 0]


def _refunds(spec: HistorySpec, *, whole: bool) -> list[OrderSnapshot]:
    paid = _paid(spec)
    settled = paid[-1]
    snapshots: list[OrderSnapshot] = []
    previous = Money(0, spec.cost.currency)
    for total in _refund_amounts(spec, whole=whole):
        done = total == spec.cost
        status = OrderStatus.REFUNDED if done else OrderStatus.PARTIALLY_REFUNDED
        charge = _charge(
            spec.cost, PaymentStatus.REFUNDED if done else PaymentStatus.PARTIALLY_REFUNDED
        )
        refunds = tuple(_refund(amount) for amount in _increments(previous, total, snapshots))
        snapshots.append(_at(settled, status, charge, *refunds))
        previous = total
    return [*paid, *snapshots]


def _increments(previous: Money, total: Money, earlier: list[OrderSnapshot]) -> list[Money]:
    """Every refund item so far: the earlier snapshot's items plus this step's increment."""
    items = [p.amount for p in earlier[-1].refunds()] if earlier else []
    return [*items, total - previous]


def _review_accepted(spec: HistorySpec) -> list[OrderSnapshot]:
    base = _start(spec)
    return [base, _at(base, OrderStatus.REVIEW), *_paid(spec)[1:]]


def _review_declined(spec: HistorySpec) -> list[OrderSnapshot]:
    base = _start(spec)
    return [base, _at(base, OrderStatus.REVIEW), _at(base, OrderStatus.FAILED)]


def _declined(spec: HistorySpec) -> list[OrderSnapshot]:
    base = _start(spec)
    return [base, _at(base, OrderStatus.FAILED, _charge(spec.cost, PaymentStatus.FAILED))]


def _expired(spec: HistorySpec) -> list[OrderSnapshot]:
    base = _start(spec)
    return [base, _at(base, spec.expiry_status)]


def _rejected(spec: HistorySpec) -> list[OrderSnapshot]:
    base = _start(spec)
    cancelled = _charge(spec.cost, PaymentStatus.CANCELLED)
    return [base, _at(base, OrderStatus.REJECTED, cancelled)]


def _amount_mismatch(spec: HistorySpec) -> list[OrderSnapshot]:
    base = _start(spec)
    short = Money(spec.cost.minor - 1, spec.cost.currency) if spec.cost.minor > 1 else spec.cost
    paid = _charge(short if short != spec.cost else spec.cost + spec.cost, PaymentStatus.COMPLETED)
    return [
        base,
        _at(base, OrderStatus.IN_PROGRESS, paid),
        _at(base, OrderStatus.NEED_ACTION, paid),
    ]


OUTCOMES: dict[str, Callable[[HistorySpec], list[OrderSnapshot]]] = {
    "paid_and_cleared": _paid,
    "two_stage_captured": _two_stage_captured,
    "two_stage_voided": _two_stage_voided,
    "partially_refunded": lambda spec: _refunds(spec, whole=False),
    "fully_refunded": lambda spec: _refunds(spec, whole=True),
    "review_accepted": _review_accepted,
    "review_declined": _review_declined,
    "declined": _declined,
    "expired": _expired,
    "rejected": _rejected,
    "amount_mismatch": _amount_mismatch,
}
"""Every outcome the provider documents, by name."""

TWO_STAGE = frozenset({"two_stage_captured", "two_stage_voided"})


def history(outcome: str, spec: HistorySpec) -> list[OrderSnapshot]:
    """The snapshots of one order with this outcome, in the order the provider emits them."""
    return OUTCOMES[outcome](spec)
