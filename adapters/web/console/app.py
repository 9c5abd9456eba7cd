"""The console's Starlette app: pages for support and audit, and their few actions.

``create_console(service, config)`` builds it; ``mount_console`` puts it under ``/console`` in
any Starlette app (``orderstate serve`` does). Every page is rendered on the server from
Jinja2 templates with autoescaping on and a Content-Security-Policy that allows no script at
all, so text from a callback or an order number is only ever text. Who may read and act is
``auth``'s business.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, get_args
from urllib.parse import parse_qsl, urlencode
from uuid import UUID

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.templating import Jinja2Templates

from orderstate.adapters.service import (
    InboxItemSettled,
    OrderService,
    UnknownInboxItem,
    UnknownOrder,
    UnreadableHistory,
)
from orderstate.engine import LIFECYCLE, CommandRefused, OrderstateError, State
from orderstate.engine.order import MAX_ORDER_NUMBER, Resolution

from . import pages
from .auth import (
    COOKIE,
    CSRF_FIELD,
    Visitor,
    action_refusal,
    identify,
    session_value,
    token_matches,
)
from .config import ConsoleConfig

__all__ = ["PATH", "create_console", "mount_console"]

PATH = "/console"
"""Where ``orderstate serve`` mounts the console."""

RESOLUTIONS: tuple[Resolution, ...] = get_args(Resolution)

MAX_TEXT = 500
"""The longest reason or name a resolution records."""

SECURITY_HEADERS = {
    # No script may run, inline or loaded; styles only inline (the one <style> of base.html).
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # (not no-referrer: then browsers send "Origin: null" with a form, which auth refuses)
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

Handler = Callable[[Request, Visitor], Awaitable[Response]]
Form = dict[str, str]

MAX_FORM = 16 * 1024
"""The largest form body read (a resolution's fields, a token): more is refused, unread."""


class BadInput(OrderstateError, ValueError):
    """A query or form field the console cannot use (answered 400)."""


class Links:
    """Paths of the console's pages under wherever it is mounted, with query strings."""

    def __init__(self, request: Request) -> None:
        self._request = request

    def url(self, name: str, **query: Any) -> str:
        path = self._request.url_for(name).path
        kept = {k: v for k, v in query.items() if v not in (None, "")}
        return f"{path}?{urlencode(kept)}" if kept else path

    def order(self, shop_id: int, number: str) -> str:
        return self.url("order", shop=shop_id, number=number)

    def reprocess(self, item_id: UUID) -> str:
        return self._request.url_for("reprocess", item_id=item_id).path

    def item(self, item_id: UUID, **query: Any) -> str:
        path = self._request.url_for("inbox_item", item_id=item_id).path
        return f"{path}?{urlencode(query)}" if query else path


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("orderstate.adapters.web.console", "templates"),
        autoescape=True,  # every template, whatever its name
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["money"] = str
    env.globals["states"] = tuple(LIFECYCLE.states)
    env.globals["need_action"] = str(State.NEED_ACTION)
    env.globals["resolutions"] = RESOLUTIONS
    env.globals["inbox_statuses"] = pages.INBOX_STATUSES
    env.globals["csrf_field"] = CSRF_FIELD
    return env


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S %Z").strip()


class Console:
    """The handlers, bound to one service and one config."""

    def __init__(self, service: OrderService, config: ConsoleConfig) -> None:
        self.service = service
        self.config = config
        self.templates = Jinja2Templates(env=_environment())

    # -- plumbing -----------------------------------------------------------------------------

    def page(
        self,
        request: Request,
        visitor: Visitor | None,
        template: str,
        status: int = 200,
        **data: Any,
    ) -> Response:
        # Never the config itself: a template must have no way to print a credential.
        context = {
            "visitor": visitor,
            "links": Links(request),
            "token_login": self.config.token is not None,
            **data,
        }
        response = self.templates.TemplateResponse(request, template, context, status_code=status)
        response.headers.update(SECURITY_HEADERS)
        return response

    def error(
        self, request: Request, visitor: Visitor | None, status: int, message: str
    ) -> Response:
        headers = {}
        if status == 401 and self.config.user is not None:
            headers["WWW-Authenticate"] = 'Basic realm="orderstate console", charset="UTF-8"'
        response = self.page(request, visitor, "error.html", status, code=status, message=message)
        response.headers.update(headers)
        return response

    def reading(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            visitor = identify(request, self.config)
            if visitor is None:
                return self.error(request, None, 401, _SIGN_IN)
            return await self._answer(request, visitor, handler)

        return endpoint

    def acting(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            visitor = identify(request, self.config)
            try:
                form = await _form(request)
            except BadInput as error:
                return self.error(request, visitor, 400, str(error))
            refusal = action_refusal(request, visitor, form.get(CSRF_FIELD))
            if refusal is not None or visitor is None:
                status = 403 if visitor is not None and visitor.can_act else 401
                return self.error(request, visitor, status, str(refusal))
            request.state.form = form
            return await self._answer(request, visitor, handler)

        return endpoint

    async def _answer(self, request: Request, visitor: Visitor, handler: Handler) -> Response:
        try:
            return await handler(request, visitor)
        except (UnknownOrder, UnknownInboxItem) as error:
            return self.error(request, visitor, 404, str(error))
        except (CommandRefused, InboxItemSettled) as error:  # InboxItemSettled is a ValueError
            return self.error(request, visitor, 409, str(error))
        except (BadInput, ValueError) as error:
            return self.error(request, visitor, 400, str(error))
        except UnreadableHistory as error:
            return self.error(request, visitor, 500, str(error))

    # -- pages --------------------------------------------------------------------------------

    async def orders(self, request: Request, visitor: Visitor) -> Response:
        q = request.query_params
        text = _text(q.get("q", ""), "q", MAX_ORDER_NUMBER)
        state = _state(q.get("state"))
        provider = q.get("provider") or None
        if provider is not None and provider not in self.service.providers.names:
            raise BadInput(f"no provider {provider!r} here")
        found = await run_in_threadpool(
            pages.order_list,
            self.service,
            text=text,
            state=state,
            provider=provider,
            page=_page(q.get("page")),
        )
        filters = {"q": text, "state": state, "provider": provider}
        return self.page(
            request,
            visitor,
            "orders.html",
            found=found,
            filters=filters,
            providers=self.service.providers.names,
        )

    async def need_action(self, request: Request, visitor: Visitor) -> Response:
        found = await run_in_threadpool(
            pages.order_list,
            self.service,
            state=str(State.NEED_ACTION),
            page=_page(request.query_params.get("page")),
        )
        return self.page(request, visitor, "need_action.html", found=found)

    async def order(self, request: Request, visitor: Visitor) -> Response:
        shop_id, number = _order_ref(request.query_params)
        detail = await run_in_threadpool(pages.order_detail, self.service, shop_id, number)
        return self.page(request, visitor, "order.html", detail=detail, replay=None)

    async def replay(self, request: Request, visitor: Visitor) -> Response:
        shop_id, number = _order_ref(request.query_params)
        detail = await run_in_threadpool(pages.order_detail, self.service, shop_id, number)
        check = await run_in_threadpool(pages.replay_check, self.service, shop_id, number)
        return self.page(request, visitor, "order.html", detail=detail, replay=check)

    async def resolve(self, request: Request, visitor: Visitor) -> Response:
        form: Form = request.state.form
        shop_id, number = _order_ref(form)
        resolution = _resolution(form.get("resolution"))
        captured = _text(form.get("captured", ""), "captured", 64) or None
        reason = _text(form.get("reason", ""), "reason", MAX_TEXT)
        if not reason:
            raise BadInput("say why the mismatch was resolved this way (reason)")
        by = _who(visitor, form)
        await run_in_threadpool(
            lambda: self.service.resolve(
                shop_id, number, resolution, captured, by=by, reason=reason
            )
        )
        return RedirectResponse(Links(request).order(shop_id, number), status_code=303)

    async def inbox(self, request: Request, visitor: Visitor) -> Response:
        q = request.query_params
        status = q.get("status") or None
        if status is not None and status not in pages.INBOX_STATUSES:
            raise BadInput(f"an inbox status is one of {', '.join(pages.INBOX_STATUSES)}")
        shop = q.get("shop") or None
        shop_id = _shop(shop) if shop is not None else None
        found = await run_in_threadpool(
            pages.inbox_page, self.service, status=status, shop_id=shop_id
        )
        return self.page(request, visitor, "inbox.html", found=found, shop=shop_id)

    async def inbox_item(self, request: Request, visitor: Visitor) -> Response:
        item_id: UUID = request.path_params["item_id"]
        callback, row = await run_in_threadpool(pages.inbox_item, self.service, item_id)
        result = request.query_params.get("result")
        return self.page(
            request, visitor, "inbox_item.html", callback=callback, row=row, result=result
        )

    async def reprocess(self, request: Request, visitor: Visitor) -> Response:
        item_id: UUID = request.path_params["item_id"]
        result = await run_in_threadpool(self.service.reprocess_callback, item_id)
        target = Links(request).item(item_id, result=result.outcome.value)
        return RedirectResponse(target, status_code=303)

    # -- signing in ---------------------------------------------------------------------------

    async def login(self, request: Request) -> Response:
        visitor = identify(request, self.config)
        if request.method == "GET":
            return self.page(request, visitor, "login.html", wrong=False)
        try:
            given = (await _form(request)).get("token")
        except BadInput as error:
            return self.error(request, visitor, 400, str(error))
        if given is None or not token_matches(given, self.config):
            return self.page(request, visitor, "login.html", status=401, wrong=True)
        response = RedirectResponse(Links(request).url("orders"), status_code=303)
        response.set_cookie(
            COOKIE,
            session_value(given),
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path=request.url_for("home").path,
        )
        return response

    async def logout(self, request: Request) -> Response:
        response = RedirectResponse(Links(request).url("login"), status_code=303)
        response.delete_cookie(COOKIE, path=request.url_for("home").path)
        return response

    async def home(self, request: Request) -> Response:
        return RedirectResponse(Links(request).url("orders"), status_code=303)


_SIGN_IN = (
    "the console needs credentials here: a token (Authorization: Bearer, or the login page) "
    "or the console user's HTTP basic auth"
)


async def _form(request: Request) -> Form:
    """An URL-encoded form's fields (the first of each name; an empty body is an empty form);
    nothing else is accepted, and never more than ``MAX_FORM`` bytes."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            raise BadInput(f"a form is at most {MAX_FORM} bytes")
    if not body:
        return {}
    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise BadInput("send the form URL-encoded (application/x-www-form-urlencoded)")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise BadInput("a form is UTF-8 text") from None
    form: Form = {}
    for name, value in pairs:
        form.setdefault(name, value)
    return form


def _text(value: object, name: str, limit: int) -> str:
    if not isinstance(value, str):
        raise BadInput(f"{name} is text")
    text = value.strip()
    if len(text) > limit:
        raise BadInput(f"{name} is at most {limit} characters")
    return text


def _resolution(value: object) -> Resolution:
    for resolution in RESOLUTIONS:
        if value == resolution:
            return resolution
    raise BadInput(f"a resolution is one of {', '.join(RESOLUTIONS)}")


def _state(value: str | None) -> str | None:
    if not value:
        return None
    if value not in LIFECYCLE.states:
        raise BadInput(f"no state {value!r} in the life cycle")
    return value


def _page(value: str | None) -> int:
    if value is None or value == "":
        return 1
    if not (value.isascii() and value.isdigit()) or len(value) > 9 or int(value) < 1:
        raise BadInput("page is a whole number from 1")
    return int(value)


def _shop(value: object) -> int:
    if not isinstance(value, str) or not (value.isascii() and value.isdigit()) or len(value) > 19:
        raise BadInput("shop is a shop id (digits)")
    return int(value)


def _order_ref(source: Any) -> tuple[int, str]:
    number = source.get("number")
    if not isinstance(number, str) or not 0 < len(number) <= MAX_ORDER_NUMBER:
        raise BadInput(f"number is an order number of 1 to {MAX_ORDER_NUMBER} characters")
    return _shop(source.get("shop")), number


def _who(visitor: Visitor, form: Form) -> str:
    """Who resolved: the basic-auth user, or the name a token holder gives (marked so)."""
    if visitor.basic_user and visitor.name is not None:
        return visitor.name
    name = _text(form.get("by", ""), "by", 100)
    if not name:
        raise BadInput("say who you are (by): the token does not name anyone")
    return f"{name} (token)"


def create_console(service: OrderService, config: ConsoleConfig | None = None) -> Starlette:
    """The console for ``service``; ``config`` defaults to the ``ORDERSTATE_CONSOLE_*``
    variables (``ConsoleConfig.from_env``)."""
    console = Console(service, config if config is not None else ConsoleConfig.from_env())
    read, act = console.reading, console.acting
    return Starlette(
        routes=[
            Route("/", console.home, name="home"),
            Route("/orders", read(console.orders), name="orders"),
            Route("/order", read(console.order), name="order"),
            Route("/replay", read(console.replay), name="replay"),
            Route("/resolve", act(console.resolve), methods=["POST"], name="resolve"),
            Route("/need-action", read(console.need_action), name="need_action"),
            Route("/inbox", read(console.inbox), name="inbox"),
            Route("/inbox/{item_id:uuid}", read(console.inbox_item), name="inbox_item"),
            Route(
                "/inbox/{item_id:uuid}/reprocess",
                act(console.reprocess),
                methods=["POST"],
                name="reprocess",
            ),
            Route("/login", console.login, methods=["GET", "POST"], name="login"),
            Route("/logout", console.logout, methods=["POST"], name="logout"),
        ]
    )


def mount_console(
    service: OrderService, config: ConsoleConfig | None = None, *, path: str = PATH
) -> Mount:
    """The console as a ``Mount`` for your own Starlette app's routes (at ``path``)."""
    return Mount(path, app=create_console(service, config))
