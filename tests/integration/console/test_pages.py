"""What the console's pages show, read over HTTP: the order list and its filters, one order's
path, timeline and replay, the inbox and its re-process, and bad input answered 4xx."""

from __future__ import annotations

import re
from uuid import uuid4

import pytest
from starlette.applications import Starlette

from orderstate.adapters.service import OrderService
from orderstate.adapters.web import create_app
from orderstate.adapters.web.console import ConsoleConfig
from orderstate.adapters.web.console.diagram import order_path
from orderstate.engine import LIFECYCLE
from orderstate.engine.diagram import move_id, state_id
from tests.support.console_data import SHOP

from .conftest import TOKEN, Client

BEARER = {"Authorization": f"Bearer {TOKEN}"}


def rows(page: str, attribute: str) -> list[str]:
    return re.findall(rf'data-{attribute}="([^"]*)"', page)


def test_the_list_shows_every_order_newest_change_first_with_counts_per_state(
    loopback: Client,
) -> None:
    page = loopback.get("/console/orders").text

    assert rows(page, "order")[:3] == ["D-400", "B-200", "A-100"]
    assert len(rows(page, "order")) == 5
    assert sorted(rows(page, "state")) == ["completed", "created", "in_progress", "need_action"]
    assert "113.98 PHP" in page  # the two created orders' amounts, summed


def test_search_and_filters_narrow_the_list(loopback: Client) -> None:
    searched = loopback.get("/console/orders", params={"q": "a-1"}).text
    in_state = loopback.get("/console/orders", params={"state": "need_action"}).text
    by_provider = loopback.get("/console/orders", params={"provider": "vertex"}).text

    assert rows(searched, "order") == ["A-100"]
    assert rows(in_state, "order") == ["B-200"]
    assert len(rows(by_provider, "order")) == 5


def test_the_list_pages_through_many_orders(loopback: Client, service: OrderService) -> None:
    from orderstate.engine import Money

    for n in range(60):
        service.place(shop_id=SHOP, order_number=f"P-{n:03}", amount=Money(100, "EUR"))

    first = loopback.get("/console/orders", params={"q": "p-"}).text
    second = loopback.get("/console/orders", params={"q": "p-", "page": "2"}).text

    assert len(rows(first, "order")) == 50
    assert rows(second, "order") == [f"P-{n:03}" for n in range(9, -1, -1)]
    assert "page 2 of 2" in second


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/console/orders?state=nonsense", 400),
        ("/console/orders?page=0", 400),
        ("/console/orders?page=x", 400),
        ("/console/orders?provider=nobody", 400),
        ("/console/order?shop=115&number=NOPE", 404),
        ("/console/order?shop=abc&number=A-100", 400),
        ("/console/order?shop=115", 400),
        ("/console/inbox?status=nonsense", 400),
        ("/console/inbox?shop=x", 400),
        (f"/console/inbox/{uuid4()}", 404),
    ],
)
def test_bad_input_is_answered_4xx(loopback: Client, path: str, status: int) -> None:
    assert loopback.get(path).status_code == status


def test_one_order_shows_its_path_its_timeline_and_its_money(
    loopback: Client, service: OrderService
) -> None:
    history = service.history(SHOP, "A-100")

    page = loopback.get("/console/order", params={"shop": SHOP, "number": "A-100"}).text

    assert rows(page, "event") == [type(event).__name__ for event in history]
    taken = set(re.findall(r'<g id="([^"]+)" class="edge taken">', page))
    moves = {
        move_id(i)
        for i, t in enumerate(LIFECYCLE.transitions)
        if (t.source, t.target) in {("created", "in_progress"), ("in_progress", "paid")}
    }
    assert moves <= taken
    assert f'<g id="{state_id("completed")}" class="node visited current">' in page
    assert 'class="money" data-name="captured">56.99 PHP' in page
    assert "callback " in page  # the events are linked to the callbacks that caused them
    assert 'id="pending">none' in page


def test_the_timeline_says_what_caused_each_event(loopback: Client) -> None:
    page = loopback.get("/console/order", params={"shop": SHOP, "number": "A-100"}).text

    causes = dict(zip(rows(page, "event"), rows(page, "cause"), strict=True))

    assert causes["OrderPlaced"] == "placing"
    assert causes["PaymentLinkIssued"] == "callback"  # placed without a provider call here
    assert causes["PaymentCaptured"] == "callback"
    assert causes["ConfirmationEmailDue"] == "callback"  # the engine's, in the same run
    assert causes["OrderSettled"] == "callback"


def test_the_path_on_the_drawing_follows_the_history() -> None:
    from tests.support.console_data import populated

    service = populated()
    steps = order_path(service.history(SHOP, "A-100"))

    assert [s.target for s in steps if s.source != s.target] == [
        "created",
        "in_progress",
        "paid",
        "clearing",
        "completed",
    ]
    assert steps[0].arrows == ("start",)
    assert all(step.arrows for step in steps)
    service.close()


def test_replay_rebuilds_the_order_and_finds_it_equal(loopback: Client) -> None:
    page = loopback.get("/console/replay", params={"shop": SHOP, "number": "A-100"}).text

    assert "the rebuilt order equals the live order and the read model" in page


def test_the_inbox_lists_what_is_not_applied_and_filters_by_status(loopback: Client) -> None:
    default = loopback.get("/console/inbox").text
    applied = loopback.get("/console/inbox", params={"status": "applied"}).text
    rejected = loopback.get("/console/inbox", params={"status": "unauthenticated"}).text

    assert len(rows(default, "item")) == 2  # the unauthenticated one and the deferred one
    assert len(rows(applied, "item")) == 3
    assert len(rows(rejected, "item")) == 1
    assert "unauthenticated" in rejected


def test_re_processing_the_deferred_callback_applies_it(
    remote: Client, service: OrderService
) -> None:
    deferred = next(item for item in service.inbox_items() if item.status == "deferred")

    answer = remote.post(f"/console/inbox/{deferred.id}/reprocess", headers=BEARER)
    shown = remote.get(answer.headers["location"], headers=BEARER).text
    again = remote.post(f"/console/inbox/{deferred.id}/reprocess", headers=BEARER)

    assert answer.status_code == 303
    assert "Re-processed: applied" in shown
    assert service.view(SHOP, "D-400").state == "completed"
    assert again.status_code == 409  # already applied: nothing to do again


def test_serve_s_app_mounts_the_console_beside_the_callbacks(service: OrderService) -> None:
    app = create_app(service, console=ConsoleConfig(token=TOKEN))
    without = create_app(service)

    assert Client(app, ("127.0.0.1", 1)).get("/console/orders").status_code == 200
    assert Client(without, ("127.0.0.1", 1)).get("/console/orders").status_code == 404
    assert isinstance(app, Starlette)


def test_without_graphviz_the_order_page_shows_the_path_as_text(
    loopback: Client, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    from orderstate.adapters.web.console.diagram import lifecycle_svg

    monkeypatch.setenv("PATH", str(tmp_path))
    lifecycle_svg.cache_clear()
    try:
        page = loopback.get("/console/order", params={"shop": SHOP, "number": "A-100"}).text
    finally:
        lifecycle_svg.cache_clear()  # drawn again, with Graphviz, by the next test

    assert page.count("<svg") == 0
    assert "The drawing needs Graphviz" in page
    assert re.search(r"created</span>\s*→\s*<span class=\"state\">in_progress", page)
