"""The simulator's HTTP face: the Merchant API routes and a tiny hosted payment page (Starlette).

Each API route is thin: inject a fault if one is due, authenticate the ``Api-Access-Token``,
read the body (``wire``), check the token's shop, call ``SimulatedGateway``, and wrap the result
as ``{"data": ...}`` — or turn a ``ProviderError`` into ``{code, title, detail}``. The API is
served both at the root and under ``/api/v1`` (the provider's base path), so a client may use
either base URL. When the simulator has a ``sender`` and ``auto_deliver`` is on, callbacks queued
by a request are POSTed after its response (a background task).

The payment page (``/payment?session-id=...``) is what ``paymentLink`` points at: three forms
that POST to ``/payment/{session}/pay|decline|abandon``; tests may POST there directly, with an
optional ``amount`` (query, form or JSON field) to pay a different amount than ordered. Without
a browser, POST to the link itself: ``curl -d action=pay "$PAYMENT_LINK"`` (``action`` is pay,
decline or abandon; pay when absent).
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

import anyio
import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from orderstate.adapters.simulation import InjectedFault

from ..errors import ProviderError
from ..models import PaymentMethod
from ..payloads import order_to_json
from .refusals import forbidden, invalid, unauthenticated
from .wire import (
    read_action,
    read_amount,
    read_body,
    read_create,
    read_path_shop_id,
    read_refund,
    read_review,
)

if TYPE_CHECKING:
    from .gateway import SimulatedGateway

__all__ = ["API_PREFIX", "build_app"]

API_PREFIX = "/api/v1"
"""The provider's base path; the API is also served without it."""

_TOKEN_HEADER = "api-access-token"
_FAULT_TITLES = {500: "Internal server error", 502: "Bad gateway", 503: "Service unavailable"}


@dataclass(frozen=True, slots=True)
class _Call:
    """One authenticated API request, as the route functions see it."""

    token_shop: int
    verb: str
    body: object
    path: Mapping[str, str]

    def authorize(self, shop_id: int) -> None:
        if shop_id != self.token_shop:
            raise forbidden(self.verb)


_Perform = Callable[["SimulatedGateway", _Call], tuple[int, object]]


def build_app(sim: SimulatedGateway) -> Starlette:
    """A Starlette app over ``sim``; ``app.state.sim`` is the simulator."""
    api = _api_routes()
    routes: list[BaseRoute] = [
        *api,
        Mount(API_PREFIX, routes=api),
        Route("/payment", _payment_page, methods=["GET"]),
        Route("/payment", _payment_link_action, methods=["POST"]),
        Route("/payment/{session}/{action}", _payment_action, methods=["POST"]),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error, 500: _server_error},
    )
    app.state.sim = sim
    return app


def _api_routes() -> list[BaseRoute]:
    def route(path: str, method: str, name: str, verb: str, perform: _Perform) -> Route:
        return Route(path, _api(name, verb, perform, reads_body=method == "POST"), methods=[method])

    return [
        route(
            "/shops/{shopId}/payment-methods",
            "GET",
            "payment_methods",
            "view payment methods",
            _payment_methods,
        ),
        route("/order", "POST", "create", "create orders", _create),
        route("/order/capture", "POST", "capture", "capture orders", _operation("capture")),
        route("/order/cancel", "POST", "cancel", "cancel orders", _operation("cancel")),
        route("/order/reject", "POST", "reject", "reject orders", _operation("reject")),
        route("/order/refund", "POST", "refund", "refund orders", _refund),
        route("/order/review/result", "POST", "review", "review orders", _review),
        # shopId is an integer: "/order/review/result" must not read as shop "review" (a GET there
        # is a 405 with Allow: POST, not a 400 about a malformed shop id).
        route("/order/{shopId:int}/{orderNumber}", "GET", "details", "view orders", _details),
    ]


