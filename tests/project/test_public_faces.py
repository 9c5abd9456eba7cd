"""Public faces are pinned: each package a user imports has an ``__all__``, every name in it
exists, the docs and examples import only from faces, and a change to a face is a change to
this file (as httpx's tests/test_exported_members.py does)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FACES: dict[str, list[str]] = {
    "orderstate.engine": [
        "CANCELLABLE_STATES",
        "CAPTURABLE_STATES",
        "CommandRefused",
        "CurrencyMismatch",
        "DeadlineNotReached",
        "EXPIRABLE_STATES",
        "FINAL_STATES",
        "GuardFailed",
        "InvalidAmount",
        "InvalidOrder",
        "LIFECYCLE",
        "Lifecycle",
        "LifecycleSpecError",
        "Money",
        "MoneyError",
        "OperationPending",
        "Order",
        "OrderstateError",
        "PAID_STATES",
        "REFUNDABLE_STATES",
        "Request",
        "SPINE",
        "State",
        "TokenStandardRequired",
        "Transition",
        "TransitionNotAllowed",
        "UnknownCurrency",
        "load_lifecycle",
        "order_id",
        "project_order",
    ],
    "orderstate.adapters.port": [
        "CallbackRefused",
        "Checkout",
        "Created",
        "Customer",
        "DEFAULT_BODY_LIMIT",
        "Fact",
        "FactRejected",
        "Operation",
        "Outcome",
        "OutcomeUnknown",
        "PaymentOption",
        "PortError",
        "Provider",
        "ProviderCallFailed",
        "ProviderNotConfigured",
        "ProviderRefused",
        "ProviderUnreachable",
        "Shop",
        "UnknownAtProvider",
        "UnsupportedRequest",
        "Update",
    ],
    "orderstate.adapters.service": [
        "Backoff",
        "CallbackResult",
        "ConfirmationEmail",
        "Customer",
        "ExpiryStatus",
        "Follower",
        "FollowerStatus",
        "InboxItem",
        "InboxItemSettled",
        "Listener",
        "Mailer",
        "Operation",
        "OrderPage",
        "OrderQuery",
        "OrderRow",
        "OrderService",
        "OrderUpdate",
        "OrderView",
        "Outcome",
        "Polled",
        "Providers",
        "RecordingMailer",
        "ReplayReport",
        "Shop",
        "StateTotal",
        "UnknownInboxItem",
        "UnknownOrder",
        "UnknownProvider",
        "UnreadableEvent",
        "UnreadableHistory",
    ],
    "orderstate.adapters.web": [
        "CALLBACK_PATH",
        "DEFAULT_READ_TIMEOUT",
        "STATUS_BY_OUTCOME",
        "create_app",
    ],
    "orderstate.adapters.web.console": [
        "ConsoleConfig",
        "PATH",
        "create_console",
        "mount_console",
    ],
    "orderstate.adapters.bootstrap": [
        "Settings",
        "ShopSecret",
        "build_service",
        "create_app",
        "parse_order_ref",
        "parse_shops",
        "providers_for",
        "service_for",
        "shops_from_pairs",
    ],
    "orderstate.adapters.store": [
        "DDL_ATTEMPTS",
        "DEFAULT_STORE",
        "MoneyAsDict",
        "OrjsonTranscoder",
        "POSTGRES_TIMEOUTS",
        "StoreError",
        "TRANSCODER_TOPIC",
        "check_store",
        "describe",
        "order_transcoder",
        "register_transcodings",
        "store_env",
        "transcoder_env",
        "with_ddl_retry",
        "write_probe",
    ],
    "orderstate.adapters.vertex": [
        "Accepted",
        "AsyncVertexClient",
        "Callback",
        "CallbackTooLarge",
        "CreateOrder",
        "CreatedOrder",
        "Customer",
        "MalformedCallback",
        "NAME",
        "OrderNotFound",
        "OrderSnapshot",
        "OrderStatus",
        "PRODUCTION_BASE_URL",
        "Payment",
        "PaymentStatus",
        "PaymentType",
        "ProviderError",
        "SIGNATURE_HEADER",
        "SIGNATURE_SCHEMES",
        "STAGE_BASE_URL",
        "SignatureVerificationError",
        "SnapshotRejected",
        "VertexCalls",
        "VertexClient",
        "VertexConfig",
        "VertexError",
        "VertexProvider",
        "apply_snapshot",
        "cost_json",
        "order_to_json",
        "parse_order",
        "provider_view",
        "read_callback",
        "sign",
        "verify",
    ],
    "orderstate.adapters.vertex.simulator": [
        "API_PREFIX",
        "CallbackChaos",
        "DEFAULT_PAYMENT_METHODS",
        "DEFAULT_SHOP",
        "DeliveryAttempt",
        "ENDPOINTS",
        "Fault",
        "FaultPlan",
        "NewOrder",
        "Outbox",
        "RunningSimulator",
        "SEED_CLEARING_DELAY",
        "SentCallback",
        "SimClock",
        "SimOrder",
        "SimPayment",
        "SimShop",
        "SimulatedGateway",
        "build_app",
        "serve",
    ],
    "orderstate.testing": [
        "CallbackStep",
        "DEFAULT_SETTINGS",
        "DEFAULT_SHOP_ID",
        "Deliver",
        "Delivery",
        "Forged",
        "Handler",
        "InProcessTransport",
        "Interleaving",
        "NEVER_SHIPPED_STATES",
        "PAID_STATES",
        "ProviderHistory",
        "REFUSED_OUTCOMES",
        "Reconcile",
        "SHOP_FOLLOWER",
        "Shipment",
        "Shipments",
        "Shipper",
        "ShopIntegrationMachine",
        "Stale",
        "Step",
        "Tampered",
        "Unsigned",
        "WarehouseDown",
        "adversarial_deliveries",
        "deliveries",
        "histories",
        "interleavings",
        "machine_for",
        "money",
        "run_delivery",
        "to_callback",
    ],
    "orderstate.testing.stateful": [
        "DEFAULT_SETTINGS",
        "Handler",
        "InProcessTransport",
        "NEVER_SHIPPED_STATES",
        "PAID_STATES",
        "SHOP_FOLLOWER",
        "Shipment",
        "Shipments",
        "Shipper",
        "ShopIntegrationMachine",
        "WarehouseDown",
        "machine_for",
    ],
    "orderstate.testing.strategies": [
        "CallbackStep",
        "DEFAULT_SHOP_ID",
        "Deliver",
        "Delivery",
        "Forged",
        "Interleaving",
        "ProviderHistory",
        "REFUSED_OUTCOMES",
        "Reconcile",
        "Stale",
        "Step",
        "Tampered",
        "Unsigned",
        "adversarial_deliveries",
        "deliveries",
        "histories",
        "interleavings",
        "money",
        "run_delivery",
        "to_callback",
    ],
    "orderstate.testing.vertex_histories": [
        "HistorySpec",
        "OUTCOMES",
        "history",
    ],
}


@pytest.mark.parametrize("face", sorted(FACES))
def test_a_face_exports_exactly_its_pinned_names(face: str) -> None:
    module = importlib.import_module(face)

    exported = sorted(module.__all__)

    assert exported == FACES[face]


@pytest.mark.parametrize("face", sorted(FACES))
def test_every_exported_name_exists(face: str) -> None:
    module = importlib.import_module(face)

    missing = [name for name in module.__all__ if not hasattr(module, name)]

    assert missing == []


IMPORT = re.compile(r"^\s*(?:from|import) (orderstate(?:\.\w+)*)", re.MULTILINE)


def test_docs_and_examples_import_only_from_faces() -> None:
    sources = [ROOT / "README.md", *(ROOT / "docs").rglob("*.md"), *(ROOT / "docs").rglob("*.py")]
    sources += list((ROOT / "examples").rglob("*.py"))

    outside = sorted(
        f"{path.relative_to(ROOT)}: {module}"
        for path in sources
        for module in IMPORT.findall(path.read_text(encoding="utf-8"))
        if module not in FACES
    )

    assert outside == []
