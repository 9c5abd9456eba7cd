"""Builders shared by the engine tests: orders walked to a given point of the life cycle."""

from __future__ import annotations

from collections.abc import Callable

from orderstate.engine import Money, Order

PHP = "PHP"


def php(amount: str) -> Money:
    return Money.parse(amount, PHP)


def placed(*, auto_capture: bool = True, email: bool = True, number: str = "test04") -> Order:
    return Order.place(
        shop_id=115,
        order_number=number,
        amount=php("56.99"),
        auto_capture=auto_capture,
        customer_email_given=email,
    )


def walk(order: Order, *steps: Callable[[Order], object]) -> Order:
    for step in steps:
        step(order)
    return order


def link(order: Order) -> None:
    order.record_payment_link("https://payment-page.example/payment?session-id=1")


def settled(*, email: bool = True) -> Order:
    return walk(
        placed(email=email),
        link,
        Order.record_capture,
        Order.record_clearing_started,
        Order.record_settlement,
    )