def _api(
    name: str, verb: str, perform: _Perform, *, reads_body: bool
) -> Callable[[Request], Awaitable[Response]]:
    async def handler(request: Request) -> Response:
        sim: SimulatedGateway = request.app.state.sim
        fault = sim.faults.draw(name)
        if fault is not None and not fault.applied:
            return await _failed(sim, fault)
        try:
            shop = sim.shop_for_token(request.headers.get(_TOKEN_HEADER))
            if shop is None:
                raise unauthenticated()
            body = read_body(await request.body()) if reads_body else None
            status, data = perform(sim, _Call(shop, verb, body, request.path_params))
        except ProviderError as refusal:
            return _error(refusal)
        if fault is not None:  # the operation happened; the caller is told it failed
            return await _failed(sim, fault)
        return JSONResponse({"data": data}, status_code=status, background=_delivery(sim))

    return handler


# --- the API operations -------------------------------------------------------------------------


def _payment_methods(sim: SimulatedGateway, call: _Call) -> tuple[int, object]:
    call.authorize(read_path_shop_id(call.path["shopId"]))
    return 200, [_method_json(method) for method in sim.payment_methods]


def _create(sim: SimulatedGateway, call: _Call) -> tuple[int, object]:
    new = read_create(call.body, sim.payment_methods)
    call.authorize(new.shop_id)
    created = sim.create_order(new)
    return 200, {"orderNumber": created.order_number, "paymentLink": created.payment_link}


def _details(sim: SimulatedGateway, call: _Call) -> tuple[int, object]:
    shop_id = read_path_shop_id(call.path["shopId"])
    call.authorize(shop_id)
    return 200, order_to_json(sim.order(call.path["orderNumber"], shop_id=shop_id))


def _operation(kind: str) -> _Perform:
    def perform(sim: SimulatedGateway, call: _Call) -> tuple[int, object]:
        shop_id, number = read_action(call.body)
        call.authorize(shop_id)
        request = {"capture": sim.capture, "cancel": sim.cancel, "reject": sim.reject}[kind]
        request(number, shop_id=shop_id)
        return 202, {"orderNumber": number, "operationType": kind}

    return perform


def _refund(sim: SimulatedGateway, call: _Call) -> tuple[int, object]:
    shop_id, number, amount = read_refund(call.body)
    call.authorize(shop_id)
    sim.refund(number, amount, shop_id=shop_id)
    return 202, {"orderNumber": number, "operationType": "refund"}


def _review(sim: SimulatedGateway, call: _Call) -> tuple[int, object]:
    shop_id, number, accept = read_review(call.body)
    call.authorize(shop_id)
    sim.review_decision(number, accept=accept, shop_id=shop_id)
    return 200, {"orderNumber": number, "operationType": "review"}


def _method_json(method: PaymentMethod) -> dict[str, object]:
    return {
        **method.extra,
        "providerCode": method.provider_code,
        "acquirerCode": method.acquirer_code,
        "instrumentType": method.instrument_type,
        "entryMode": method.entry_mode,
        "dataEntryModes": list(method.data_entry_modes),
    }


# --- the payment page ---------------------------------------------------------------------------


async def _payment_page(request: Request) -> Response:
    sim: SimulatedGateway = request.app.state.sim
    session = request.query_params.get("session-id", "")
    order = sim.session(session)
    if order is None:
        return HTMLResponse("<!doctype html><title>Unknown session</title>", status_code=404)
    action = f"/payment/{html.escape(session)}"
    amount = html.escape(order.cost.format_amount())
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Vertex Gateway simulator</title></head><body>
<h1>Order {html.escape(order.order_number)}: {amount} {html.escape(order.cost.currency)}</h1>
<p>Status: <b>{order.status.value}</b></p>
<form method="post" action="{action}/pay">
  <label>Amount <input name="amount" value="{amount}"></label>
  <button type="submit" name="action" value="pay">Pay</button>
