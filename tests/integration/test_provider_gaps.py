"""Gaps to the provider's documents, closed: one clock for events and jobs, the customer kept
for a re-create, need_action kept with what is known, full captures only, merchant decisions
recorded as requests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.port import Customer, ProviderUnreachable, UnsupportedRequest
from orderstate.adapters.service import Operation, OrderService, Outcome, Polled, Shop
from orderstate.adapters.vertex import VertexClient, VertexConfig, VertexProvider
from orderstate.adapters.vertex.payloads import parse_order
from orderstate.adapters.vertex.retry import RetryPolicy
from orderstate.adapters.vertex.simulator import API_PREFIX, Fault, SimulatedGateway
from orderstate.engine import Money, State, TokenStandardRequired
from orderstate.testing.plugin import SHOP_ID, SHOP_SECRET, SHOP_TOKEN, SIMULATOR_START
from orderstate.testing.stateful import InProcessTransport
from tests.unit.vertex.helpers import SECRET, order_json, signed

COST = Money.parse("56.99", "PHP")


class Clock:
    """A simulated clock, far behind the wall clock."""

    def __init__(self) -> None:
        self.now = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def refused_connections() -> VertexClient:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    config = VertexConfig(
        token="t", base_url="http://vertex.test", retry=RetryPolicy(max_attempts=1)
    )
    return VertexClient(config, transport=httpx.MockTransport(handler))


def test_reconcile_with_a_simulated_clock_behind_real_time_polls_the_quiet_order() -> None:
    clock = Clock()
    service = build_service(
        shops={115: Shop((SECRET,))}, vertex_client=refused_connections(), clock=clock
    )
    with pytest.raises(ProviderUnreachable):
        service.place(shop_id=115, order_number="test04", amount=COST)
    clock.now += timedelta(minutes=10)

    counts = service.reconcile(older_than=timedelta(minutes=5))

    assert counts == {Polled.UNREACHABLE: 1}
    assert service.view(115, "test04").changed_at == clock.now - timedelta(minutes=10)


class Recording(InProcessTransport):
    """The simulator in process, keeping every request body sent to it."""

    def __init__(self, sim: SimulatedGateway) -> None:
        super().__init__(sim.app)
        self.bodies: list[dict[str, object]] = []
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.paths.append(request.url.path)
        if request.method == "POST" and request.content:
            self.bodies.append(json.loads(request.content))
        return super().handle_request(request)


def simulator_service(
    sim: SimulatedGateway, clock: Clock | None = None
) -> tuple[OrderService, Recording]:
    transport = Recording(sim)
    config = VertexConfig(
        token=SHOP_TOKEN,
        base_url=sim.public_base_url + API_PREFIX,
        retry=RetryPolicy(max_attempts=1),
    )
    client = VertexClient(config, transport=transport)
    shops = {SHOP_ID: Shop((SHOP_SECRET,))}
    return build_service(shops=shops, vertex_client=client, clock=clock), transport


def test_reconcile_re_creates_an_ambiguous_first_create_with_its_customer() -> None:
    sim = SimulatedGateway(seed=0, start=SIMULATOR_START)
    service, sent = simulator_service(sim)
    sim.faults.script("create", Fault.timed_out(applied=False))
    ana = Customer(first_name="Ana", last_name="Cruz", email="ana@example.com")
    service.place(shop_id=SHOP_ID, order_number="A-1", amount=COST, customer=ana)
    assert service.view(SHOP_ID, "A-1").state == State.CREATED  # the outcome is unknown

    counts = service.reconcile(older_than=timedelta(0))

    assert counts == {Polled.CREATED: 1}
    assert len(sent.bodies) == 2  # the ambiguous create, and the re-create
    assert sent.bodies[-1]["customer"] == {
        "firstName": "Ana",
        "lastName": "Cruz",
        "email": "ana@example.com",
    }
    assert service.view(SHOP_ID, "A-1").confirmation_sender == "provider"


def placed_in_progress() -> OrderService:
    service = build_service(shops={115: Shop((SECRET,))})
    service.place(shop_id=115, order_number="test04", amount=COST)
    body = json.dumps(order_json(payments=[])).encode()
    service.handle_callback(115, body, list(signed(body).items()))
    return service


def test_a_need_action_callback_whose_amounts_agree_is_recorded_not_rejected() -> None:
    service = placed_in_progress()
    body = json.dumps(order_json(orderStatus="need_action")).encode()  # 56.99 of 56.99 paid

    result = service.handle_callback(115, body, list(signed(body).items()))

    assert (result.outcome, result.events) == (Outcome.APPLIED, ("InconsistencyReported",))
    view = service.view(115, "test04")
    assert view.state == State.NEED_ACTION
    assert view.reason == "provider status need_action with 56.99 PHP paid of 56.99 PHP"


def test_a_contradicting_polled_view_is_kept_in_the_inbox_with_its_reason() -> None:
    service = placed_in_progress()
    contradiction = order_json(orderStatus="completed", cost={"amount": "9.00", "currency": "PHP"})
    fact = VertexProvider().fact(parse_order(contradiction))

    outcome = service.jobs.apply_polled(fact)

    assert outcome is Outcome.REJECTED
    [kept] = service.inbox_items()
    assert (kept.kind, kept.reason) == ("conflict", "polled: amount 9.00 PHP, order is 56.99 PHP")
    assert json.loads(kept.body)["cost"] == {"amount": "9.00", "currency": "PHP"}
    assert service.view(115, "test04").state == State.IN_PROGRESS  # nothing appended


def test_a_partial_capture_through_vertex_is_refused_before_anything_is_recorded() -> None:
    sim = SimulatedGateway(seed=0, start=SIMULATOR_START)
    service, sent = simulator_service(sim)
    service.place(shop_id=SHOP_ID, order_number="T-1", amount=COST, auto_capture=False)
    sim.pay("T-1")
    service.refresh(SHOP_ID, "T-1")
    before = service.view(SHOP_ID, "T-1")
    assert before.state == State.AUTHORIZED

    with pytest.raises(UnsupportedRequest, match=r"vertex captures only in full: capture 6\.99"):
        service.request(Operation.CAPTURE, SHOP_ID, "T-1", "6.99")

    assert service.view(SHOP_ID, "T-1").version == before.version
    assert not [path for path in sent.paths if path.endswith("/capture")]


def test_a_review_decision_is_recorded_as_a_request_the_provider_answer_settles() -> None:
    sim = SimulatedGateway(seed=0, start=SIMULATOR_START)
    service, _ = simulator_service(sim)
    sim.review_orders.add("R-1")
    service.place(shop_id=SHOP_ID, order_number="R-1", amount=COST)
    sim.pay("R-1")
    service.refresh(SHOP_ID, "R-1")
    assert service.view(SHOP_ID, "R-1").state == State.REVIEW

    asked = service.request(Operation.DECLINE_REVIEW, SHOP_ID, "R-1")

    assert asked.pending == "decline_review"
    decided = service.history(SHOP_ID, "R-1")[-1]
    assert (type(decided).__name__, decided.accept) == ("ReviewDecisionRequested", False)
    sim.advance(timedelta(minutes=1))
    service.refresh(SHOP_ID, "R-1")
    answered = service.view(SHOP_ID, "R-1")
    assert (answered.state, answered.pending) == (State.FAILED, None)


def test_a_reject_is_recorded_as_a_request_before_the_provider_is_asked() -> None:
    service = placed_in_progress()

    asked = service.request(Operation.REJECT, 115, "test04")

    assert asked.pending == "reject"
    assert type(service.history(115, "test04")[-1]).__name__ == "RejectRequested"


def test_an_order_in_usdt_is_refused_naming_the_token_standard_and_nothing_is_stored() -> None:
    service = build_service(shops={115: Shop((SECRET,))})

    with pytest.raises(TokenStandardRequired, match="BEP20 18"):
        service.place(shop_id=115, order_number="U-1", amount=Money.parse("10.00", "USDT"))

    assert service.list_orders() == []


def test_the_documented_callback_without_payments_is_read_not_refused() -> None:
    service = build_service(shops={115: Shop((SECRET,))})
    service.place(shop_id=115, order_number="7_1706275173", amount=Money.parse("10.00", "BRL"))
    documented = {  # the provider's only callback example: older spelling, no payments[]
        "id": 77,
        "number": "7_1706275173",
        "status": "completed",
        "cost": {"amount": "10.000000000", "currency": "BRL"},
        "timeLimit": {"date": "2024-01-27 07:45:51.000000", "timezone": "UTC"},
    }
    body = json.dumps(documented).encode()

    result = service.handle_callback(115, body, list(signed(body).items()))

    assert result.outcome is Outcome.APPLIED
    view = service.view(115, "7_1706275173")
    assert (view.state, view.captured) == (State.COMPLETED, Money.parse("10.00", "BRL"))
