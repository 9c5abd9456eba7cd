"""The Stripe simulator driven in process: a simulator on a fixed clock and an HTTP client."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from orderstate.adapters.stripe.simulator import DEFAULT_API_KEY, SimulatedStripe

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


class Api:
    """A synchronous client for the simulator's /v1 routes, with the secret key set."""

    def __init__(self, sim: SimulatedStripe) -> None:
        self.sim = sim
        self.http = httpx.Client(
            transport=sim.transport(),
            base_url="http://stripe-sim.test",
            headers={"Authorization": f"Bearer {DEFAULT_API_KEY}"},
        )

    def post(self, path: str, key: str | None = None, **params: Any) -> httpx.Response:
        headers = {} if key is None else {"Idempotency-Key": key}
        return self.http.post(path, data=dict(form(params)), headers=headers)

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params=list(form(params)))

    def intent(self, amount: int = 1099, currency: str = "usd", **params: Any) -> dict[str, Any]:
        response = self.post("/v1/payment_intents", amount=amount, currency=currency, **params)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data


def form(params: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Stripe's bracketed form encoding: ``{"metadata": {"a": "1"}}`` -> ``metadata[a]=1``."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else key
        if isinstance(value, dict):
            pairs += form(value, name)
        elif isinstance(value, list | tuple):
            pairs += form(dict(enumerate(value)), name)
        else:
            pairs.append((name, str(value)))
    return pairs


def make_sim(**knobs: Any) -> SimulatedStripe:
    return SimulatedStripe(start=START, **knobs)


@pytest.fixture
def sim() -> SimulatedStripe:
    return make_sim()


@pytest.fixture
def api(sim: SimulatedStripe) -> Iterator[Api]:
    client = Api(sim)
    yield client
    client.http.close()
