"""What each console page shows, read from the service (synchronous: the app runs these in
its thread pool). Nothing here renders HTML; the templates do, with autoescaping."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from orderstate.adapters.port import Outcome
from orderstate.adapters.service import (
    InboxItem,
    OrderPage,
    OrderQuery,
    OrderRow,
    OrderService,
    OrderView,
    StateTotal,
    UnknownInboxItem,
)
from orderstate.adapters.service.inbox import CONFLICT, RECEIVED
from orderstate.engine import LIFECYCLE, Money, Order, order_id, project_order

from .diagram import Step, lifecycle_svg, marked_svg, order_path
from .redact import shown_body, shown_headers
from .timeline import AppliedCallback, Entry, timeline

__all__ = [
    "PAGE_SIZE",
    "InboxPage",
    "ListedOrder",
    "OrderDetail",
    "OrderList",
    "ReplayCheck",
    "inbox_item",
    "inbox_page",
    "order_detail",
    "order_list",
    "replay_check",
]

PAGE_SIZE = 50
"""Orders per page of the list."""

INBOX_STATUSES: tuple[str, ...] = (
    Outcome.REJECTED.value,
    Outcome.DEFERRED.value,
    Outcome.FAILED.value,
    RECEIVED,
    *(o.value for o in (Outcome.UNAUTHENTICATED, Outcome.MALFORMED, Outcome.TOO_LARGE)),
    CONFLICT,
    *(o.value for o in (Outcome.APPLIED, Outcome.DUPLICATE, Outcome.STALE)),
)
"""The inbox filter's choices: a status, or a rejection's kind (``InboxItem.kind``)."""


@dataclass(frozen=True)
class ListedOrder:
    row: OrderRow
    provider: str

    @property
    def amount(self) -> Money:
        return Money(self.row.amount, self.row.currency)


@dataclass(frozen=True)
class OrderList:
    orders: tuple[ListedOrder, ...]
    total: int
    page: int
    pages: int
    totals: tuple[StateTotal, ...]


def order_list(
    service: OrderService,
    *,
    text: str = "",
    state: str | None = None,
    provider: str | None = None,
    page: int = 1,
    size: int = PAGE_SIZE,
) -> OrderList:
    """One page of the read model's orders, and the counts and totals per state."""
    shops, other_shops = _provider_shops(service, provider)
    query = OrderQuery(
        text=text,
        state=state,
        shops=shops,
        other_shops=other_shops,
        limit=size,
        offset=(max(page, 1) - 1) * size,
    )
    found: OrderPage = service.search_orders(query)
    listed = tuple(
        ListedOrder(row, service.providers.for_shop(row.shop_id).name) for row in found.rows
    )
    pages = max(1, -(-found.total // size))
    return OrderList(listed, found.total, max(page, 1), pages, tuple(service.orders_by_state()))


def _provider_shops(
    service: OrderService, provider: str | None
) -> tuple[tuple[int, ...] | None, tuple[int, ...]]:
    """``(shops, other_shops)`` for a provider filter: its configured shops, or for the
    default provider every shop but those configured for another."""
    if provider is None:
        return None, ()
    if provider not in service.providers.names:
        return (), ()
    configured = service.providers.shops
    mine = tuple(s for s, shop in configured.items() if shop.provider == provider)
    if provider != service.providers.default.name:
        return mine, ()
    others = tuple(s for s, shop in configured.items() if shop.provider not in (None, provider))
    return None, others


@dataclass(frozen=True)
class Callback:
    """A kept callback of the order: its inbox item, shown without secrets."""

    item: InboxItem
    headers: list[tuple[str, str]]
    body: str


@dataclass(frozen=True)
class OrderDetail:
    view: OrderView
    provider: str
    final: bool
    money: tuple[tuple[str, Money], ...]
    pending_amount: Money | None
    steps: list[Step]
    svg: str | None
    entries: list[Entry]
    callbacks: dict[UUID, Callback]


def order_detail(service: OrderService, shop_id: int, number: str) -> OrderDetail:
    """An order, its path on the drawing, its timeline and the callbacks that moved it."""
    events = service.history(shop_id, number)
    order: Order | None = project_order(None, events)
    view = service.view(shop_id, number)
    callbacks, applied = _callbacks(service, order_id(shop_id, number))
    steps = order_path(events)
    svg = lifecycle_svg()
    money = tuple(
        (name, value)
        for name, value in vars(order).items()
        if isinstance(value, Money) and name not in ("pending_amount", "mismatch")
    )
    return OrderDetail(
        view=view,
        provider=service.providers.for_shop(shop_id).name,
        final=LIFECYCLE.is_final(view.state),
        money=money,
        pending_amount=getattr(order, "pending_amount", None),
        steps=steps,
        svg=None if svg is None else marked_svg(svg, steps),
        entries=timeline(events, applied),
        callbacks=callbacks,
    )


def _callbacks(
    service: OrderService, oid: UUID
) -> tuple[dict[UUID, Callback], list[AppliedCallback]]:
    service.projection.catch_up()
    shown: dict[UUID, Callback] = {}
    applied: list[AppliedCallback] = []
    for row in service.read_store.inbox(order_id=oid):
        item: InboxItem = service.repository.get(row.id)
        shown[row.id] = _shown(item)
        for event in service.events.get(row.id):
            if isinstance(event, InboxItem.CallbackApplied) and event.events:
                applied.append(AppliedCallback(row.id, event.timestamp, tuple(event.events)))
    return shown, applied


def _shown(item: InboxItem) -> Callback:
    return Callback(item, shown_headers(item.headers_pairs()), shown_body(item.body))


@dataclass(frozen=True)
class ReplayCheck:
    """The order rebuilt from its events beside the live order and the read model's row."""

    equal: bool
    differences: tuple[tuple[str, str, str], ...]
    """``(field, live, rebuilt)`` for every field that differs."""
    events: int


def replay_check(service: OrderService, shop_id: int, number: str) -> ReplayCheck:
    events = service.history(shop_id, number)
    rebuilt = OrderView.of(_rebuilt(events))
    live = service.view(shop_id, number)
    differences = [
        (f.name, str(getattr(live, f.name)), str(getattr(rebuilt, f.name)))
        for f in fields(OrderView)
        if f.compare and getattr(live, f.name) != getattr(rebuilt, f.name)
    ]
    oid = order_id(shop_id, number)
    service.projection.catch_up()
    row = service.read_store.orders_by_id([oid]).get(oid)
    if row is not None and row.version == rebuilt.version:
        expected = (str(rebuilt.state), rebuilt.amount.minor, rebuilt.amount.currency)
        if (row.state, row.amount, row.currency) != expected:
            differences.append(("read model", f"{row.state} {row.amount}", str(expected)))
    return ReplayCheck(not differences, tuple(differences), len(events))


def _rebuilt(events: list[Any]) -> Order:
    order: Order | None = project_order(None, events)
    if order is None:  # history() never returns no events; a type checker cannot know
        raise LookupError("an order with no events")
    return order


@dataclass(frozen=True)
class InboxPage:
    items: tuple[InboxItem, ...]
    status: str | None
    orders: dict[UUID, OrderRow]


def inbox_page(service: OrderService, *, status: str | None, shop_id: int | None) -> InboxPage:
    """The kept callbacks not reflected in an order (or those with ``status``), oldest first."""
    items = service.inbox_items(status=status)
    if shop_id is not None:
        items = [item for item in items if item.shop_id == shop_id]
    ids = {item.order_id for item in items if item.order_id is not None}
    return InboxPage(tuple(items), status, service.read_store.orders_by_id(ids))


def inbox_item(service: OrderService, item_id: UUID) -> tuple[Callback, OrderRow | None]:
    """One kept callback, shown without secrets, and its order's row if it has one."""
    try:
        item: object = service.repository.get(item_id)
    except AggregateNotFoundError:
        raise UnknownInboxItem(item_id) from None
    if not isinstance(item, InboxItem):
        raise UnknownInboxItem(item_id)
    row = None
    if item.order_id is not None:
        row = service.read_store.orders_by_id([item.order_id]).get(item.order_id)
    return _shown(item), row
