"""Rich tables and JSON for the read commands; JSON output is stable for scripts."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.table import Table

from orderstate.adapters.service import FollowerStatus, OrderView, StateTotal

__all__ = [
    "followers_json",
    "followers_table",
    "history_json",
    "history_table",
    "states_json",
    "states_table",
    "view_json",
    "view_table",
]

_ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic"}


def view_json(view: OrderView) -> str:
    return json.dumps(
        {
            "shop_id": view.shop_id,
            "order_number": view.order_number,
            "state": view.state,
            "amount": str(view.amount),
            "authorized": str(view.authorized),
            "captured": str(view.captured),
            "refunded": str(view.refunded),
            "pending": view.pending,
            "payment_link": view.payment_link,
            "confirmation_sender": view.confirmation_sender,
            "reason": view.reason,
            "version": view.version,
        },
        indent=2,
    )


def view_table(view: OrderView) -> Table:
    table = Table(title=f"order {view.shop_id}/{view.order_number}", show_header=False)
    for name, value in json.loads(view_json(view)).items():
        table.add_row(name, "" if value is None else str(value))
    return table


def _data(event: Any) -> dict[str, str]:
    return {k: str(v) for k, v in vars(event).items() if k not in _ENVELOPE}


def history_json(events: Iterable[Any]) -> str:
    return json.dumps(
        [
            {
                "version": e.originator_version,
                "event": type(e).__name__,
                "at": e.timestamp.isoformat(),
                "data": _data(e),
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
    """JSON on stdout without rich's markup or wrapping (so scripts can parse it)."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


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
