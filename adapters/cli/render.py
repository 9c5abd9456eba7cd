"""Rich tables and JSON for the read commands; JSON output is stable for scripts."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import Enum
from typing import Any

from rich.console import Console
from rich.table import Table

from orderstate.adapters.service import FollowerStatus, InboxItem, OrderView, StateTotal
from orderstate.engine import Money

__all__ = [
    "followers_json",
    "followers_table",
    "history_json",
    "history_table",
    "inbox_json",
    "inbox_lines",
    "job_summary",
    "money_json",
    "orders_json",
    "orders_table",
    "plain",
    "states_json",
    "states_table",
    "view_dict",
    "view_json",
    "view_text",
]

_ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic"}


def money_json(money: Money) -> dict[str, Any]:
    """An amount as scripts need it: integer minor units, the exact decimal string (in the
    currency's exponent) and the currency, each its own field."""
    return {"minor": money.minor, "decimal": money.format_amount(), "currency": money.currency}


def plain(value: Any) -> Any:
    """A value as JSON keeps its type: numbers, booleans and null stay what they are; amounts
    become ``money_json``; times ISO-8601; ids and enums their text."""
    if value is None or isinstance(value, bool | int | str):
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, Money):
        return money_json(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    return str(value)  # UUID, Decimal, and anything else with one obvious text


def view_dict(view: OrderView) -> dict[str, Any]:
    return {
        "shop_id": view.shop_id,
        "order_number": view.order_number,
        "state": str(view.state),
        "currency": view.amount.currency,
        "amount": money_json(view.amount),
        "authorized": money_json(view.authorized),
        "captured": money_json(view.captured),
        "refunded": money_json(view.refunded),
        "pending": None if view.pending is None else str(view.pending),
        "payment_link": view.payment_link,
        "confirmation_sender": view.confirmation_sender,
        "reason": view.reason,
        "version": view.version,
        "changed_at": None if view.changed_at is None else view.changed_at.isoformat(),
    }


def view_json(view: OrderView) -> str:
    return json.dumps(view_dict(view), indent=2)


def view_text(view: OrderView) -> str:
    """The view as ``name  value`` lines: never a table cell, so nothing (a payment link) is
    cut or folded at the terminal's width."""
    rows = {
        "state": str(view.state),
        "amount": str(view.amount),
        "authorized": str(view.authorized),
        "captured": str(view.captured),
        "refunded": str(view.refunded),
        "pending": view.pending,
        "payment_link": view.payment_link,
        "confirmation_sender": view.confirmation_sender,
        "reason": view.reason,
        "version": view.version,
        "changed_at": view.changed_at and view.changed_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
    }
    width = max(len(name) for name in rows)
    lines = [f"order {view.shop_id}/{view.order_number}"]
    lines += [f"  {name:<{width}}  {'' if v is None else v}" for name, v in rows.items()]
    return "\n".join(lines)


def _data(event: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(event).items() if k not in _ENVELOPE}


def history_json(events: Iterable[Any]) -> str:
    return json.dumps(
        [
            {
                "version": e.originator_version,
                "event": type(e).__name__,
                "at": e.timestamp.isoformat(),
                "data": plain(_data(e)),
            }
            for e in events
        ],
        indent=2,
    )


def history_table(events: Iterable[Any], title: str) -> Table:
    table = Table(title=title)
    for column in ("v", "event", "at (UTC)", "data"):
        table.add_column(column)
    for e in events:
        data = ", ".join(f"{k}={v}" for k, v in _data(e).items())
        at = e.timestamp.strftime("%Y-%m-%d %H:%M:%S")
        table.add_row(str(e.originator_version), type(e).__name__, at, data)
    return table


def orders_json(views: Iterable[OrderView]) -> str:
    return json.dumps([view_dict(v) for v in views], indent=2)


def orders_table(views: Iterable[OrderView], title: str = "orders") -> Table:
    table = Table(title=title)
    for column in ("order", "state", "amount", "captured", "refunded", "last change (UTC)"):
        table.add_column(column, no_wrap=True)
    for v in views:
        at = v.changed_at.strftime("%Y-%m-%d %H:%M:%S") if v.changed_at else ""
        table.add_row(
            f"{v.shop_id}/{v.order_number}",
            str(v.state),
            str(v.amount),
            str(v.captured),
            str(v.refunded),
            at,
        )
    return table


def inbox_dict(item: InboxItem, order: str | None) -> dict[str, Any]:
    return {
        "id": str(item.id),
        "received_at": item.received_at.isoformat(),
        "shop_id": item.shop_id,
        "status": item.status,
        "kind": item.kind,
        "order": order,
        "reason": item.reason,
        "size": item.size,
    }


def inbox_json(items: Iterable[tuple[InboxItem, str | None]]) -> str:
    return json.dumps([inbox_dict(item, order) for item, order in items], indent=2)


def inbox_lines(items: Iterable[tuple[InboxItem, str | None]]) -> str:
    """One line per kept callback: id, when, shop, status (and kind), order, reason. Lines,
    not a table, so an id can be copied whole into ``inbox reprocess``."""
    lines = []
    for item, order in items:
        status = item.status if item.kind in (None, item.status) else f"{item.status}/{item.kind}"
        at = item.received_at.strftime("%Y-%m-%d %H:%M:%S")
        lines.append(
            f"{item.id}  {at}  shop {item.shop_id}  {status}  {order or '-'}  {item.reason or ''}"
        )
    return "\n".join(lines)


def job_summary(job: str, counts: Mapping[str, int]) -> str:
    """``reconcile: 3 orders polled: 2 applied, 1 stale``: what a periodic job did, stated."""
    total = sum(counts.values())
    orders = f"{total} order" + ("" if total == 1 else "s")
    subject = {"reconcile": "polled", "expire": "past their time limit"}[job]
    detail = ", ".join(f"{n} {what}" for what, n in sorted(counts.items()))
    return f"{job}: {orders} {subject}" + (f": {detail}" if detail else "")


def states_json(rows: Iterable[StateTotal]) -> str:
    return json.dumps(
        [{"state": r.state, "orders": r.count, "totals": [str(m) for m in r.totals]} for r in rows],
        indent=2,
    )


def states_table(rows: Iterable[StateTotal], title: str = "orders by state") -> Table:
    table = Table(title=title)
    table.add_column("state")
    table.add_column("orders", justify="right")
    table.add_column("amounts per currency", justify="right")
    for row in rows:
        table.add_row(row.state, str(row.count), ", ".join(str(m) for m in row.totals))
    return table


def print_json(console: Console, text: str) -> None:
    """JSON on stdout as it is, for scripts: written to the console's file, not rendered by
    rich (no markup, no wrapping; and a list of 16,666 orders took seconds to render there)."""
    console.file.write(text + "\n")
    console.file.flush()


def followers_json(statuses: Iterable[FollowerStatus]) -> str:
    return json.dumps([status.as_json() for status in statuses], indent=2)


def followers_table(statuses: Iterable[FollowerStatus]) -> Table:
    table = Table(title="followers of the log")
    for column in ("follower", "position", "lag", "failures", "last error"):
        table.add_column(column, justify="right" if column in {"position", "lag"} else "left")
    for status in statuses:
        table.add_row(
            status.name,
            str(status.position),
            str(status.lag),
            str(status.failures),
            status.last_error or "",
        )
    return table
