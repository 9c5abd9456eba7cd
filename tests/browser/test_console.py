"""The console in a real browser: find an order, read its path and timeline, resolve a
need_action order, re-process a kept callback, and a hostile order number stays text."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from orderstate.adapters.service import OrderService
from orderstate.engine import project_order
from tests.support.console_data import HOSTILE, SHOP

from .conftest import TOKEN


def sign_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=token]", TOKEN)
    page.click("button[type=submit]")
    expect(page.locator(".who")).to_contain_text("signed in as token")


def visited_states(service: OrderService, number: str) -> set[str]:
    """The states the order has been in, folding its history one event at a time."""
    states: set[str] = set()
    order = None
    for event in service.history(SHOP, number):
        order = project_order(order, [event])
        states.add(str(order.state))
    return states


def test_search_an_order_open_it_and_read_its_path_and_timeline(
    page: Page, base_url: str, service: OrderService
) -> None:
    page.goto(f"{base_url}/orders")
    expect(page.locator("#orders tbody tr")).to_have_count(5)

    page.fill("input[name=q]", "a-1")
    page.click("form.filters button")
    expect(page.locator("#orders tbody tr")).to_have_count(1)
    page.click("a.order-link")

    expect(page.locator("#order-number")).to_have_text("A-100")
    history = [type(event).__name__ for event in service.history(SHOP, "A-100")]
    timeline = page.locator("#timeline tbody tr").evaluate_all(
        "rows => rows.map(row => row.dataset.event)"
    )
    visited = page.locator("#diagram g.node.visited").evaluate_all("gs => gs.map(g => g.id)")
    current = page.locator("#diagram g.node.current").evaluate_all("gs => gs.map(g => g.id)")
    taken = page.locator("#diagram g.edge.taken")
    stroke = taken.first.locator("path").evaluate("p => getComputedStyle(p).stroke")
    assert timeline == history
    assert {v.removeprefix("state_") for v in visited} == visited_states(service, "A-100")
    assert current == [f"state_{service.view(SHOP, 'A-100').state}"]
    assert taken.count() >= 5  # start, link, capture, clearing, settlement, the reminder loop
    assert stroke == "rgb(194, 65, 12)"  # drawn in the accent colour, not black


def test_replay_shows_the_rebuilt_order_equals_the_live_one(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/order?shop={SHOP}&number=A-100")

    page.click("#replay")

    expect(page.locator("#replay-result")).to_contain_text("equals the live order")


def test_resolve_a_need_action_order(page: Page, base_url: str, service: OrderService) -> None:
    reason = "customer agreed <b>on the phone</b>"
    sign_in(page, base_url)
    page.click("text=Need action")
    expect(page.locator("#orders tbody tr")).to_have_count(1)
    page.click("a.order-link")

    page.select_option("select[name=resolution]", "completed")
    page.fill("input[name=captured]", "50.00")
    page.fill("input[name=by]", "Ana")
    page.fill("input[name=reason]", reason)
    page.click("#resolve button[type=submit]")

    expect(page.locator("#current-state")).to_have_text("completed")
    last = page.locator("#timeline tbody tr").last
    expect(last).to_have_attribute("data-event", "MismatchResolved")
    expect(last.locator(".reason")).to_have_text(reason)  # text, not markup
    resolved = service.history(SHOP, "B-200")[-1]
    assert (resolved.by, resolved.reason) == ("Ana (token)", reason)
    assert str(resolved.captured) == "50.00 PHP"


def test_reprocess_an_inbox_item(page: Page, base_url: str, service: OrderService) -> None:
    sign_in(page, base_url)
    page.click("text=Inbox")
    expect(page.locator("#inbox tbody tr")).to_have_count(2)
    deferred = page.locator("#inbox tbody tr", has_text="deferred")

    deferred.locator("button.reprocess").click()

    expect(page.locator("#result")).to_contain_text("Re-processed: applied")
    expect(page.locator("#status")).to_have_text("applied")
    assert service.view(SHOP, "D-400").state == "completed"
    page.click("text=Inbox")
    expect(page.locator("#inbox tbody tr")).to_have_count(1)


def test_a_hostile_order_number_renders_inert(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/orders")
    hostile = page.locator("#orders a.order-link", has_text="<script>")
    expect(hostile).to_have_text(HOSTILE)

    hostile.click()

    expect(page.locator("#order-number")).to_have_text(HOSTILE)
    assert page.title() != "pwned"
    assert page.locator("#order-number script, #order-number img").count() == 0
    page.goto(f"{base_url}/orders")
    page.fill("input[name=q]", HOSTILE)
    page.click("form.filters button")
    expect(page.locator("#orders tbody tr")).to_have_count(1)
    expect(page.locator("input[name=q]")).to_have_value(HOSTILE)
    assert page.title() != "pwned"


def test_pages_fit_a_phone_s_width(page: Page, base_url: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})

    widths = {}
    for path in ("/orders", f"/order?shop={SHOP}&number=A-100", "/inbox", "/need-action"):
        page.goto(base_url + path)
        widths[path] = page.evaluate("document.documentElement.scrollWidth")

    assert set(widths.values()) == {390}  # wide tables scroll inside their own box
