"""Nothing acknowledged is lost: the webhook server is killed mid-stream and restarted.

The server runs as a real process (uvicorn with the composition root's app factory) on a SQLite
file.
It gets ``SIGKILL`` — no shutdown, no flush — after a fixed number of answered callbacks, with
more callbacks in flight; after a restart the rest of the stream is posted, the unanswered ones
again (as the provider retries what got no 2xx). The end state must equal a clean in-process
run of the same stream: same orders, same events, none twice, and every acknowledged callback
finished in the inbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import httpx

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.service import OrderService, OrderView, Shop
from orderstate.adapters.service.inbox import InboxItem
from orderstate.adapters.vertex.payloads import order_to_json
from orderstate.adapters.vertex.signatures import sign
from orderstate.adapters.web import create_app
from orderstate.engine import Money
from orderstate.testing.vertex_histories import HistorySpec, history
from tests.unit.vertex.helpers import order_json, signed

SECRET = "crash-test-secret"
SHOPS = {115: Shop((SECRET,))}
URL = "/callbacks/vertex/115"
ORDERS = 40
KILL_AFTER = 110
"""Answered callbacks before the kill: about half of the stream."""
IN_FLIGHT = 3
"""Callbacks sent, unanswered, at the moment of the kill."""
START_TIMEOUT = 20.0
POSTING_TIMEOUT = 20.0


def specs() -> list[HistorySpec]:
    return [
        HistorySpec(shop_id=115, order_number=f"crash-{n:02d}", cost=Money(1000 + 37 * n, "PHP"))
        for n in range(ORDERS)
    ]


def callback_stream(order_specs: list[HistorySpec]) -> list[tuple[str, bytes]]:
    """Every order's partial-refund history, interleaved, each order's settlement sent twice."""
    rng = random.Random(20240126)
    queues = []
    for spec in order_specs:
        bodies = [
            json.dumps(order_to_json(s)).encode() for s in history("partially_refunded", spec)
        ]
        bodies.insert(rng.randint(3, len(bodies)), bodies[2])  # a late duplicate: stale by then
        queues.append([(spec.order_number, body) for body in bodies])
    stream = []
    while any(queues):
        queue = rng.choice([q for q in queues if q])
        stream.append(queue.pop(0))
    return stream


def headers(body: bytes) -> dict[str, str]:
    return {"content-type": "application/json", "api-notification-sign": sign(body, SECRET)}


def place_all(service: OrderService, order_specs: list[HistorySpec]) -> None:
    for spec in order_specs:
        service.place(shop_id=115, order_number=spec.order_number, amount=spec.cost)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def webhook_server(store: Path, log: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """The webhook as its own process; killed on the way out whatever happened."""
    port = free_port()
    command = [
        sys.executable,
        *("-m", "uvicorn", "--factory", "orderstate.adapters.bootstrap:create_app"),
        *("--port", str(port), "--log-level", "warning"),
    ]
    settings = {"ORDERSTATE_DB": str(store), "ORDERSTATE_SHOPS": f"115:{SECRET}"}
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


def wait_until_healthy(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server exited:\n{log.read_text()}"
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.05)
    raise AssertionError(f"the server did not answer /healthz in {START_TIMEOUT} s")


def send_unanswered(port: int, body: bytes) -> socket.socket:
    """Send one whole callback request and do not wait for the answer."""
    head = (
        f"POST {URL} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"api-notification-sign: {sign(body, SECRET)}\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    connection = socket.create_connection(("127.0.0.1", port), timeout=5)
    connection.sendall(head.encode() + body)
    return connection


def wait_for_more_events(observer: OrderService, than: int) -> None:
    deadline = time.monotonic() + 5
    while (observer.recorder.max_notification_id() or 0) <= than:
        assert time.monotonic() < deadline, "the server stored none of the unanswered callbacks"
        time.sleep(0.001)


def inbox_items_with(service: OrderService, bodies: list[bytes]) -> list[InboxItem]:
    service.projection.catch_up()
    items = [service.orders.load(row.id) for row in service.projection.inbox.values()]
    return [item for item in items if item.body in bodies]


def post_all(port: int, stream: list[tuple[str, bytes]]) -> list[httpx.Response]:
    """Post one after the other, as one provider connection would; 20 s at most in all."""
    deadline = time.monotonic() + POSTING_TIMEOUT
    responses = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
        for _, body in stream:
            assert time.monotonic() < deadline, f"posting took over {POSTING_TIMEOUT} s"
            responses.append(http.post(URL, content=body, headers=headers(body)))
    return responses


def facts(service: OrderService, order_number: str) -> list[tuple[str, dict[str, object]]]:
    """The order's events without their timestamps, which differ from run to run."""
    return [
        (type(event).__name__, {k: v for k, v in vars(event).items() if k != "timestamp"})
        for event in service.history(115, order_number)
    ]


