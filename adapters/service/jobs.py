"""The periodic jobs: reconcile (poll the provider for quiet orders that can still change by
themselves, ``polling``), refresh one order, and expire orders past their time limit.

Expiry never ends an order the customer may still pay. An order past its time limit is polled
first: if the provider cannot be asked (unreachable, a timeout, an answer it could not read) it
is left alone and counted ``unknown`` (the next run asks again); if the provider has moved it
on, that is applied; if it is still open there (or no provider is configured to ask), the order
goes to ``expired``, which is not final: the provider's own end closes it, reconcile keeps
polling it, and a payment after all makes it ``need_action``. Only an order the provider never
had ends here for good (as ``expiry_status`` says).
"""

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

from .inbox import CONFLICT, InboxItem
from .orders import Orders
from .placing import Placing
from .polling import CLEARING_DUE, DEFAULT_LIMIT, due_for_poll
from .providers import Providers
from .readmodel import OrderProjection
from .readstore import OrderRow
from .unreadable import UnreadableHistory

__all__ = ["POLLED_HEADER", "Expiry", "ExpiryStatus", "Jobs", "Polled"]

POLLED_HEADER = "x-orderstate-polled-from"
"""Marks an inbox item that is a polled view kept for inspection, not a received callback."""

log = logging.getLogger(__name__)

ExpiryStatus = Literal["cancelled", "failed"]
"""How an order past its time limit ends when the provider never had it (the provider's docs
disagree); one the provider has waits in ``expired`` for the provider's own end."""


class Polled(StrEnum):
    """What polling an order found besides a fact to apply (see ``Outcome`` for those)."""

    CREATED = "created"
    """The provider never had it: created there now."""
    MISSING = "missing"
    """The provider has no such order, and it was not ours to create."""
    UNREACHABLE = "unreachable"
    """The provider did not answer; try again later."""
    UNREADABLE = "unreadable"
    """The order's stored history does not read back (``UnreadableHistory``): for a person."""


class Expiry(StrEnum):
    """What the expiry job did with one order past its time limit."""

    EXPIRED = "expired"
    """Still open at the provider (or no provider to ask): ``expired``, waiting for its word."""
    ENDED = "ended"
    """The provider never had it: ended for good (``expiry_status``)."""
    MOVED_ON = "moved on"
    """The provider had moved it on (paid, ended): applied instead."""
    UNKNOWN = "unknown"
    """The provider could not be asked, or its answer not applied: left alone until next run."""
    UNREADABLE = "unreadable"
    """Its stored history does not read back (``UnreadableHistory``): left for a person."""


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

    def reconcile(
        self,
        *,
        older_than: timedelta = timedelta(minutes=5),
        limit: int = DEFAULT_LIMIT,
        clearing_due: timedelta = CLEARING_DUE,
    ) -> dict[str, int]:
        """Poll the provider for the orders that can still change without the merchant acting
        (``polling.due_for_poll``: quiet for ``older_than``, at most ``limit``, the oldest
        change first); apply what it says."""
        self._require_connected("reconcile")
        self.projection.catch_up()
        counts: Counter[str] = Counter()
        for row in self._due_for_poll(older_than, limit, clearing_due):
            try:
                order = self.orders.get(row.id)
                if order is not None:
                    counts[self._poll(order)] += 1
            except UnreadableHistory as error:
                log.error("reconcile: %s", error)
                counts[Polled.UNREADABLE] += 1
        return dict(counts)

    def _due_for_poll(
        self, older_than: timedelta, limit: int, clearing_due: timedelta
    ) -> list[OrderRow]:
        rows = self.projection.store.orders(unfinished_only=True)
        return due_for_poll(
            rows, self.clock(), limit=limit, quiet=older_than, clearing_due=clearing_due
        )

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
            self._keep_rejected_poll(fact, error)
            return Outcome.REJECTED
        return outcome

    def _keep_rejected_poll(self, fact: Fact, error: FactRejected) -> None:
        """Keep a contradicting polled view in the inbox, like a rejected callback, for a
        person to inspect (``inbox_items``): the log alone is gone by the time one looks."""
        item = InboxItem.receive(
            shop_id=fact.shop_id,
            body=error.evidence,
            headers=[(POLLED_HEADER, fact.provider)],
            received_at=self.clock(),
        )
        item.rejected(CONFLICT, f"polled: {error.reason}")
        self.orders.save(item)

    def expire(self) -> dict[str, int]:
        """Expire orders past their time limit, after asking the provider what it knows (see
        the module's docstring); returns how many of each ``Expiry``."""
        now = self.clock()
        self.projection.catch_up()
        counts: Counter[str] = Counter()
        for row in self.projection.store.orders(unfinished_only=True):
            if row.time_limit is None or row.time_limit >= now:
                continue
            try:
                order = self.orders.get(row.id)
                if order is None or order.state not in EXPIRABLE_STATES:
                    continue
                counts[self._expire(order, now)] += 1
            except UnreadableHistory as error:
                log.error("expire: %s", error)
                counts[Expiry.UNREADABLE] += 1
        return dict(counts)

    def _expire(self, order: Order, now: datetime) -> Expiry:
        provider = self.providers.for_shop(order.shop_id)
        if provider.connected:
            try:
                fact = provider.poll(order.shop_id, order.order_number)
            except UnknownAtProvider:
                if order.state != State.CREATED:
                    log.warning("expire %s: the provider has no such order", order.order_number)
                    return Expiry.UNKNOWN
                self.orders.change(order.id, lambda o: self._end_if_due(o, now))
                return Expiry.ENDED
            except ProviderCallFailed as error:
                log.warning("expire %s: provider state unknown (%s)", order.order_number, error)
                return Expiry.UNKNOWN
            if self.apply_polled(fact) == Outcome.REJECTED:
                return Expiry.UNKNOWN
        lapsed = self.orders.change(order.id, lambda o: _lapse_if_due(o, now))
        return Expiry.EXPIRED if lapsed.state == State.EXPIRED else Expiry.MOVED_ON

    def _poll(self, order: Order) -> str:
        try:
            fact = self.providers.for_shop(order.shop_id).poll(order.shop_id, order.order_number)
        except UnknownAtProvider:
            if order.state == State.CREATED:  # the provider never got it: create it now
                try:
                    self.placing.create_at_provider(
                        order, self.placing.customer_of(order), self.placing.choice_of(order)
                    )
                except ProviderUnreachable as error:
                    log.warning("reconcile %s: %s", order.order_number, error)
                    return Polled.UNREACHABLE
                return Polled.CREATED
            return Polled.MISSING
        except ProviderCallFailed as error:
            log.warning("reconcile %s: %s", order.order_number, error)
            return Polled.UNREACHABLE
        return self.apply_polled(fact)

    def _end_if_due(self, order: Order, now: datetime) -> None:
        if order.state in EXPIRABLE_STATES:
            order.expire(now, ends_in=self.expiry_status)

    def _require_connected(self, job: str) -> None:
        if not self.providers.any_connected:
            raise ProviderNotConfigured(f"{job} needs a provider: set its access token")


def _lapse_if_due(order: Order, now: datetime) -> None:
    """``expired`` unless the order has moved on meanwhile (a poll, a callback)."""
    if order.state in EXPIRABLE_STATES:
        order.lapse(now)


def _oid(fact: Fact) -> UUID:
    return order_id(fact.shop_id, fact.order_number)
