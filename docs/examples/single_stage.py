"""One order through Vertex Gateway's single-stage flow, then its history, replayed.

Run it with ``make demo`` (or ``.venv/bin/python docs/examples/single_stage.py``). It is the
executable example of docs/concepts.md and is run by the test suite.
"""

from __future__ import annotations

from orderstate.engine import CommandRefused, Money, Order, project_order


def main() -> int:
    # The merchant records the order; the provider has not seen it yet.
    order = Order.place(
        shop_id=115,
        order_number="test04",
        amount=Money.parse("56.99", "PHP"),
        customer_email_given=False,  # so the merchant, not the gateway, sends the confirmation
    )
    # Create Order answered with a paymentLink; the customer pays; 1-3 days of clearing.
    order.record_payment_link("https://payment-page.stage.vertexgateway.com/payment?session-id=1")
    order.record_capture()  # single-stage: the payment captures the full amount
    order.record_clearing_started()
    order.record_settlement()
    # A partial refund, asked for and then confirmed by the provider.
    order.request_refund(Money.parse("6.99", "PHP"))
    order.record_refund(Money.parse("6.99", "PHP"))

    try:
        order.record_refund(
            Money.parse("60.00", "PHP")
        )  # more than is left: refused, nothing appended
    except CommandRefused as refused:
        print(f"refused: {refused.reason}")

    events = order.collect_events()
    print(f"order {order.shop_id}/{order.order_number} ({order.id})")
    replayed: Order | None = None
    for event in events:
        replayed = project_order(replayed, [event])
        assert replayed is not None
        print(f"  v{event.originator_version:<2} {type(event).__name__:<22} -> {replayed.state}")
    print(
        f"state {order.state}: captured {order.captured}, refunded {order.refunded}, "
        f"confirmation sent by the {order.confirmation_sender}"
    )
    same = replayed == order
    print(f"replay of {len(events)} events equals the live order: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
