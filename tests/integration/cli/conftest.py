"""The simulator on loopback for CLI tests that call a provider."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from orderstate.adapters.vertex.simulator import API_PREFIX, SimulatedGateway, serve


@pytest.fixture
def sim() -> Iterator[tuple[SimulatedGateway, str]]:
    """The simulator (callbacks posted nowhere; operations applied at once) and its API URL."""
    sender = httpx.Client(timeout=5.0)
    gateway = SimulatedGateway(sender=sender, immediate_operations=True)
    with sender, serve(gateway) as site:
        yield gateway, site.base_url + API_PREFIX
