"""The simulator's HTTP face (Starlette): Stripe's ``/v1`` routes and the simulator's ``/_sim``.

Each API request: an injected fault if one is due, the bearer secret key, the params (form body
or query string, ``wire``), the ``Idempotency-Key`` (``idempotency``: replay, or 400 for other
params), the route (``routes``) with ``expand[]`` applied, then ``{"error": ...}`` for a
``StripeRefusal``. Responses carry ``Request-Id``; replays carry ``Idempotent-Replayed: true``.
When the simulator has a ``sender`` and ``auto_deliver``, the webhook deliveries a request made
ready are POSTed after its response.

``/_sim`` is the world around the API (bearer key too, except the customer's page):
``POST /_sim/payment_intents/{id}/pay`` (``payment_method``), ``GET|POST
/_sim/authenticate/{id}`` (the 3-D Secure page; ``action=complete|fail``),
``POST /_sim/charges/{id}/dispute``, ``POST /_sim/disputes/{id}/resolve`` (``outcome=won|lost``),
``POST /_sim/refunds/{id}/fail``, ``POST /_sim/advance`` (``seconds``),
``POST /_sim/webhook_endpoints`` (``url``; answers the endpoint's ``secret``).
"""

from __future__ import annotations

import base64
import binascii
import html
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import anyio
import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from orderstate.adapters.simulation import InjectedFault

from .errors import StripeRefusal, invalid, unauthenticated
from .idempotency import Saved
from .routes import ROUTES, Perform, open_dispute
from .wire import Params, parse_form, read_enum, read_expand, read_int, read_str

if TYPE_CHECKING:
    from .simulator import SimulatedStripe

__all__ = ["build_app"]

_Handler = Callable[[Request], Awaitable[Response]]


