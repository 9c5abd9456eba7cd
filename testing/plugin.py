"""The pytest plugin of ``orderstate.testing``: fixtures for testing a shop against Vertex.

Loaded through the ``pytest11`` entry point by every pytest run in an environment where
orderstate is installed, so importing this module must stay cheap and must not need the
optional extras: the simulator, the service, httpx and Hypothesis are imported inside the
fixtures, when a test asks for one.

Fixtures (all function-scoped):

- ``vertex_simulator``: a ``SimulatedGateway`` with shop 115 (token ``sim-token-115``, secret
  ``sim-secret-115``), seed 0 and a fixed start time, so every run tells the same story. Its
  other knobs are the simulator's defaults, which follow the seed (a day of clearing, callbacks
  on status changes only); a test takes a shortcut by setting it
  (``vertex_simulator.clearing_delay = timedelta(0)``).
- ``order_service``: an ``OrderService`` for shop 115 with no provider, on the in-memory store;
  ``@pytest.mark.parametrize("order_service", ["memory", "sqlite"], indirect=True)`` runs a
  test on both (SQLite in ``tmp_path``). Closed at teardown.
- ``signed_callback``: builds the raw body and headers of a callback for a snapshot or a body,
  signed with the shop's secret, another secret (``secret=``), a wrong one (``forge=True``) or
  not at all (``omit=True``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pytest

if TYPE_CHECKING:
    from orderstate.adapters.service import OrderService
    from orderstate.adapters.vertex import OrderSnapshot
    from orderstate.adapters.vertex.simulator import SimulatedGateway

__all__ = [
    "SHOP_ID",
    "SHOP_SECRET",
    "SHOP_TOKEN",
    "SIMULATOR_START",
    "SignedCallback",
    "order_service",
    "signed_callback",
    "vertex_simulator",
]

SHOP_ID = 115
"""The shop every fixture is set up for (the provider docs' example shop)."""
SHOP_TOKEN = "sim-token-115"
"""The simulator's API access token for ``SHOP_ID``."""
SHOP_SECRET = "sim-secret-115"
"""The callback secret shared by the simulator and ``order_service`` for ``SHOP_ID``."""
SIMULATOR_START = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
"""The simulator's clock at the start of every test."""

_FORGED_SECRET = "forged-secret-not-the-shop-s"
_STORES = ("memory", "sqlite")


class SignedCallback(Protocol):
    """The ``signed_callback`` factory: ``(snapshot or body) -> (raw body, headers)``."""

    def __call__(
        self,
        snapshot_or_body: OrderSnapshot | bytes,
        *,
        secret: str | None = None,
        forge: bool = False,
        omit: bool = False,
    ) -> tuple[bytes, list[tuple[str, str]]]: ...


@pytest.fixture
def vertex_simulator() -> SimulatedGateway:
    """A simulated Vertex Gateway for shop 115, seeded and with a fixed clock."""
    from orderstate.adapters.vertex.simulator import SimulatedGateway

    return SimulatedGateway(seed=0, start=SIMULATOR_START)


@pytest.fixture
def order_service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OrderService]:
    """An order service for shop 115 without a provider; in memory unless parametrized with
    ``"sqlite"`` (a file in ``tmp_path``). Closed after the test."""
    from orderstate.adapters.bootstrap import build_service
    from orderstate.adapters.port import Shop

    kind = getattr(request, "param", "memory")
    if kind not in _STORES:
        raise ValueError(f"order_service is one of {list(_STORES)}, not {kind!r}")
    store = "memory" if kind == "memory" else str(tmp_path / "orderstate.db")
    service = build_service(store=store, shops={SHOP_ID: Shop((SHOP_SECRET,))})
    try:
        yield service
    finally:
        service.close()


@pytest.fixture
def signed_callback() -> SignedCallback:
    """A factory for callbacks as the provider (or a forger) would send them."""
    from orderstate.adapters.vertex import SIGNATURE_HEADER, sign

    def build(
        snapshot_or_body: OrderSnapshot | bytes,
        *,
        secret: str | None = None,
        forge: bool = False,
        omit: bool = False,
    ) -> tuple[bytes, list[tuple[str, str]]]:
        body = _body(snapshot_or_body)
        headers = [("content-type", "application/json")]
        if not omit:
            key = _FORGED_SECRET if forge else (secret or SHOP_SECRET)
            headers.append((SIGNATURE_HEADER, sign(body, key)))
        return body, headers

    return build


def _body(snapshot_or_body: OrderSnapshot | bytes) -> bytes:
    """The raw body: bytes as given, or the snapshot's ORDER object as compact JSON."""
    if isinstance(snapshot_or_body, bytes):
        return snapshot_or_body
    import json

    from orderstate.adapters.vertex import order_to_json

    return json.dumps(order_to_json(snapshot_or_body), separators=(",", ":")).encode("utf-8")
