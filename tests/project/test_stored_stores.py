"""Stored events are forever: a store written by an earlier version opens, reads and replays."""

from __future__ import annotations

import shutil
from pathlib import Path

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.service import OrderService, Shop
from orderstate.engine import Money

FIXTURES = Path(__file__).parent / "fixtures"
SHOPS = {115: Shop(("fixture-secret-115",))}


def open_copy(name: str, tmp_path: Path) -> OrderService:
    copy = tmp_path / name
    shutil.copy(FIXTURES / name, copy)
    return build_service(store=str(copy), shops=SHOPS)


def test_a_0_1_0_store_reads_its_orders_history_and_inbox(tmp_path: Path) -> None:
    service = open_copy("store-0.1.0.sqlite", tmp_path)

    first, second = service.view(115, "F-1"), service.view(115, "F-2")
    events = [type(event).__name__ for event in service.history(115, "F-1")]
    rejected = sorted((item.kind, item.reason) for item in service.rejected_callbacks())

    assert (first.state, first.pending, first.captured) == ("completed", "refund", first.amount)
    assert (second.state, second.pending) == ("authorized", "capture")
    assert events == [
        "OrderPlaced",
        "PaymentLinkIssued",
        "PaymentCaptured",
        "ConfirmationEmailDue",
        "ClearingStarted",
        "OrderSettled",
        "RefundRequested",
    ]
    assert [kind for kind, _ in rejected] == ["conflict", "malformed", "unauthenticated"]
    service.close()


def test_a_0_1_0_store_replays_clean_and_finishes_its_deferred_callback(tmp_path: Path) -> None:
    service = open_copy("store-0.1.0.sqlite", tmp_path)

    report = service.replay_verify()
    placed = service.place(shop_id=115, order_number="F-9", amount=Money.parse("5.00", "EUR"))

    assert (report.orders, report.failures) == (2, ())
    assert placed.state == "in_progress"  # the callback deferred in 0.1.0 applied now
    service.close()