def build_app(sim: SimulatedStripe) -> Starlette:
    """A Starlette app over ``sim``; ``app.state.sim`` is the simulator."""
    routes: list[BaseRoute] = [
        Route(path, _api(name, perform), methods=[method]) for method, path, name, perform in ROUTES
    ]
    routes += [
        Route("/_sim/payment_intents/{id}/pay", _control(_pay), methods=["POST"]),
        Route("/_sim/charges/{id}/dispute", _control(open_dispute), methods=["POST"]),
        Route("/_sim/disputes/{id}/resolve", _control(_resolve), methods=["POST"]),
        Route("/_sim/refunds/{id}/fail", _control(_fail_refund), methods=["POST"]),
        Route("/_sim/advance", _control(_advance), methods=["POST"]),
        Route("/_sim/webhook_endpoints", _control(_add_endpoint), methods=["POST"]),
        Route("/_sim/authenticate/{id}", _authenticate, methods=["GET", "POST"]),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
    app.state.sim = sim
    return app


def _api(name: str, perform: Perform) -> _Handler:
    async def handler(request: Request) -> Response:
        sim: SimulatedStripe = request.app.state.sim
        fault = sim.faults.draw(name)
        if fault is not None and not fault.applied:  # it never reached the endpoint
            return await _failed(sim, fault)
        request_id = sim._new_id("req")
        key = request.headers.get("idempotency-key") if request.method == "POST" else None
        try:
            api_key = _authenticate_key(sim, request)
            params = await _params(request)
            fingerprint = sim.idempotency.fingerprint(request.method, request.url.path, params)
            saved = (
                None
                if key is None
                else sim.idempotency.lookup(api_key, key, fingerprint, sim._now())
            )
        except StripeRefusal as refusal:
            return _answer(refusal.status, refusal.body(), request_id)
        if saved is not None and key is not None:
            return _replay(saved, request_id, key)
        outcome = _perform(sim, perform, params, request, (request_id, key))
        if key is not None and outcome.kept:
            first = (
                _fault_body(fault) if fault is not None and not fault.timeout else outcome.answer
            )
            saved_at = sim._now()
            sim.idempotency.save(
                api_key, key, Saved(fingerprint, first[0], _bytes(first[1]), saved_at)
            )
        if fault is not None:  # it happened; the caller is told it failed
            return await _failed(sim, fault)
        status, data = outcome.answer
        return _answer(status, data, request_id, key=key, background=_delivery(sim))

    return handler


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What a route answered, and whether Stripe would keep it for its idempotency key."""

    answer: tuple[int, dict[str, Any]]
    kept: bool


def _perform(
    sim: SimulatedStripe,
    perform: Perform,
    params: Params,
    request: Request,
    context: tuple[str, str | None],
) -> _Outcome:
    """Run a route under the simulator's lock, naming the request in the events it makes."""
    with sim._lock:
        sim._request = context
        try:
            status, data = perform(sim, params, request.path_params)
            return _Outcome((status, sim.expand(data, read_expand(params))), kept=True)
        except StripeRefusal as refusal:
            return _Outcome((refusal.status, refusal.body()), kept=refusal.saved)
        finally:
            sim._request = (None, None)


def _bytes(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def _authenticate_key(sim: SimulatedStripe, request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    key = value.strip()
    if scheme.lower() == "basic":  # curl -u sk_test_...:  (the key as the user name)
        try:
            key = base64.b64decode(key, validate=True).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            key = ""
    elif scheme.lower() != "bearer":
        key = ""
    if key not in sim.api_keys:
        raise unauthenticated(key)
    return key


async def _params(request: Request) -> Params:
    if request.method == "GET":
        return parse_form(request.url.query)
    content_type = request.headers.get("content-type", "application/x-www-form-urlencoded")
    raw = await request.body()
    if raw and not content_type.startswith("application/x-www-form-urlencoded"):
        raise invalid(None, "Stripe's API takes application/x-www-form-urlencoded bodies.")
    try:
        return parse_form(raw)
    except UnicodeDecodeError:
        raise invalid(None, "The request body is not valid UTF-8.") from None


def _answer(
    status: int,
    body: dict[str, Any],
    request_id: str,
    *,
    key: str | None = None,
    background: BackgroundTask | None = None,
    replayed: bool = False,
) -> Response:
    headers = {"request-id": request_id, "stripe-version": _api_version()}
    if key is not None:
        headers["idempotency-key"] = key
    if replayed:
        headers["idempotent-replayed"] = "true"
    return Response(
        _bytes(body),
        status_code=status,
        media_type="application/json",
        headers=headers,
        background=background,
    )


def _replay(saved: Saved, request_id: str, key: str) -> Response:
    body: dict[str, Any] = json.loads(saved.body)
    return _answer(saved.status, body, request_id, key=key, replayed=True)


def _api_version() -> str:
    from .events import API_VERSION

    return API_VERSION


def _fault_body(fault: InjectedFault) -> tuple[int, dict[str, Any]]:
    message = "An unknown error occurred (injected by the simulator)."
    return fault.status, {"error": {"type": "api_error", "message": message}}


async def _failed(sim: SimulatedStripe, fault: InjectedFault) -> Response:
    if fault.timeout:
        if fault.delay is None:
            task = _delivery(sim)
            if task is not None:
                await task()
            raise httpx.ReadTimeout("the simulator injected a timeout")
        await anyio.sleep(fault.delay)
    status, body = _fault_body(fault)
    return _answer(status, body, sim._new_id("req"), background=_delivery(sim))


def _delivery(sim: SimulatedStripe) -> BackgroundTask | None:
    if not sim.auto_deliver or sim.sender is None:
        return None
    if isinstance(sim.sender, httpx.AsyncClient):
        return BackgroundTask(sim.adeliver)
    return BackgroundTask(sim.deliver)


# --- the simulator's own routes -----------------------------------------------------------------


def _control(perform: Perform) -> _Handler:
    async def handler(request: Request) -> Response:
        sim: SimulatedStripe = request.app.state.sim
        request_id = sim._new_id("req")
        try:
            _authenticate_key(sim, request)
            params = await _params(request)
        except StripeRefusal as refusal:
            return _answer(refusal.status, refusal.body(), request_id)
        status, body = _perform(sim, perform, params, request, (request_id, None)).answer
        return _answer(status, body, request_id, background=_delivery(sim))

    return handler


def _pay(sim: SimulatedStripe, params: Params, path: Mapping[str, str]) -> tuple[int, Any]:
    method = read_str(params, "payment_method") or "pm_card_visa"
    return 200, sim.pay(path["id"], method)


def _resolve(sim: SimulatedStripe, params: Params, path: Mapping[str, str]) -> tuple[int, Any]:
    outcome = read_enum(params, "outcome", ("won", "lost"), "won")
    return 200, sim.resolve_dispute(path["id"], won=outcome == "won")


def _fail_refund(sim: SimulatedStripe, params: Params, path: Mapping[str, str]) -> tuple[int, Any]:
    sim.fail_refund(path["id"])
    return 200, sim.refund(path["id"])


def _advance(sim: SimulatedStripe, params: Params, path: Mapping[str, str]) -> tuple[int, Any]:
    seconds = read_int(params, "seconds", required=True) or 0
    sim.advance(timedelta(seconds=seconds))
    return 200, {"object": "simulator_clock", "now": sim._now()}


def _add_endpoint(sim: SimulatedStripe, params: Params, path: Mapping[str, str]) -> tuple[int, Any]:
    url = read_str(params, "url", required=True) or ""
    endpoint = sim.add_webhook_endpoint(url)
    return 200, {
        "id": endpoint.id,
        "object": "webhook_endpoint",
        "url": url,
        "secret": endpoint.secret,
    }


async def _authenticate(request: Request) -> Response:
    """The customer's 3-D Secure page: GET shows it, POST ``action=complete|fail`` answers it."""
    sim: SimulatedStripe = request.app.state.sim
    intent_id = request.path_params["id"]
    if request.method == "POST":
        params = parse_form(await request.body())
        action = params.get("action", "complete")
        try:
            intent = sim.authenticate(intent_id, succeed=action != "fail")
        except StripeRefusal as refusal:
            return _answer(refusal.status, refusal.body(), sim._new_id("req"))
        return _answer(200, intent, sim._new_id("req"), background=_delivery(sim))
    try:
        intent = sim.intent(intent_id)
    except StripeRefusal:
        return HTMLResponse("<!doctype html><title>Unknown payment</title>", status_code=404)
    name = html.escape(intent_id)
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Stripe simulator: authenticate</title></head><body>
<h1>Authenticate payment {name}</h1><p>{intent["amount"]} {html.escape(intent["currency"])}</p>
<form method="post"><button name="action" value="complete">Complete</button>
<button name="action" value="fail">Fail</button></form></body></html>
"""
    return HTMLResponse(page)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Router 404/405 as Stripe error bodies."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    message = f"Unrecognized request URL ({request.method}: {request.url.path})."
    body = {"error": {"type": "invalid_request_error", "message": message}}
    return Response(_bytes(body), status_code=status, media_type="application/json")
