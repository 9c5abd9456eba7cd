"""``Settlement``: balance transactions, pending until ``available_on``, then available.

Every money movement the simulator makes is booked here: a capture (``charge``), a refund
(``refund``, negative) or its failure (``refund_failure``, positive again), a dispute's
withdrawal and reinstatement (``adjustment``). Each stays ``pending`` for ``settlement_delay`` of
simulator time and then becomes ``available``, which emits ``balance.available`` with the
account's balance, as Stripe does; Stripe sends no event per transaction, so a client learns a
charge has settled by retrieving it with ``expand[]=balance_transaction``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from .core import StripeCore
from .ledger import SimBalanceTransaction

__all__ = ["Settlement"]


class Settlement(StripeCore):
    """Booking money movements and making them available on the clock."""

    settlement_delay: timedelta
    fee_basis_points: int
    fee_fixed: int

    def _book(
        self,
        *,
        amount: int,
        currency: str,
        kind: str,
        category: str,
        source: str,
        fee: int = 0,
        description: str | None = None,
    ) -> SimBalanceTransaction:
        now = self._now()
        txn = SimBalanceTransaction(
            id=self._new_id("txn"),
            amount=amount,
            currency=currency,
            created=now,
            available_on=now + int(self.settlement_delay.total_seconds()),
            type=kind,
            reporting_category=category,
            source=source,
            fee=fee,
            description=description,
        )
        self._balance[txn.id] = txn
        self._schedule(self.settlement_delay, "available", txn.id)
        return txn

    def _processing_fee(self, amount: int) -> int:
        """Stripe's percentage-plus-fixed fee, rounded half up (0 unless the knobs say)."""
        if not self.fee_basis_points and not self.fee_fixed:
            return 0
        return (amount * self.fee_basis_points + 5_000) // 10_000 + self.fee_fixed

    def _make_available(self, txn_id: str) -> None:
        txn = self._balance[txn_id]
        if txn.status == "available":
            return
        txn.status = "available"
        self._emit("balance.available", self.balance())

    def balance(self) -> dict[str, Any]:
        """The account's balance, as ``GET /v1/balance`` answers it: net sums per currency."""
        with self._lock:
            sums: dict[tuple[str, str], int] = {}
            for txn in self._balance.values():
                key = (txn.status, txn.currency)
                sums[key] = sums.get(key, 0) + txn.amount - txn.fee
        return {
            "object": "balance",
            "livemode": False,
            "available": _amounts(sums, "available"),
            "pending": _amounts(sums, "pending"),
        }


def _amounts(sums: dict[tuple[str, str], int], status: str) -> list[dict[str, Any]]:
    return [
        {"amount": amount, "currency": currency, "source_types": {"card": amount}}
        for (kind, currency), amount in sorted(sums.items())
        if kind == status
    ]
