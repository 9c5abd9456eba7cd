"""The customer an order was placed for, kept beside the order for a later create.

The order's own events record only whether an email was given (``customer_email_given``): the
engine has no business with personal data. But a first create whose outcome is unknown is
re-created by reconciliation, and without the customer the provider would not know whom to
email, while the local order says the provider confirms. So the service saves the customer in
its own small aggregate, in the same transaction as ``OrderPlaced``, keyed by the order's id.
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from orderstate.adapters.port import Customer

__all__ = ["CustomerOnFile", "customer_record_id"]

_NAMESPACE = uuid5(NAMESPACE_URL, "https://orderstate.dev/ns/order-customer")


def customer_record_id(order_id: UUID) -> UUID:
    """The id of the customer record of order ``order_id`` (derived: no lookup table)."""
    return uuid5(_NAMESPACE, str(order_id))


class CustomerOnFile(Aggregate):
    """Who an order was placed for, as the merchant gave it."""

    class Recorded(Aggregate.Created):
        order_id: UUID
        fields: dict[str, str]

        def apply(self, aggregate: Any) -> None:
            """``__init__`` builds the record from this event's fields."""

    def __init__(self, order_id: UUID, fields: dict[str, str]) -> None:
        self.order_id = order_id
        self.fields = fields

    @classmethod
    def of(cls, order_id: UUID, customer: Customer) -> CustomerOnFile:
        fields = {
            name: value
            for name in ("first_name", "last_name", "email", "phone", "customer_id")
            if (value := getattr(customer, name)) is not None
        }
        return cls._create(
            cls.Recorded, id=customer_record_id(order_id), order_id=order_id, fields=fields
        )

    @property
    def customer(self) -> Customer:
        return Customer(**self.fields)