</form>
<form method="post" action="{action}/decline"><button type="submit">Decline</button></form>
<form method="post" action="{action}/abandon"><button type="submit">Abandon</button></form>
</body></html>
"""
    return HTMLResponse(page)


async def _payment_action(request: Request) -> Response:
    return await _act(request, request.path_params["session"], request.path_params["action"])


async def _payment_link_action(request: Request) -> Response:
    """A POST to the payment link itself: the page's forms for a terminal (curl, no browser)."""
    session = request.query_params.get("session-id", "")
    action = request.query_params.get("action")
    if action is None and request.headers.get("content-type", "").startswith(
        "application/x-www-form-urlencoded"
    ):
        raw = await request.body()
        action = dict(parse_qsl(raw.decode("utf-8", errors="replace"))).get("action")
    return await _act(request, session, action or "pay")


async def _act(request: Request, session: str, action: str) -> Response:
    sim: SimulatedGateway = request.app.state.sim
    order = sim.session(session)
    if order is None or action not in ("pay", "decline", "abandon"):
        return _error_body(404, "Not found", "no such payment session or action")
    number, shop_id = order.order_number, order.shop_id
    try:
        if action == "pay":
            text = await _amount_field(request)
            amount = None if text is None else read_amount(text, order.cost.currency)
            result = sim.pay(number, shop_id=shop_id, amount=amount)
        elif action == "decline":
            result = sim.decline(number, shop_id=shop_id)
        else:
            result = sim.abandon(number, shop_id=shop_id)
    except ProviderError as refusal:
        return _error(refusal)
    return JSONResponse({"data": order_to_json(result)}, background=_delivery(sim))


async def _amount_field(request: Request) -> str | None:
    """``amount`` from the query, a form, or a JSON object body; None when absent or empty."""
    if "amount" in request.query_params:
        return request.query_params["amount"] or None
    raw = await request.body()
    if not raw:
        return None
    if request.headers.get("content-type", "").startswith("application/json"):
        body = read_body(raw)
        value = body.get("amount") if isinstance(body, dict) else None
        if value is not None and not isinstance(value, str):
            raise invalid("amount", "must be a decimal string")
        return value or None
    fields = dict(parse_qsl(raw.decode("utf-8", errors="replace")))
    return fields.get("amount") or None


# --- answers ------------------------------------------------------------------------------------


def _delivery(sim: SimulatedGateway) -> BackgroundTask | None:
    """Deliver the callbacks this request queued, after the response has been sent."""
    if not sim.auto_deliver or sim.sender is None:
        return None
    if isinstance(sim.sender, httpx.AsyncClient):
        return BackgroundTask(sim.adeliver)
    return BackgroundTask(sim.deliver)  # Starlette runs a sync task in its thread pool


async def _failed(sim: SimulatedGateway, fault: InjectedFault) -> Response:
    if fault.timeout:
        if fault.delay is None:
            await _deliver_now(sim)
            raise httpx.ReadTimeout("the simulator injected a timeout")
        await anyio.sleep(fault.delay)
    title = _FAULT_TITLES.get(fault.status, "Gateway timeout")
    detail = "injected by the simulator" + (" after acting" if fault.applied else "")
    return _error_body(fault.status, title, detail, background=_delivery(sim))


async def _deliver_now(sim: SimulatedGateway) -> None:
    task = _delivery(sim)
    if task is not None:
        await task()


def _error(refusal: ProviderError) -> Response:
    status = refusal.status or 500
    return _error_body(status, refusal.title or "Error", refusal.detail)


def _error_body(
    status: int,
    title: str,
    detail: str | None,
    *,
    background: BackgroundTask | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body = {"code": str(status), "title": title, "detail": detail}
    return JSONResponse(body, status_code=status, background=background, headers=headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Router 404/405 as error bodies, like every other failure."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else None
    headers = exc.headers if isinstance(exc, HTTPException) else None  # e.g. Allow on a 405
    title = "Not found" if status == 404 else "Request refused"
    return _error_body(status, title, detail, headers=headers)


async def _server_error(request: Request, exc: Exception) -> Response:
    return _error_body(500, "Internal server error", "the simulator failed")
