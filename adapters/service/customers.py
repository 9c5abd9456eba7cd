"""The customer an order was placed for, kept beside the order for a later create.

The order's own events record only whether an email was given (``customer_email_given``): the
engine has no business with personal data. But a first create whose outcome is unknown is
re-created by reconciliation, and without the customer the provider would not know whom to
email, while the local order says the provider confirms. So the service saves the customer in
its own small aggregate, in the same transaction as ``OrderPlaced``, keyed by the order's id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from orderstate.adapters.port import Customer

__all__ = [
    "CheckoutChoice",
    "ChoiceOnFile",
    "CustomerOnFile",
    "choice_record_id",
    "customer_record_id",
]

_NAMESPACE = uuid5(NAMESPACE_URL, "https://orderstate.dev/ns/order-customer")
_CHOICE_NAMESPACE = uuid5(NAMESPACE_URL, "https://orderstate.dev/ns/order-checkout-choice")


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


def choice_record_id(order_id: UUID) -> UUID:
    """The id of the checkout choice of order ``order_id`` (derived: no lookup table)."""
    return uuid5(_CHOICE_NAMESPACE, str(order_id))


class ChoiceOnFile(Aggregate):
    """The payment method and return URLs the merchant chose at ``place``: a re-create after
    an ambiguous first create must send the same choice, so it is kept like the customer."""

    class Recorded(Aggregate.Created):
        order_id: UUID
        payment_method: str | None
        success_url: str | None
        failure_url: str | None

        def apply(self, aggregate: Any) -> None:
            """``__init__`` builds the record from this event's fields."""

    def __init__(
        self,
        order_id: UUID,
        payment_method: str | None,
        success_url: str | None,
        failure_url: str | None,
    ) -> None:
        self.order_id = order_id
        self.payment_method = payment_method
        self.success_url = success_url
        self.failure_url = failure_url

    @classmethod
    def of(cls, order_id: UUID, choice: CheckoutChoice) -> ChoiceOnFile:
        return cls._create(
            cls.Recorded,
            id=choice_record_id(order_id),
            order_id=order_id,
            payment_method=choice.payment_method,
            success_url=choice.success_url,
            failure_url=choice.failure_url,
        )

    @property
    def choice(self) -> CheckoutChoice:
        return CheckoutChoice(self.payment_method, self.success_url, self.failure_url)


@dataclass(frozen=True, slots=True)
class CheckoutChoice:
    """What the merchant chose for the payment page: a method (a ``PaymentOption`` code) and
    where the customer returns after paying or failing to."""

    payment_method: str | None = None
    success_url: str | None = None
    failure_url: str | None = None

    def __bool__(self) -> bool:
        return any((self.payment_method, self.success_url, self.failure_url))
