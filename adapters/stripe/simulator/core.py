"""``StripeCore``: the simulator's state, clock, ids, look-ups, events and timers.

``SimulatedStripe`` is split by responsibility into a chain of bases to keep each module small:
this one (what every part shares), ``payments`` (PaymentIntents and the customer's side),
``money`` (refunds, settlement, disputes) and ``simulator`` (the knobs and the app). Every
change goes through ``_emit``, which records an event with a snapshot of the object and hands
it to the webhook outbox.
"""

from __future__ import annotations

import heapq
import json
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from orderstate.adapters.simulation import SimClock

from .errors import StripeRefusal, invalid, not_found
from .events import EventLog, SimEvent
from .ledger import SimBalanceTransaction, SimDispute, SimRefund
from .objects import SimCharge, SimIntent
from .webhooks import Webhooks

__all__ = ["SimClock", "StripeCore"]

_Row = TypeVar("_Row")
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@dataclass(order=True, frozen=True, slots=True)
class _Timer:
    due: datetime
    sequence: int
    kind: str = field(compare=False)
    target: str = field(compare=False)


class StripeCore:
    """What every part of ``SimulatedStripe`` shares; see its docstring for the knobs."""

    clock: SimClock
    events: EventLog
    webhooks: Webhooks
    _lock: threading.RLock
    _random: random.Random
    _intents: dict[str, SimIntent]
    _charges: dict[str, SimCharge]
    _refunds: dict[str, SimRefund]
    _disputes: dict[str, SimDispute]
    _balance: dict[str, SimBalanceTransaction]
    _timers: list[_Timer]
    _sequence: int
    _request: tuple[str | None, str | None]
    _handlers: dict[str, Callable[[str], None]]

    # --- ids, time, look-ups ----------------------------------------------------------------

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_sim" + "".join(self._random.choices(_ALPHABET, k=21))

    def _now(self) -> int:
        return self.clock.timestamp()

    def intent(self, intent_id: str) -> dict[str, Any]:
        """The PaymentIntent as ``GET /v1/payment_intents/{id}`` answers it."""
        with self._lock:
            return self._intent(intent_id).to_json()

    def charge(self, charge_id: str) -> dict[str, Any]:
        with self._lock:
            return self._charge_json(self._charge(charge_id))

    def refund(self, refund_id: str) -> dict[str, Any]:
        with self._lock:
            return self._lookup(self._refunds, "refund", refund_id).to_json()

    def dispute(self, dispute_id: str) -> dict[str, Any]:
        with self._lock:
            return self._dispute_json(self._lookup(self._disputes, "dispute", dispute_id))

    def balance_transaction(self, txn_id: str) -> dict[str, Any]:
        with self._lock:
            return self._lookup(self._balance, "balance_transaction", txn_id).to_json()

    def listed(self, kind: str, **filters: str) -> list[dict[str, Any]]:
        """Every object of ``kind`` (``payment_intent``, ``charge``, ``refund``, ``dispute``),
        oldest first, whose fields equal ``filters`` (``charge="ch_…"``)."""
        with self._lock:
            if kind == "payment_intent":
                rows = [intent.to_json() for intent in self._intents.values()]
            elif kind == "refund":
                rows = [refund.to_json() for refund in self._refunds.values()]
            elif kind == "charge":
                rows = [self._charge_json(charge) for charge in self._charges.values()]
            else:
                rows = [self._dispute_json(dispute) for dispute in self._disputes.values()]
        return [row for row in rows if all(row.get(k) == v for k, v in filters.items())]

    def event_types(self, object_id: str | None = None) -> list[str]:
        """Event types so far, in order (only those about ``object_id`` if given)."""
        return self.events.types(object_id)

    def _intent(self, intent_id: str) -> SimIntent:
        return self._lookup(self._intents, "payment_intent", intent_id)

    def _charge(self, charge_id: str) -> SimCharge:
        return self._lookup(self._charges, "charge", charge_id)

    @staticmethod
    def _lookup(table: dict[str, _Row], kind: str, object_id: str) -> _Row:
        found = table.get(object_id)
        if found is None:
            raise not_found(kind, object_id)
        return found

    def _charge_json(self, charge: SimCharge) -> dict[str, Any]:
        charge.refund_json = [self._refunds[r].to_json() for r in reversed(charge.refunds)]
        return charge.to_json()

    def _dispute_json(self, dispute: SimDispute) -> dict[str, Any]:
        dispute.balance_transactions = [self._balance[t].to_json() for t in dispute.txn_ids]
        return dispute.to_json()

    def _object(self, object_id: str) -> dict[str, Any]:
        """Any object by id, for ``expand``."""
        tables: dict[str, Callable[[str], dict[str, Any]]] = {
            "pi": self.intent,
            "ch": self.charge,
            "re": self.refund,
            "dp": self.dispute,
            "txn": self.balance_transaction,
        }
        fetch = tables.get(object_id.split("_", 1)[0])
        if fetch is None:
            raise invalid("expand", f"This property cannot be expanded ({object_id}).")
        return fetch(object_id)

    def expand(self, data: dict[str, Any], paths: tuple[str, ...]) -> dict[str, Any]:
        """``data`` with the id fields named by ``paths`` (``a.b``) replaced by their objects."""
        for path in paths:
            _expand_path(data, path.split("."), self._object, path)
        return data

    # --- events and timers ------------------------------------------------------------------

    def _emit(self, event_type: str, obj: dict[str, Any]) -> None:
        """Record an event with a snapshot of ``obj`` and send it to the webhook endpoints."""
        self._sequence += 1
        request_id, idempotency_key = self._request
        event = SimEvent(
            sequence=self._sequence,
            id=self._new_id("evt"),
            type=event_type,
            created=self._now(),
            object=json.loads(json.dumps(obj)),
            request_id=request_id,
            idempotency_key=idempotency_key,
        )
        self.events.append(event)
        wanted = sum(1 for endpoint in self.webhooks.endpoints if endpoint.wants(event_type))
        body = json.dumps(event.to_json(pending_webhooks=wanted), separators=(",", ":"))
        self.webhooks.emit(event.id, event_type, body.encode())

    def _schedule(self, after: timedelta, kind: str, target: str) -> None:
        self._sequence += 1
        due = self.clock.now() + after
        heapq.heappush(self._timers, _Timer(due, self._sequence, kind, target))

    def advance(self, delta: timedelta) -> None:
        """Move the clock, firing due timers in time order, then release due deliveries."""
        if delta < timedelta(0):
            raise ValueError("the simulator's clock does not go backwards")
        with self._lock:
            target = self.clock.now() + delta
            while self._timers and self._timers[0].due <= target:
                timer = heapq.heappop(self._timers)
                self.clock._move_to(timer.due)
                self._handlers[timer.kind](timer.target)
            self.clock._move_to(target)
            self.webhooks.release(self._now())

    def advance_to_wall_clock(self) -> None:
        """Catch the clock up with real time (for a served simulator on its own)."""
        behind = datetime.now(UTC) - self.clock.now()
        if behind > timedelta(0):
            self.advance(behind)


def _expand_path(
    data: dict[str, Any], parts: list[str], fetch: Callable[[str], dict[str, Any]], path: str
) -> None:
    head, rest = parts[0], parts[1:]
    if head not in data:
        raise invalid("expand", f"This property cannot be expanded ({path}).")
    value = data[head]
    if isinstance(value, str):
        value = data[head] = fetch(value)
    if rest and isinstance(value, dict):
        _expand_path(value, rest, fetch, path)
    elif rest and value is not None:
        raise StripeRefusal(400, f"This property cannot be expanded ({path}).", param="expand")
