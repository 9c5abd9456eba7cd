"""Slow clients cannot hold the webhook server: a body still arriving after the read timeout
is answered 408 and its connection closed, a request head still arriving after the head
timeout is closed, and signed callbacks are answered meanwhile."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from orderstate.adapters.bootstrap import Settings, build_service
from orderstate.adapters.bootstrap import create_app as create_factory_app
from orderstate.adapters.loopback import RunningServer, serve_app
from orderstate.adapters.service import OrderService, Shop
from orderstate.adapters.web import create_app
from orderstate.adapters.web.protocol import BoundedHeadH11Protocol
from orderstate.engine import Money
from tests.unit.vertex.helpers import SECRET, order_json, signed

SLOW_CLIENTS = 50
READ_TIMEOUT = 2.0
BOUND = 8.0
"""Seconds within which every answer asserted here must come."""
HEAD = (
    b"POST /callbacks/vertex/115 HTTP/1.1\r\nHost: webhook.test\r\n"
    b"Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n{"
)


def placed_service() -> OrderService:
    service = build_service(store="memory", shops={115: Shop((SECRET,))})
    service.place(shop_id=115, order_number="test04", amount=Money.parse("56.99", "PHP"))
    return service


@contextmanager
def slow_clients(server: RunningServer, count: int) -> Iterator[list[socket.socket]]:
    """``count`` connections that sent their headers and now send one body byte at a time."""
    host, port = server.base_url.removeprefix("http://").rsplit(":", 1)
    sockets = [socket.create_connection((host, int(port)), timeout=BOUND) for _ in range(count)]
    stop = threading.Event()

    def dribble() -> None:
        while not stop.wait(0.25):
            for sock in sockets:
                try:
                    sock.send(b" ")
                except OSError:  # the server closed it: that is the point
                    continue

    for sock in sockets:
        sock.sendall(HEAD)
    dribbler = threading.Thread(target=dribble, daemon=True)
    dribbler.start()
    try:
        yield sockets
    finally:
        stop.set()
        dribbler.join(5)
        for sock in sockets:
            sock.close()


def answer_of(sock: socket.socket) -> tuple[bytes, bool]:
    """What the server sent on ``sock`` until it closed it, and whether it did (within BOUND)."""
    received = b""
    deadline = time.monotonic() + BOUND
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(4096)
        except ConnectionResetError:  # closed while our dribbled bytes were unread
            return received, True
        except TimeoutError:
            return received, False
        if not chunk:
            return received, True
        received += chunk
    return received, False


def test_signed_callbacks_are_answered_while_slow_clients_dribble_their_bodies() -> None:
    service = placed_service()
    body = json.dumps(order_json()).encode()

    with (
        serve_app(create_app(service, read_timeout=READ_TIMEOUT)) as server,
        slow_clients(server, SLOW_CLIENTS),
        httpx.Client(timeout=BOUND) as http,
    ):
        started = time.monotonic()
        answer = http.post(
            f"{server.base_url}/callbacks/vertex/115", content=body, headers=signed(body)
        )
        took = time.monotonic() - started

    assert (answer.status_code, answer.json()["outcome"]) == (200, "applied")
    assert took < BOUND


def test_a_body_still_arriving_after_the_read_timeout_gets_408_and_is_closed() -> None:
    service = placed_service()

    with serve_app(create_app(service, read_timeout=READ_TIMEOUT)) as server:
        started = time.monotonic()
        with slow_clients(server, SLOW_CLIENTS) as sockets:
            answers = [answer_of(sock) for sock in sockets]
        took = time.monotonic() - started

    assert all(data.startswith(b"HTTP/1.1 408 ") for data, _ in answers), answers[0]
    assert all(closed for _, closed in answers)
    assert READ_TIMEOUT <= took < READ_TIMEOUT + BOUND
    assert service.rejected_callbacks() == []


@pytest.mark.parametrize("seconds", [0, -1.0])
def test_refuses_a_read_timeout_that_is_not_above_zero(seconds: float) -> None:
    with pytest.raises(ValueError, match="read_timeout"):
        create_app(placed_service(), read_timeout=seconds)


def test_the_app_factory_reads_its_read_timeout_from_the_environment() -> None:
    environ = {
        "ORDERSTATE_DB": "memory",
        "ORDERSTATE_SHOPS": f"115:{SECRET}",
        "ORDERSTATE_READ_TIMEOUT": "1.5",
    }
    app = create_factory_app(Settings.from_env(environ))

    with serve_app(app, lifespan="on") as server, slow_clients(server, 1) as [sock]:
        started = time.monotonic()
        data, closed = answer_of(sock)
        took = time.monotonic() - started

    assert data.startswith(b"HTTP/1.1 408 ")
    assert b"1.5 s" in data
    assert closed
    assert took < BOUND


@pytest.mark.parametrize("value", ["0", "-3", "soon", "inf", "nan"])
def test_refuses_a_read_timeout_setting_that_is_not_seconds_above_zero(value: str) -> None:
    with pytest.raises(ValueError, match="timeout is a number of seconds"):
        Settings.from_env({"ORDERSTATE_READ_TIMEOUT": value})


class QuickHeads(BoundedHeadH11Protocol):
    head_timeout = 1.0


@contextmanager
def dribbling_heads(server: RunningServer, count: int) -> Iterator[list[socket.socket]]:
    """``count`` connections sending their request head one byte at a time."""
    host, port = server.base_url.removeprefix("http://").rsplit(":", 1)
    sockets = [socket.create_connection((host, int(port)), timeout=BOUND) for _ in range(count)]
    stop = threading.Event()

    def dribble() -> None:
        for position in range(len(HEAD)):
            if stop.wait(0.1):
                return
            for sock in sockets:
                try:
                    sock.send(HEAD[position : position + 1])
                except OSError:
                    continue

    dribbler = threading.Thread(target=dribble, daemon=True)
    dribbler.start()
    try:
        yield sockets
    finally:
        stop.set()
        dribbler.join(5)
        for sock in sockets:
            sock.close()


def test_a_request_head_still_arriving_after_the_head_timeout_is_closed() -> None:
    service = placed_service()
    body = json.dumps(order_json()).encode()

    with (
        serve_app(create_app(service), http=QuickHeads) as server,
        dribbling_heads(server, SLOW_CLIENTS) as sockets,
        httpx.Client(timeout=BOUND) as http,
    ):
        started = time.monotonic()
        answer = http.post(
            f"{server.base_url}/callbacks/vertex/115", content=body, headers=signed(body)
        )
        answers = [answer_of(sock) for sock in sockets]
        took = time.monotonic() - started

    assert (answer.status_code, answer.json()["outcome"]) == (200, "applied")
    assert all(closed and not data for data, closed in answers)
    assert took < QuickHeads.head_timeout + BOUND


def test_the_head_timeout_never_cuts_off_a_body_being_read() -> None:
    service = placed_service()
    body = json.dumps(order_json()).encode()
    head = (
        b"POST /callbacks/vertex/115 HTTP/1.1\r\nHost: webhook.test\r\n"
        + b"".join(f"{k}: {v}\r\n".encode() for k, v in signed(body).items())
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
    )

    with serve_app(create_app(service, read_timeout=BOUND), http=QuickHeads) as server:
        host, port = server.base_url.removeprefix("http://").rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=BOUND) as sock:
            sock.sendall(head + body[:10])
            time.sleep(QuickHeads.head_timeout * 2)
            sock.sendall(body[10:])
            data, _ = answer_of_first_response(sock)

    assert data.startswith(b"HTTP/1.1 200 ")


def answer_of_first_response(sock: socket.socket) -> tuple[bytes, bool]:
    """The first bytes the server answers on ``sock`` (its status line at least)."""
    data = sock.recv(4096)
    return data, not data
