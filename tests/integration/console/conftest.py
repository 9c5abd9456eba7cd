"""The console over the test data, mounted as a user would mount it, and clients for it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from orderstate.adapters.service import OrderService
from orderstate.adapters.web.console import ConsoleConfig, mount_console
from tests.support.console_data import populated

TOKEN = "console-test-token-0123456789"
USER, PASSWORD = "ana", "correct horse battery staple"
LOOPBACK = ("127.0.0.1", 50000)
REMOTE = ("203.0.113.7", 50000)


@pytest.fixture
def service() -> Iterator[OrderService]:
    service = populated()
    yield service
    service.close()


@pytest.fixture
def config() -> ConsoleConfig:
    return ConsoleConfig(token=TOKEN, user=USER, password=PASSWORD)


@pytest.fixture
def app(service: OrderService, config: ConsoleConfig) -> Starlette:
    return Starlette(routes=[mount_console(service, config)])


class Client:
    """A synchronous face on httpx's ASGI transport, as one client address (one event loop
    per request: the service is synchronous anyway)."""

    def __init__(self, app: Starlette, address: tuple[str, int]) -> None:
        self.app = app
        self.address = address

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        cookies = kwargs.pop("cookies", None)

        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app, client=self.address)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://console.test", cookies=cookies
            ) as client:
                return await client.request(method, path, **kwargs)

        return asyncio.run(send())

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)


@pytest.fixture
def loopback(app: Starlette) -> Client:
    return Client(app, LOOPBACK)


@pytest.fixture
def remote(app: Starlette) -> Client:
    return Client(app, REMOTE)
