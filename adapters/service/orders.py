"""Loading and saving orders: get → command → save, retried when a concurrent writer wins.

Every use case of the service goes through ``Orders``: one load of the order per command, a
not-found as ``UnknownOrder``, an order whose stored history cannot be read back as
``UnreadableHistory`` (naming the order and the event), and on eventsourcing's
``IntegrityError`` (another writer saved the same order version first) a reload and a second
run of the command, a bounded number of times. Nothing else runs here: side effects follow the
stored events (``followers``).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError

from orderstate.engine import Order, order_id, project_order
from orderstate.engine.order import stamped_by

from .unreadable import READ_ERRORS, UnreadableEvent, UnreadableHistory, diagnose, reason_of
from .views import UnknownOrder

__all__ = ["SAVE_ATTEMPTS", "Orders"]

SAVE_ATTEMPTS = 8


class Orders:
    """The orders (and, through ``save``, anything saved with them) of one application."""

    def __init__(
        self, app: Application[UUID], clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._app = app
        self.clock = clock

    @property
    def app(self) -> Application[UUID]:
        """The application whose store the orders are in."""
        return self._app

    def stamping(self) -> AbstractContextManager[None]:
        """Events decided inside this block carry the service's clock (one clock for all)."""
        return stamped_by(self.clock)

    def get(self, oid: UUID) -> Order | None:
        try:
            order: Order = self._app.repository.get(oid, projector_func=project_order)
        except AggregateNotFoundError:
            return None
        except READ_ERRORS as error:
            raise self.unreadable(oid, error) from error
        return order

    def unreadable(self, oid: UUID, error: Exception) -> UnreadableHistory:
        """The error for order ``oid``, whose history raised ``error`` when read."""
        found = diagnose(self._app.recorder, self._app.mapper, oid)
        if found is not None:
            return found
        return UnreadableHistory(str(oid), UnreadableEvent(oid, 0, "?", reason_of(error)))

    def find(self, shop_id: int, order_number: str) -> Order | None:
        return self.get(order_id(shop_id, order_number))

    def require(self, shop_id: int, order_number: str) -> Order:
        order = self.find(shop_id, order_number)
        if order is None:
            raise UnknownOrder(shop_id, order_number)
        return order

    def load(self, aggregate_id: UUID) -> Any:
        """Any aggregate of the store by id (an inbox item, say)."""
        return self._app.repository.get(aggregate_id)

    def save(self, *aggregates: Any) -> list[int]:
        """Save together, in one transaction (``IntegrityError`` if a version was taken);
        the notification ids of the events saved (none known if an override of ``save``
        returns nothing)."""
        recordings = self._app.save(*aggregates) or ()
        return [recording.notification.id for recording in recordings]

    def head(self) -> int | None:
        """The notification id of the last event anyone saved in the store."""
        return self._app.recorder.max_notification_id()

    def change(
        self,
        oid: UUID,
        command: Callable[[Order], None],
        *,
        loaded: Order | None = None,
    ) -> Order:
        """Run ``command`` on the order and save; on a concurrent write, reload and run again.

        ``loaded`` is the order already in hand (the first attempt does not load it again).
        """
        order = loaded
        for _ in range(SAVE_ATTEMPTS):
            if order is None:
                order = self.get(oid)
            if order is None:
                raise LookupError(f"no order {oid}")
            with self.stamping():
                command(order)
            try:
                self.save(order)
            except IntegrityError:
                order = None
                continue
            return order
        raise RuntimeError(f"order {oid}: gave up after {SAVE_ATTEMPTS} concurrent writes")
