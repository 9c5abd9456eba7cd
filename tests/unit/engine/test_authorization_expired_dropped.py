"""``AuthorizationExpired`` left the life cycle (Vertex documents no hold lapsing by itself, and
a released hold reads ``cancelled`` however it went): nothing emits it, yet a stored one still
reads back, since stored events are forever."""

from __future__ import annotations

from datetime import UTC, datetime

from orderstate.engine import LIFECYCLE, Order, State, project_order

from .builders import placed


def test_the_life_cycle_no_longer_has_authorization_expired() -> None:
    assert "AuthorizationExpired" not in LIFECYCLE.events
    assert not hasattr(Order, "record_authorization_expired")


def test_a_stored_authorization_expired_still_reads_back_as_cancelled() -> None:
    order = placed(auto_capture=False)
    order.record_payment_link("https://payment-page.example/payment?session-id=1")
    order.record_authorization(order.amount)
    order.request_cancel()
    stored = [*order.collect_events()]
    lapsed = Order.AuthorizationExpired(
        originator_id=order.id,
        originator_version=order.version + 1,
        timestamp=datetime(2024, 6, 2, tzinfo=UTC),
    )

    replayed = project_order(None, [*stored, lapsed])

    assert replayed is not None
    assert (replayed.state, replayed.reason, replayed.pending) == (
        State.CANCELLED,
        "authorization expired",
        None,
    )
    assert replayed.version == order.version + 1
