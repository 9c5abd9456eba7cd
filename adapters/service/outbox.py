"""The outbox: messages the merchant owes because of a stored event, delivered by a follower.

``ConfirmationEmailDue`` is stored when a payment is captured for an order whose customer gave
no email at Create Order: the provider will not confirm, so the merchant must. The
``ConfirmationEmails`` follower turns each one into a ``ConfirmationEmail`` for the embedder's
``Mailer`` (a port: anything with ``send``), at least once, with the event's idempotency key
(pass it to your mail provider, or skip a key already sent). ``RecordingMailer``, the default,
logs each delivery and keeps it, so the demo and tests can show what would be sent.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Protocol

from orderstate.engine import Money

from .views import OrderUpdate

__all__ = [
    "CONFIRMATION_EMAIL",
    "ConfirmationEmail",
    "ConfirmationEmails",
    "Mailer",
    "RecordingMailer",
    "outbox_entries",
]

log = logging.getLogger(__name__)

CONFIRMATION_EMAIL = "confirmation_email"
"""The outbox entry a ``ConfirmationEmailDue`` event is."""

_ENTRIES = {"ConfirmationEmailDue": CONFIRMATION_EMAIL}


def outbox_entries(events: tuple[str, ...]) -> tuple[str, ...]:
    """The outbox entries these just-saved events put in the outbox."""
    return tuple(_ENTRIES[name] for name in events if name in _ENTRIES)


@dataclass(frozen=True, slots=True)
class ConfirmationEmail:
    """A payment confirmation the merchant must send (the customer gave the provider no email)."""

    key: str
    """The idempotency key: the same on every delivery of this email."""
    shop_id: int
    order_number: str
    amount: Money
    captured: Money


class Mailer(Protocol):
    """The embedder's way to send a confirmation (raise to have it retried later)."""

    def send(self, email: ConfirmationEmail) -> None: ...


class RecordingMailer:
    """Logs and keeps every confirmation it is given; the default ``Mailer``."""

    def __init__(self) -> None:
        self.sent: list[ConfirmationEmail] = []
        self._lock = threading.Lock()

    def send(self, email: ConfirmationEmail) -> None:
        with self._lock:
            self.sent.append(email)
        log.info(
            "confirmation email due: shop=%s order=%s captured=%s key=%s",
            email.shop_id,
            email.order_number,
            email.captured,
            email.key,
        )


class ConfirmationEmails:
    """The follower that delivers the outbox's confirmation emails to a ``Mailer``."""

    name = "orderstate.confirmation-emails"

    def __init__(self, mailer: Mailer) -> None:
        self.mailer = mailer

    def __call__(self, update: OrderUpdate) -> None:
        if CONFIRMATION_EMAIL not in outbox_entries(update.events):
            return
        view = update.view
        self.mailer.send(
            ConfirmationEmail(
                key=update.key,
                shop_id=view.shop_id,
                order_number=view.order_number,
                amount=view.amount,
                captured=view.captured,
            )
        )
