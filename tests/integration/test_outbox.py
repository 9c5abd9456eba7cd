"""The outbox: a confirmation email the merchant owes is reported and delivered by a follower."""

from __future__ import annotations

import json

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.service import (
    Backoff,
    ConfirmationEmail,
    Customer,
    Mailer,
    OrderService,
    RecordingMailer,
    Shop,
)
from orderstate.adapters.vertex.signatures import sign
from orderstate.engine import Money

EUR_1 = Money.parse("1.00", "EUR")


def paid(number: str) -> tuple[bytes, list[tuple[str, str]]]:
    body = json.dumps(
        {
            "orderNumber": number,
            "orderStatus": "completed",
            "cost": {"amount": "1.00", "currency": "EUR"},
            "payments": [],
        }
    ).encode()
    return body, [("api-notification-sign", sign(body, "s3cret"))]


def service_with(mailer: Mailer) -> OrderService:
    return build_service(shops={115: Shop(("s3cret",))}, mailer=mailer, backoff=Backoff(0, 0))


def test_a_capture_without_a_customer_email_is_reported_and_delivered_once() -> None:
    mailer = RecordingMailer()
    service = service_with(mailer)
    service.place(shop_id=115, order_number="E-1", amount=EUR_1)

    result = service.handle_callback(115, *paid("E-1"))
    again = service.handle_callback(115, *paid("E-1"))
    service.work()
    service.work()

    assert result.outbox == ("confirmation_email",)
    assert again.outbox == ()
    assert [(e.order_number, e.captured) for e in mailer.sent] == [("E-1", EUR_1)]
    assert mailer.sent[0].key.endswith(":4")  # placed, link, captured, then the email is due
    service.close()


def test_a_customer_who_gave_an_email_is_confirmed_by_the_provider_not_the_outbox() -> None:
    mailer = RecordingMailer()
    service = service_with(mailer)
    customer = Customer(first_name="Ana", last_name="Cruz", email="ana@example.com")
    service.place(shop_id=115, order_number="E-2", amount=EUR_1, customer=customer)

    result = service.handle_callback(115, *paid("E-2"))
    service.work()

    assert result.outbox == ()
    assert mailer.sent == []
    service.close()


class FlakyMailer:
    def __init__(self) -> None:
        self.attempts = 0
        self.sent: dict[str, ConfirmationEmail] = {}

    def send(self, email: ConfirmationEmail) -> None:
        self.attempts += 1
        if self.attempts == 1:
            raise TimeoutError("smtp timed out")
        self.sent.setdefault(email.key, email)


def test_a_mailer_that_fails_is_retried_with_the_same_key() -> None:
    mailer = FlakyMailer()
    service = service_with(mailer)
    service.place(shop_id=115, order_number="E-3", amount=EUR_1)
    service.handle_callback(115, *paid("E-3"))

    service.work()
    status = {s.name: s for s in service.follower_status()}
    service.work()

    assert status["orderstate.confirmation-emails"].last_error == "TimeoutError: smtp timed out"
    assert mailer.attempts == 2
    assert [e.order_number for e in mailer.sent.values()] == ["E-3"]
    service.close()