def outcome_of(
    service: OrderService, order_specs: list[HistorySpec]
) -> dict[str, tuple[OrderView, list[tuple[str, dict[str, object]]]]]:
    return {
        spec.order_number: (
            service.view(115, spec.order_number),
            facts(service, spec.order_number),
        )
        for spec in order_specs
    }


def test_loses_no_acknowledged_callback_when_the_server_is_killed_mid_stream(
    tmp_path: Path,
) -> None:
    store, log = tmp_path / "orders.db", tmp_path / "server.log"
    order_specs = specs()
    stream = callback_stream(order_specs)
    before, in_flight = stream[:KILL_AFTER], stream[KILL_AFTER : KILL_AFTER + IN_FLIGHT]
    after = stream[KILL_AFTER:]  # the unanswered ones again, then the rest
    assert len({number for number, _ in in_flight}) == IN_FLIGHT  # their relative order is free
    seeding = build_service(store=str(store), shops=SHOPS)
    place_all(seeding, order_specs)
    seeding.close()
    clean = build_service(store="memory", shops=SHOPS)
    place_all(clean, order_specs)
    for _, body in stream:
        clean.handle_callback(115, body, list(headers(body).items()))

    observer = build_service(store=str(store), shops=SHOPS)
    with webhook_server(store, log) as (process, port):
        answered_before_kill = post_all(port, before)
        stored_before = observer.recorder.max_notification_id() or 0
        unanswered = [send_unanswered(port, body) for _, body in in_flight]
        wait_for_more_events(observer, stored_before)  # an unanswered callback is stored...
        os.kill(process.pid, signal.SIGKILL)  # ...and the kill lands while they are handled
        process.wait(timeout=10)
        for connection in unanswered:
            connection.close()
    stored_unanswered = inbox_items_with(observer, [body for _, body in in_flight])
    with webhook_server(store, log) as (process, port):
        repaired: set[str] = {observer.repository.get(i.id).status for i in stored_unanswered}
        answered_after_restart = post_all(port, after)
        process.terminate()
        process.wait(timeout=10)
    observer.close()
    recovered = build_service(store=str(store), shops=SHOPS)

    answered = answered_before_kill + answered_after_restart
    assert len(answered_before_kill) == KILL_AFTER
    assert len(stored_unanswered) >= 1
    assert repaired <= {"applied", "duplicate", "stale"}  # finished on startup, before any retry
    assert len(answered) == len(stream)
    assert {response.status_code for response in answered} == {200}
    for response in answered:
        item: InboxItem = recovered.repository.get(UUID(response.json()["inbox_id"]))
        assert item.finished, item.status
        assert item.status in {"applied", "duplicate", "stale"}
    assert recovered.process_inbox() == []
    assert outcome_of(recovered, order_specs) == outcome_of(clean, order_specs)
    assert recovered.replay_verify().failures == ()
    assert {view.state for view, _ in outcome_of(recovered, order_specs).values()} == {
        "partially_refunded"
    }


def test_finishes_on_startup_a_callback_stored_before_a_crash_exactly_once(
    tmp_path: Path,
) -> None:
    store = str(tmp_path / "orders.db")
    cost = Money.parse("56.99", "PHP")
    before_crash = build_service(store=store, shops=SHOPS)
    before_crash.place(shop_id=115, order_number="test04", amount=cost)
    body = json.dumps(order_json()).encode()
    item = InboxItem.receive(
        shop_id=115,
        body=body,
        headers=list(signed(body, SECRET).items()),
        received_at=datetime.now(UTC),
    )
    before_crash.save(item)  # stored, then the process died before applying it
    before_crash.close()
    restarted = build_service(store=store, shops=SHOPS)
    app = create_app(restarted)

    async def start_twice() -> None:
        async with app.router.lifespan_context(app):
            pass
        async with app.router.lifespan_context(app):
            pass

    asyncio.run(start_twice())

    assert restarted.view(115, "test04").captured == cost
    item_events = [type(event).__name__ for event in restarted.events.get(item.id)]
    assert item_events == ["CallbackReceived", "CallbackApplied"]
    assert [name for name, _ in facts(restarted, "test04")].count("PaymentCaptured") == 1
