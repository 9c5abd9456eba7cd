"""A Stripe simulator (PaymentIntents, refunds, disputes, settlement, signed webhook events),
served in process or on loopback, for the tests, the sandbox and the demo.

It speaks Stripe's wire format (form-encoded ``/v1`` requests, bearer secret key,
``{"error": ...}`` bodies, ``Idempotency-Key`` replay) and moves objects the way Stripe's test
mode does, on a clock of its own::

    sim = SimulatedStripe(start=datetime(2026, 12, 1, tzinfo=UTC), processing_delay=timedelta(0))
    endpoint = sim.add_webhook_endpoint("http://shop.test/callbacks/stripe/a")  # whsec_ secret
    http = httpx.Client(transport=httpx.ASGITransport(app=sim.app), base_url="http://sim")
    # POST /v1/payment_intents with "Authorization: Bearer sk_test_orderstate_simulator", then:
    sim.pay(intent_id, "pm_card_visa")      # the customer (pm_card_chargeDeclined, ...)
    sim.authenticate(intent_id, succeed=True)  # a requires_action intent's 3-D Secure step
    sim.advance(timedelta(days=2))          # expiry, processing, settlement, disputes, retries
    sim.webhooks.sent                       # the signed deliveries so far (after the chaos)
    sim.deliver()                           # POST them through ``sender`` (an httpx client)

On a real socket: ``with serve(sim) as running: ... running.base_url``; the official SDK
then works against it with ``stripe.StripeClient(key, base_addresses={"api": base_url})``.

Modules: ``simulator`` (the knobs) over ``operations`` (capture, cancel, the customer, timers),
``payments`` (intents), ``disputes``, ``refunds``, ``settlement`` and ``core`` (state, clock,
events, expand); ``objects`` and ``ledger`` (the records as Stripe JSON), ``methods`` (test
payment methods), ``events`` (the event log and its list), ``listing`` (lists and search),
``webhooks`` (signing, chaos, delivery, retries), ``idempotency``, ``faults``, ``wire`` and
``routes`` (reading requests), ``app`` (Starlette), ``transport`` (the app behind a sync
``httpx.Client``), ``server`` (uvicorn in a thread), ``realtime`` (a served simulator on the
wall clock), ``errors``.
"""

from __future__ import annotations

from .app import build_app
from .core import SimClock
from .errors import StripeRefusal
from .events import API_VERSION, SimEvent
from .faults import ENDPOINTS, Fault, FaultPlan
from .methods import DEFAULT_METHOD, TEST_METHODS, Outcome, TestMethod
from .realtime import RealTime
from .server import RunningSimulator, serve
from .simulator import DEFAULT_API_KEY, SimulatedStripe
from .transport import sync_transport
from .webhooks import (
    DEFAULT_RETRY_DELAYS,
    SIGNATURE_HEADER,
    Delivery,
    DeliveryAttempt,
    WebhookChaos,
    WebhookEndpoint,
    sign_payload,
)

__all__ = [
    "API_VERSION",
    "DEFAULT_API_KEY",
    "DEFAULT_METHOD",
    "DEFAULT_RETRY_DELAYS",
    "ENDPOINTS",
    "SIGNATURE_HEADER",
    "TEST_METHODS",
    "Delivery",
    "DeliveryAttempt",
    "Fault",
    "FaultPlan",
    "Outcome",
    "RealTime",
    "RunningSimulator",
    "SimClock",
    "SimEvent",
    "SimulatedStripe",
    "StripeRefusal",
    "TestMethod",
    "WebhookChaos",
    "WebhookEndpoint",
    "build_app",
    "serve",
    "sign_payload",
    "sync_transport",
]
