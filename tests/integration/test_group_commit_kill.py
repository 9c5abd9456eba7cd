"""Group commit under ``kill -9``: no 2xx'd callback is lost or applied twice.

The webhook server (uvicorn on the composition root's factory, group commit on) runs as its
own process on SQLite or PostgreSQL. Forty provider connections post their orders' callbacks
concurrently (each order's in sequence, as a provider sends them), so batches hold many
callbacks; the server gets ``SIGKILL`` as soon as a fixed number were answered, with dozens in
flight, some inside the batch being decided or committed. After a restart every connection
posts again from its first unanswered callback. Every callback answered 2xx must then be in
the store exactly once (one inbox item, finished), and every order must hold exactly the
events of a clean in-process run of the same callbacks.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

import httpx

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.service import InboxItem, OrderService, Shop
from orderstate.adapters.vertex.payloads import order_to_json
from orderstate.adapters.vertex.signatures import sign
from orderstate.engine import Money
from orderstate.testing.vertex_histories import HistorySpec, history
from tests.integration.test_crash_recovery import free_port, wait_until_healthy

SECRET = "group-commit-kill-secret"
SHOPS = {115: Shop((SECRET,))}
URL = "/callbacks/vertex/115"
ORDERS = 40
KILL_AFTER = 90
"""Callbacks answered 2xx before the kill: about a third of the stream."""
POSTING_TIMEOUT = 60.0


def chains() -> dict[str, list[bytes]]:
    """Each order's callbacks, in the provider's order (a partial refund: six each)."""
    return {
        f"kill-{n:02d}": [
            json.dumps(order_to_json(snapshot)).encode()
            for snapshot in history("partially_refunded", spec(n))
        ]
        for n in range(ORDERS)
    }


def spec(n: int) -> HistorySpec:
    return HistorySpec(shop_id=115, order_number=f"kill-{n:02d}", cost=Money(1000 + 37 * n, "PHP"))


def headers(body: bytes) -> dict[str, str]:
    return {"content-type": "application/json", "api-notification-sign": sign(body, SECRET)}


def place_all(service: OrderService) -> None:
    for n in range(ORDERS):
        service.place(shop_id=115, order_number=spec(n).order_number, amount=spec(n).cost)


@contextlib.contextmanager
def webhook_server(store: str, log: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """The webhook app as its own process, group commit on; killed on the way out."""
    port = free_port()
    command = [
        sys.executable,
        *("-m", "uvicorn", "--factory", "orderstate.adapters.bootstrap:create_app"),
        *("--port", str(port), "--log-level", "warning"),
    ]
    settings = {
        "ORDERSTATE_DB": store,
        "ORDERSTATE_SHOPS": f"115:{SECRET}",
        "ORDERSTATE_BATCH_SIZE": "64",
        "ORDERSTATE_BATCH_WAIT": "0.005",
    }
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env={**os.environ, **settings}
        )
    try:
        wait_until_healthy(process, port, log)
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


@dataclass
class Posted:
    """What the provider saw: the inbox ids of 2xx answers, and per order how far it got."""

    answered: list[UUID] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    next_index: dict[str, int] = field(default_factory=dict)
    unanswered: int = 0


async def post_chains(
    port: int, work: dict[str, list[bytes]], posted: Posted, kill_pid: int | None = None
) -> None:
    """Every order's callbacks in sequence, all orders at once; with ``kill_pid``, SIGKILL
    that process (the server) once ``KILL_AFTER`` callbacks were answered 2xx."""
    limits = httpx.Limits(max_connections=ORDERS, max_keepalive_connections=ORDERS)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", timeout=10, limits=limits
    ) as http:

        async def connection(number: str, bodies: list[bytes]) -> None:
            for body in bodies:
                try:
                    response = await http.post(URL, content=body, headers=headers(body))
                except httpx.TransportError:
                    posted.unanswered += 1
                    return  # the provider sends it again later, from here
                posted.statuses.append(response.status_code)
                if not response.is_success:
                    return
                posted.answered.append(UUID(response.json()["inbox_id"]))
                posted.next_index[number] += 1
                if kill_pid is not None and len(posted.answered) == KILL_AFTER:
                    os.kill(kill_pid, signal.SIGKILL)

        for number in work:
            posted.next_index.setdefault(number, 0)
        await asyncio.wait_for(
            asyncio.gather(*(connection(n, b) for n, b in work.items())), POSTING_TIMEOUT
        )


def facts(service: OrderService, order_number: str) -> list[tuple[str, dict[str, object]]]:
    """The order's events without their timestamps, which differ from run to run."""
    return [
        (type(event).__name__, {k: v for k, v in vars(event).items() if k != "timestamp"})
        for event in service.history(115, order_number)
    ]


def test_every_callback_answered_2xx_before_a_kill_9_mid_batch_is_stored_exactly_once(
    shared_store: str, tmp_path: Path
) -> None:
    log, work = tmp_path / "server.log", chains()
    seeding = build_service(store=shared_store, shops=SHOPS)
    place_all(seeding)
    seeding.close()
    clean = build_service(store="memory", shops=SHOPS)
    place_all(clean)
    for bodies in work.values():
        for body in bodies:
            clean.handle_callback(115, body, list(headers(body).items()))
    before, after = Posted(), Posted()

    with webhook_server(shared_store, log) as (process, port):
        asyncio.run(post_chains(port, work, before, kill_pid=process.pid))
        process.wait(timeout=10)
    killed = process.returncode
    rest = {n: bodies[before.next_index[n] :] for n, bodies in work.items()}
    with webhook_server(shared_store, log) as (process, port):
        asyncio.run(post_chains(port, rest, after))
        process.terminate()
        process.wait(timeout=10)
    recovered = build_service(store=shared_store, shops=SHOPS)

    assert killed == -signal.SIGKILL
    assert len(before.answered) >= KILL_AFTER
    assert before.unanswered >= 1  # the kill landed with callbacks in flight
    assert set(before.statuses) == {200}
    assert set(after.statuses) == {200}
    assert after.unanswered == 0
    assert sum(len(bodies) for bodies in rest.values()) == len(after.answered)
    for inbox_id in before.answered + after.answered:
        events = [type(e).__name__ for e in recovered.events.get(inbox_id)]
        assert events.count("CallbackReceived") == 1, inbox_id
        item: InboxItem = recovered.repository.get(inbox_id)
        assert item.status in {"applied", "duplicate", "stale"}, (inbox_id, item.status)
    assert recovered.process_inbox() == []
    numbers = list(work)
    assert {n: facts(recovered, n) for n in numbers} == {n: facts(clean, n) for n in numbers}
    assert recovered.replay_verify().failures == ()
    recovered.close()
