"""An in-memory Vertex Gateway for tests, demos and users' own integration tests.

It speaks the wire format the client and the callback receiver assume (``specs/vertex/
openapi.yaml``) and moves orders the way the provider's docs describe. The state machine
(``SimulatedGateway``) is separate from its HTTP face (``sim.app``, Starlette)::

    sim = SimulatedGateway(clearing_delay=timedelta(days=1), start=datetime(2024, 6, 1, tzinfo=UTC))
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://sim")
    # POST /order with Api-Access-Token "sim-token-115" (shop 115), then:
    sim.pay("order-1")                 # or POST /payment/{session}/pay, or the HTML page
    sim.advance(timedelta(days=1))     # clearing, deadlines, review timeouts, queued 202s
    sim.outbox                         # the signed callbacks sent so far
    sim.callbacks.dropped              # and those the chaos knobs dropped

On a real socket: ``with serve(sim) as running: ... running.base_url``.

Modules: ``gateway`` (the state machine and its knobs, built on ``core``: lookups and
callbacks, ``timers``: the clock, ``operations``: merchant operations), ``state`` (its
records), ``wire`` (request validation), ``app`` (routes and payment page), ``outbox``
(callback chaos and delivery), ``faults`` (injected 5xx and timeouts), ``refusals`` (errors
as on the wire), ``server`` (uvicorn in a thread).
"""

from __future__ import annotations

from .app import API_PREFIX, build_app
from .faults import ENDPOINTS, Fault, FaultPlan
from .gateway import (
    DEFAULT_PAYMENT_METHODS,
    DEFAULT_SHOP,
    SEED_CLEARING_DELAY,
    SimClock,
    SimulatedGateway,
)
from .outbox import CallbackChaos, DeliveryAttempt, Outbox, SentCallback
from .server import RunningSimulator, serve
from .state import NewOrder, SimOrder, SimPayment, SimShop

__all__ = [
    "API_PREFIX",
    "DEFAULT_PAYMENT_METHODS",
    "DEFAULT_SHOP",
    "ENDPOINTS",
    "SEED_CLEARING_DELAY",
    "CallbackChaos",
    "DeliveryAttempt",
    "Fault",
    "FaultPlan",
    "NewOrder",
    "Outbox",
    "RunningSimulator",
    "SentCallback",
    "SimClock",
    "SimOrder",
    "SimPayment",
    "SimShop",
    "SimulatedGateway",
    "build_app",
    "serve",
]
