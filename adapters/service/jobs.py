"""The periodic jobs: reconcile (poll the provider for quiet unfinished orders), refresh one
order, and expire orders past their time limit."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal
from uuid import UUID

from orderstate.adapters.port import (
    Fact,
    FactRejected,
    Outcome,
    ProviderCallFailed,
    ProviderNotConfigured,
    ProviderUnreachable,
    UnknownAtProvider,
)
from orderstate.engine import EXPIRABLE_STATES, Order, State, order_id

from .orders import Orders
from .placing import Placing
from .providers import Providers
from .readmodel import OrderProjection

__all__ = ["ExpiryStatus", "Jobs", "Polled"]

log = logging.getLogger(__name__)

ExpiryStatus = Literal["cancelled", "failed"]
"""How an unpaid order past its time limit ends (the provider's docs disagree)."""


class Polled(StrEnum):
    """What polling an order found besides a fact to apply (see ``Outcome`` for those)."""

    CREATED = "created"
    """The provider never had it: created there now."""
    MISSING = "missing"
    """The provider has no such order, and it was not ours to create."""
    UNREACHABLE = "unreachable"
    """The provider did not answer; try again later."""


class Jobs:
    """Reconciliation and expiry over the read model's orders."""

    def __init__(
        self,
        orders: Orders,
        providers: Providers,
        projection: OrderProjection,
        placing: Placing,
        *,
        clock: Callable[[], datetime],
        expiry_status: ExpiryStatus,
    ) -> None:
        self.orders = orders
        self.providers = providers
        self.projection = projection
        self.placing = placing
        self.clock = clock
        self.expiry_status = expiry_status

    def reconcile(self, *, older_than: timedelta = timedelta(minutes=5)) -> dict[str, int]:
        """Poll the provider for unfinished orders quiet for ``older_than``; apply what it says."""
        self._require_connected("reconcile")
        self.projection.catch_up()
        cutoff = self.clock() - older_than
        counts: Counter[str] = Counter()
        for row in self.projection.store.orders(unfinished_only=True):
            if row.modified_on <= cutoff and (order := self.orders.get(row.id)) is not None:
                counts[self._poll(order)] += 1
        return dict(counts)

    def refresh(self, shop_id: int, order_number: str) -> str:
        """Poll the provider for one order now and apply what it says; returns the outcome."""
        self._require_connected("refresh")
        return self._poll(self.orders.require(shop_id, order_number))

    def apply_polled(self, fact: Fact) -> Outcome:
        """Apply a fact read by polling (not a signed callback) to its order: applied,
        duplicate, stale, or rejected (logged, nothing appended)."""
        provider = self.providers.named(fact.provider)
        outcome = Outcome.DUPLICATE

        def bring_up_to_date(order: Order) -> None:
            nonlocal outcome
            outcome = provider.bring_up_to_date(order, fact).outcome

        try:
            self.orders.change(_oid(fact), bring_up_to_date)
        except FactRejected as error:
            log.warning("poll of %s rejected: %s", fact.order_number, error.reason)
            return Outcome.REJECTED
        return outcome

    def expire(self) -> dict[str, int]:
        """Expire orders past their time limit, after asking the provider what it knows."""
        now = self.clock()
        self.projection.catch_up()
        counts: Counter[str] = Counter()
        for row in self.projection.store.orders(unfinished_only=True):
            if row.time_limit is None or row.time_limit >= now:
                continue
            order = self.orders.get(row.id)
            if order is None or order.state not in EXPIRABLE_STATES:
                continue
            connected = self.providers.for_shop(order.shop_id).connected
            if (
                connected
                and order.state == State.IN_PROGRESS
                and self._poll(order) == Outcome.APPLIED
            ):
                counts["moved on"] += 1
                continue
            self.orders.change(order.id, lambda o: self._expire_if_due(o, now))
            counts["expired"] += 1
        return dict(counts)

    def _poll(self, order: Order) -> str:
        try:
            fact = self.providers.for_shop(order.shop_id).poll(order.shop_id, order.order_number)
        except UnknownAtProvider:
            if order.state == State.CREATED:  # the provider never got it: create it now
                try:
                    self.placing.create_at_provider(order, None)
                except ProviderUnreachable as error:
                    log.warning("reconcile %s: %s", order.order_number, error)
                    return Polled.UNREACHABLE
                return Polled.CREATED
            return Polled.MISSING
        except ProviderCallFailed as error:
            log.warning("reconcile %s: %s", order.order_number, error)
            return Polled.UNREACHABLE
        return self.apply_polled(fact)

    def _expire_if_due(self, order: Order, now: datetime) -> None:
        if order.state in EXPIRABLE_STATES:
            order.expire(now, ends_in=self.expiry_status)

    def _require_connected(self, job: str) -> None:
        if not self.providers.any_connected:
            raise ProviderNotConfigured(f"{job} needs a provider: set its access token")


def _oid(fact: Fact) -> UUID:
    return order_id(fact.shop_id, fact.order_number)
