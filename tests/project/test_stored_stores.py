"""Stored events are forever: a store written by an earlier version opens, reads and replays."""

from __future__ import annotations

import shutil
from pathlib import Path

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.service import OrderService, Shop
from orderstate.adapters.store import OrjsonTranscoder
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


def test_a_store_written_with_the_stdlib_transcoder_decodes_every_event_as_it_did(
    tmp_path: Path,
) -> None:
    service = open_copy("store-json-1.sqlite", tmp_path)
    expected = (FIXTURES / "store-json-1.events.txt").read_text().splitlines()

    decoded = [
        f"{n.id} {type(e).__qualname__} {sorted(vars(e).items())!r}"
        for n in service.recorder.select_notifications(1, 10_000)
        for e in [service.mapper.to_domain_event(n)]
    ]

    assert isinstance(service.mapper.transcoder, OrjsonTranscoder)
    assert decoded == expected
    service.close()


def test_a_store_written_with_the_stdlib_transcoder_replays_and_takes_new_events(
    tmp_path: Path,
) -> None:
    service = open_copy("store-json-1.sqlite", tmp_path)

    report = service.replay_verify()
    kept, refunded = service.view(115, "K-1"), service.view(115, "K-2")
    placed = service.place(shop_id=115, order_number="K-3", amount=Money.parse("1.50", "EUR"))
    service.close()
    reopened = open_copy_again(tmp_path / "store-json-1.sqlite")
    again = reopened.replay_verify()

    assert (report.orders, report.events, report.failures) == (13, 70, ())
    assert (kept.state, kept.amount) == ("cancelled", Money(123_456, "EUR"))
    assert kept.captured == Money(0, "EUR")
    assert (refunded.state, refunded.refunded) == ("partially_refunded", Money(2_000, "CLP"))
    assert placed.state == "created"
    assert (again.orders, again.events, again.failures) == (14, 71, ())
    reopened.close()


def open_copy_again(path: Path) -> OrderService:
    return build_service(store=str(path), shops=SHOPS)


def test_a_store_of_resolutions_without_who_and_why_replays_and_reads_them_as_unknown(
    tmp_path: Path,
) -> None:
    service = open_copy("store-resolved-1.sqlite", tmp_path)

    report = service.replay_verify()
    states = [service.view(115, f"R-{n}").state for n in (1, 2, 3)]
    resolved = service.history(115, "R-2")[-1]

    assert (report.orders, report.events, report.failures) == (3, 12, ())
    assert states == ["completed", "refunded", "cancelled"]
    assert (type(resolved).__name__, resolved.resolution) == ("MismatchResolved", "refunded")
    assert (getattr(resolved, "by", "?"), getattr(resolved, "reason", "?")) == (None, None)
    service.close()
