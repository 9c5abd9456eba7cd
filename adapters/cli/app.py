"""The ``orderstate`` command (typer + rich).

Every command reads its store from one setting (``--db``, default a SQLite file in the working
directory; a ``postgresql://`` URL works the same). Errors print one line on stderr and exit
non-zero (see ``exits``); ``--debug`` shows the traceback and the log instead. Output for
scripts (``--json``, the error line) never wraps at the terminal's width.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar, cast
from uuid import UUID

import typer
from eventsourcing.persistence import PersistenceError
from rich.console import Console

from orderstate.adapters.bootstrap import Settings, parse_order_ref, parse_shops, service_for
from orderstate.adapters.port import (
    Operation,
    Outcome,
    ProviderCallFailed,
    ProviderRefused,
    ProviderUnreachable,
)
from orderstate.adapters.service import CallbackResult, OrderService, OrderView
from orderstate.adapters.service.polling import CLEARING_DUE, DEFAULT_LIMIT
from orderstate.adapters.store import DEFAULT_STORE, check_store, describe
from orderstate.engine import LIFECYCLE, CommandRefused, Money, OrderstateError, State, order_id
from orderstate.engine.diagram import to_dot, to_mermaid

from . import inputs, render, wording
from .exits import ExitCode, exit_code_for

if TYPE_CHECKING:
    from orderstate.adapters.bootstrap.sandbox import Sandbox
    from orderstate.adapters.bootstrap.stripe_sandbox import StripeSandbox
    from orderstate.engine.order import Resolution

__all__ = ["app", "main"]

app = typer.Typer(
    name="orderstate",
    help="The payment life cycle of online orders as an event-sourced state machine.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
T = TypeVar("T")


def _console(*, stderr: bool = False) -> Console:
    """A console that wraps nothing when its output is not a terminal: a script reading an
    error line or a table gets it whole, not cut at rich's default 80 columns."""
    console = Console(stderr=stderr, soft_wrap=True)
    if not console.is_terminal:
        console.width = 10_000
    return console


out = _console()
err = _console(stderr=True)
ACCEPTS_NEGATIVE = {"ignore_unknown_options": True}
"""For commands taking an amount: ``-5`` is an (invalid) amount to refuse, not an option."""


class Context:
    settings = Settings()
    debug = False


@app.callback()
def configure(
    db: Annotated[str, typer.Option(envvar="ORDERSTATE_DB", help="Store: SQLite path or URL")] = (
        DEFAULT_STORE
    ),
    vertex_url: Annotated[str, typer.Option(envvar="ORDERSTATE_VERTEX_URL")] = (
        Settings.vertex_url
    ),
    vertex_token: Annotated[
        str | None, typer.Option(envvar="ORDERSTATE_VERTEX_TOKEN", help="Api-Access-Token")
    ] = None,
    shops: Annotated[
        str | None,
        typer.Option(envvar="ORDERSTATE_SHOPS", help="Callback secrets: 115:secret,116:other"),
    ] = None,
    webhook_url: Annotated[
        str | None, typer.Option(envvar="ORDERSTATE_WEBHOOK_URL", help="Sent as webhookUrl")
    ] = None,
    debug: Annotated[bool, typer.Option(help="Show tracebacks")] = False,
    stripe_url: Annotated[str, typer.Option(envvar="ORDERSTATE_STRIPE_URL")] = (
        Settings.stripe_url
    ),
    stripe_key: Annotated[
        str | None, typer.Option(envvar="ORDERSTATE_STRIPE_KEY", help="Stripe secret key sk_...")
    ] = None,
    provider: Annotated[
        str,
        typer.Option(
            envvar="ORDERSTATE_PROVIDER", help="Provider of shops that name none: vertex, stripe"
        ),
    ] = Settings.provider,
) -> None:
    """Shared settings; see ``orderstate COMMAND --help`` for each command."""
    Context.settings = Settings(
        db=db,
        vertex_url=vertex_url,
        vertex_token=vertex_token,
        shops=_guard(lambda: parse_shops(shops)),
        webhook_url=webhook_url,
        stripe_url=stripe_url,
        stripe_key=stripe_key,
        provider=provider,
    )
    Context.debug = debug
    # The log is for --debug: by default a command's outcome is its own one line.
    logging.basicConfig(level=logging.INFO if debug else logging.CRITICAL, stream=sys.stderr)


USER_ERRORS = (OrderstateError, LookupError, ValueError, OSError, RuntimeError, PersistenceError)
"""Errors a user can cause (input, settings, a store or provider out of reach): one line."""


def _guard(action: Callable[[], T], *, about: str | None = None) -> T:
    """Run ``action``; turn the errors a user can cause into one line and its exit code
    (``exits``); ``about`` (an order reference) prefixes the line."""
    try:
        return action()
    except USER_ERRORS as error:
        _stop(error, about=about)


def _stop(error: BaseException, *, about: str | None = None) -> NoReturn:
    """Stop the command on ``error``: one line and its exit code (the traceback with --debug)."""
    if Context.debug:
        raise error
    message = f"{about}: {error}" if about else str(error)
    _fail(message, exit_code_for(error))


@contextmanager
def _opened(*, with_provider: bool = False) -> Iterator[OrderService]:
    """The configured service, closed (pools, files, connections) when the command ends.

    The store setting is tried first, so a wrong one is one line naming the cause."""
    note = _guard(lambda: check_store(Context.settings.db))
    if note:
        err.print(f"note: {note}", markup=False, highlight=False)
    service = _guard(lambda: service_for(Context.settings, connect=with_provider))
    try:
        yield service
    finally:
        service.close()


def _defaulted(ctx: typer.Context, name: str) -> bool:
    """Whether the shared option ``name`` was left to its default (no option, no variable)."""
    parent = ctx.parent or ctx
    source = parent.get_parameter_source(name)
    return source is not None and source.name == "DEFAULT"


def _fail(message: str, code: int = ExitCode.ERROR) -> NoReturn:
    err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


# -- the main job -------------------------------------------------------------------------


@app.command()
def demo(
    ctx: typer.Context,
    orders: Annotated[int, typer.Option(min=1, max=10_000, help="Checkouts to simulate")] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the outcome mix and the callback chaos")] = 7,
    provider: Annotated[
        str, typer.Option(help="The simulated provider: vertex, or stripe (its simulator)")
    ] = "vertex",
) -> None:
    """Simulated checkouts through the simulator, the client and the webhook app; then a check.

    Without --db (or ORDERSTATE_DB) the demo uses its own store, replaced at every run; a store
    you name must not hold orders yet."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from orderstate.adapters.bootstrap.demo import (
        OUTCOME_MIX,
        fresh_demo_store,
        require_fresh_store,
        run_demo,
    )

    if provider == "stripe":
        from orderstate.adapters.bootstrap.stripe_demo import STRIPE_OUTCOME_MIX, run_stripe_demo

        weights, run = STRIPE_OUTCOME_MIX, run_stripe_demo
    elif provider == "vertex":
        weights, run = OUTCOME_MIX, run_demo
    else:
        _fail(f"no simulated provider {provider!r}: vertex or stripe")

    store = Context.settings.db
    if _defaulted(ctx, "db"):
        store = _guard(fresh_demo_store)
        out.print(
            f"demo store: {store} (its own, fresh for this run; --db PATH to keep a run elsewhere)",
            highlight=False,
        )
    _guard(lambda: require_fresh_store(store))
    phases = {"checkout": "customers pay on the payment page", "merchant": "merchant actions"}
    columns = (
        TextColumn("{task.description:<34}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=out, transient=False) as progress:
        tasks = {name: progress.add_task(label, total=orders) for name, label in phases.items()}
        report = _guard(
            lambda: run(
                orders=orders,
                store=store,
                seed=seed,
                on_progress=lambda phase, done: progress.update(tasks[phase], completed=done),
            )
        )
    mix = ", ".join(f"{report.outcomes[name]} {name}" for name in weights if report.outcomes[name])
    out.print(f"[bold]{report.orders} checkouts[/]: {mix}", highlight=False)
    shown = describe(store)
    out.print(render.states_table(report.by_state, f"orders by state in {shown}"))
    out.print(
        f"{report.orders} orders and {report.callbacks} callbacks (duplicated, reordered, "
        f"some dropped) in {report.seconds:.1f} s: {report.orders / report.seconds:.1f} "
        f"orders/s; reconciliation polled {sum(report.reconciled.values())} orders "
        f"({', '.join(f'{v} {k}' for k, v in sorted(report.reconciled.items())) or 'none'})",
        highlight=False,
    )
    replay = report.replay
    out.print(
        f"replay check: {replay.orders} orders, {replay.events} events rebuilt from the store "
        f"({replay.events_per_second:,.0f} events/s): "
        + ("[green]all equal their live state[/]" if not replay.failures else "[red]FAILED[/]"),
        highlight=False,
    )
    for problem in [*replay.failures, *report.disagreements]:
        err.print(f"disagreement: {problem}", markup=False)
    if not report.ok:
        raise typer.Exit(1)
    out.print(
        f"outbox: {report.confirmations} confirmation email(s) handed to the mailer "
        "(customers who gave no email)",
        highlight=False,
    )
    out.print("[green]every order agrees with the provider[/]", highlight=False)


# -- merchant actions ---------------------------------------------------------------------


@app.command(context_settings=ACCEPTS_NEGATIVE)
def place(
    order: Annotated[str, typer.Argument(help="SHOP_ID/ORDER_NUMBER")],
    amount: Annotated[str, typer.Argument(help='Decimal string above zero, e.g. "56.99"')],
    currency: Annotated[
        str, typer.Argument(help="ISO 4217 code or crypto symbol (any case: php = PHP)")
    ],
    two_stage: Annotated[bool, typer.Option(help="autoCapture=false")] = False,
    email: Annotated[str | None, typer.Option(help="Customer email (provider confirms)")] = None,
    first_name: Annotated[
        str | None, typer.Option(help="Customer first name (the provider needs it with --email)")
    ] = None,
    last_name: Annotated[
        str | None, typer.Option(help="Customer last name (the provider needs it with --email)")
    ] = None,
    time_limit: Annotated[
        str | None,
        typer.Option(
            help=f"Deadline to pay by: ISO-8601 with a zone, e.g. {inputs.DEADLINE_EXAMPLE}"
        ),
    ] = None,
    method: Annotated[
        str | None,
        typer.Option(
            help="Payment method code from `orderstate methods SHOP` (default: the customer "
            "chooses on the payment page)"
        ),
    ] = None,
    success_url: Annotated[
        str | None, typer.Option(help="Where the payment page sends the customer after paying")
    ] = None,
    failure_url: Annotated[
        str | None, typer.Option(help="Where the payment page sends the customer if it fails")
    ] = None,
    provider: Annotated[
        str | None,
        typer.Option(help="Create it with this provider (vertex, stripe) if the shop names none"),
    ] = None,
) -> None:
    """Record an order and create it with the provider.

    Exits 3 if the provider refused it (recorded failed), 4 if the provider could not be
    reached (nothing sent; run it again), 5 if its answer was unclear (reconcile settles it).
    """
    shop_id, number = _guard(lambda: parse_order_ref(order))
    money = _guard(lambda: inputs.money(amount, currency), about=order)
    deadline = _guard(lambda: inputs.deadline(time_limit)) if time_limit else None
    customer = _guard(lambda: inputs.customer(first_name, last_name, email), about=order)
    if provider is not None:
        Context.settings = replace(Context.settings, provider=provider)
    with _opened(with_provider=True) as service:
        try:
            view = service.place(
                shop_id=shop_id,
                order_number=number,
                amount=money,
                auto_capture=not two_stage,
                time_limit=deadline,
                customer=customer,
                payment_method=method,
                success_url=success_url,
                failure_url=failure_url,
            )
        except ProviderUnreachable as error:
            _fail(
                f"{order}: could not reach the provider: {error}; nothing was sent and the "
                "order stays created: run the same place again",
                ExitCode.PROVIDER_UNREACHABLE,
            )
        except USER_ERRORS as error:
            _stop(error, about=order)
        out.print(render.view_text(view), markup=False, highlight=False)
        _check_placed(view, connected=service.providers.for_shop(shop_id).connected)


@app.command()
def methods(
    shop: Annotated[int, typer.Argument(help="The shop whose payment methods to list")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON for scripts")] = False,
) -> None:
    """List the payment methods the provider offers a shop; `place --method CODE` takes one."""
    with _opened(with_provider=True) as service:
        options = _guard(lambda: service.payment_options(shop), about=f"shop {shop}")
    if as_json:
        rows = [{"code": o.code, "description": o.description} for o in options]
        render.print_json(out, json.dumps(rows, indent=2))
        return
    if not options:
        out.print(f"shop {shop}: the provider lists no payment methods", markup=False)
    for option in options:
        out.print(f"{option.code}  {option.description}", markup=False, highlight=False)


def _check_placed(view: OrderView, *, connected: bool) -> None:
    """Exit non-zero when placing did not reach a payment page: refused, or no clear answer."""
    ref = wording.reference(view)
    if view.state in (State.FAILED, State.REJECTED):
        _fail(f"{ref}: the order is {view.state}: {view.reason}", ExitCode.PROVIDER_REFUSED)
    if view.state == State.CREATED and connected:
        _fail(
            f"{ref}: no clear answer from the provider (it may have created the order); the "
            "order stays created and `orderstate reconcile` settles it",
            ExitCode.OUTCOME_UNKNOWN,
        )


def _request(order: str, operation: Operation, amount: str | None = None) -> None:
    shop_id, number = _guard(lambda: parse_order_ref(order))
    if amount is not None:
        _guard(lambda: inputs.positive_amount(amount, what=f"a {operation}"), about=order)
    with _opened(with_provider=True) as service:
        try:
            view = service.request(operation, shop_id, number, amount)
        except CommandRefused as error:
            now = _guard(lambda: service.view(shop_id, number))
            asked = _guard(lambda: Money.parse(amount, now.amount.currency)) if amount else None
            _fail(wording.refusal(error, now, amount=asked))
        except ProviderCallFailed as error:
            _fail(_provider_failure(order, operation, error), exit_code_for(error))
        except USER_ERRORS as error:
            _stop(error, about=order)
        out.print(render.view_text(view), markup=False, highlight=False)


def _provider_failure(order: str, operation: Operation, error: ProviderCallFailed) -> str:
    if isinstance(error, ProviderRefused):
        return f"{order}: the provider refused the {operation} ({error}); recorded as declined"
    if isinstance(error, ProviderUnreachable):
        return (
            f"{order}: could not reach the provider: {error}; the {operation} was not sent "
            "(recorded as declined): run it again"
        )
    return f"{order}: {operation}: {error}"


@app.command()
def capture(
    order: Annotated[str, typer.Argument(help="SHOP_ID/ORDER_NUMBER")],
    amount: Annotated[
        str | None,
        typer.Argument(help="The whole authorized amount, if given: Vertex captures in full"),
    ] = None,
) -> None:
    """Ask the provider to capture a two-stage order (its callback confirms)."""
    _request(order, Operation.CAPTURE, amount)


@app.command()
def cancel(order: Annotated[str, typer.Argument(help="SHOP_ID/ORDER_NUMBER")]) -> None:
    """Ask the provider to cancel (void) an order."""
    _request(order, Operation.CANCEL)


@app.command(context_settings=ACCEPTS_NEGATIVE)
def refund(
    order: Annotated[str, typer.Argument(help="SHOP_ID/ORDER_NUMBER")],
    amount: Annotated[str, typer.Argument(help='Decimal string above zero, e.g. "10.00"')],
) -> None:
    """Ask the provider to refund part or all of a settled order (in the order's currency)."""
    _request(order, Operation.REFUND, amount)


# -- callbacks ----------------------------------------------------------------------------


def _callback_files(source: Path) -> Iterator[tuple[str, bytes]]:
    if source.is_dir():
        for path in sorted(source.glob("*.json")):
            yield path.name, path.read_bytes()
        return
    for number, line in enumerate(source.read_bytes().splitlines(), start=1):
        if line.strip():
            yield f"{source.name}:{number}", line


@app.command()
def ingest(
    source: Annotated[Path, typer.Argument(help="A JSONL file, or a directory of .json files")],
    shop: Annotated[int, typer.Option(help="The shop the callbacks came to")],
    signed: Annotated[
        bool,
        typer.Option(
            help="Lines are {'body': '<raw>', 'headers': {...}} as received; otherwise each "
            "line is a bare body you vouch for, signed here with the shop's secret"
        ),
    ] = False,
) -> None:
    """Apply callback bodies as if they had arrived over HTTP; one outcome line each.

    A line that cannot be processed at all is reported (where and why) and the rest still
    run; the exit code is 1 if any line failed so, else 2 if any callback was refused.
    """
    if not source.exists():
        _fail(f"no such file or directory: {source}")
    configured = _guard(Context.settings.shop_map).get(shop)
    if not signed and configured is None:
        _fail(f"no callback secret for shop {shop}: set --shops {shop}:SECRET")
    counts: Counter[str] = Counter()
    with _opened() as service, service.group_commit() as front_door:
        provider = service.providers.for_shop(shop)
        in_flight: deque[tuple[str, Future[CallbackResult]]] = deque()
        for name, raw in _callback_files(source):
            try:
                if signed:
                    body, headers = _as_received(raw)
                else:  # a bare body the user vouches for: signed as the provider would
                    assert configured is not None
                    body, headers = raw, provider.sign_callback(raw, configured)
                in_flight.append((name, front_door.submit(shop, body, headers)))
            except Exception as error:  # one bad line must not cost the lines after it
                in_flight.append((name, _failed(error)))
            while len(in_flight) > INGEST_IN_FLIGHT:
                _ingested(*in_flight.popleft(), counts)
        while in_flight:
            _ingested(*in_flight.popleft(), counts)
    _ingest_summary(counts)


INGEST_IN_FLIGHT = 64
"""Lines ``ingest`` has submitted at most before it reports the oldest: enough for the group
commit to save them in shared transactions, in the file's order."""


def _failed(error: Exception) -> Future[CallbackResult]:
    future: Future[CallbackResult] = Future()
    future.set_exception(error)
    return future


def _ingested(name: str, future: Future[CallbackResult], counts: Counter[str]) -> None:
    """One line's outcome (or error), printed in the file's order."""
    try:
        result = future.result()
    except Exception as error:  # one bad line must not cost the lines after it
        if Context.debug:
            raise
        counts["error"] += 1
        err.print(f"{name} error: {type(error).__name__}: {error}", markup=False)
        return
    reason = f": {result.reason}" if result.reason else ""
    out.print(f"{name} {result.order_number or '-'} {result.outcome}{reason}", markup=False)
    counts["refused" if result.outcome in FAILED_CALLBACKS else "ok"] += 1


def _ingest_summary(counts: Counter[str]) -> None:
    """One closing line when anything went wrong, and the exit code that says what."""
    if not (counts["error"] or counts["refused"]):
        return
    total = counts.total()
    err.print(
        f"ingest: {total} lines: {counts['ok']} processed, {counts['refused']} refused, "
        f"{counts['error']} failed with an error",
        markup=False,
        highlight=False,
    )
    raise typer.Exit(ExitCode.ERROR if counts["error"] else ExitCode.USAGE)


FAILED_CALLBACKS = frozenset(
    {Outcome.REJECTED, Outcome.UNAUTHENTICATED, Outcome.MALFORMED, Outcome.TOO_LARGE}
)
"""Outcomes that make ``ingest`` exit 2: kept, but never applied."""


def _as_received(raw: bytes) -> tuple[bytes, list[tuple[str, str]]]:
    """A line ``{"body": "<raw>", "headers": {...}}`` as it was received."""
    try:
        envelope = json.loads(raw)
        body = envelope["body"].encode("utf-8")
        headers = [(str(k), str(v)) for k, v in envelope.get("headers", {}).items()]
    except (ValueError, KeyError, TypeError, AttributeError):
        return raw, []  # kept and reported as unauthenticated, like an unsigned HTTP request
    return body, headers


# -- reading ------------------------------------------------------------------------------


@app.command()
def show(
    order: Annotated[str, typer.Argument(help="SHOP_ID/ORDER_NUMBER")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """One order's current view."""
    shop_id, number = _guard(lambda: parse_order_ref(order))
    with _opened() as service:
        view = _guard(lambda: service.view(shop_id, number))
        if as_json:
            render.print_json(out, render.view_json(view))
        else:
            out.print(render.view_text(view), markup=False, highlight=False)


@app.command()
def history(
    order: Annotated[str, typer.Argument(help="SHOP_ID/ORDER_NUMBER")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """One order's events, oldest first."""
    shop_id, number = _guard(lambda: parse_order_ref(order))
    with _opened() as service:
        events = _guard(lambda: service.history(shop_id, number))
        if as_json:
            render.print_json(out, render.history_json(events))
        else:
            out.print(render.history_table(events, f"order {order}"))


@app.command()
def orders(
    state: Annotated[str | None, typer.Option(help="Only orders in this state")] = None,
    totals: Annotated[
        bool, typer.Option(help="Count orders by state, with amounts per currency, instead")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """The orders (reference, state, amounts, last change), last changed last."""
    if state is not None and state not in LIFECYCLE.states:
        _fail(f"unknown state {state!r}; one of {', '.join(LIFECYCLE.states)}")
    with _opened() as service:
        if totals:
            rows = [r for r in service.orders_by_state() if state in (None, r.state)]
            text = render.states_json(rows) if as_json else None
            _print(text, lambda: render.states_table(rows))
            return
        views = _guard(lambda: service.list_orders(state=state))
        _print(render.orders_json(views) if as_json else None, lambda: render.orders_table(views))


def _print(json_text: str | None, table: Callable[[], object]) -> None:
    """JSON when asked for (unwrapped, for scripts), else the table."""
    if json_text is not None:
        render.print_json(out, json_text)
    else:
        out.print(table())


inbox_app = typer.Typer(
    help="Kept callbacks that were not applied (rejected, deferred), and processing one again.",
    invoke_without_command=True,
)
app.add_typer(inbox_app, name="inbox")


@inbox_app.callback()
def inbox(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option(
            help="Only this status or rejection kind (rejected, deferred, malformed, "
            "unauthenticated, conflict, applied, ...); default: every one not applied"
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """List kept callbacks with their reasons, oldest first (ID first, for ``reprocess``)."""
    if ctx.invoked_subcommand is not None:
        return
    with _opened() as service:
        items = _guard(lambda: service.inbox_items(status=status))
        refs = {
            order_id(v.shop_id, v.order_number): wording.reference(v) for v in service.list_orders()
        }
        rows = [(item, refs.get(item.order_id) if item.order_id else None) for item in items]
        if as_json:
            render.print_json(out, render.inbox_json(rows))
        elif rows:
            out.print(render.inbox_lines(rows), markup=False, highlight=False)
        else:
            err.print("no callbacks " + (f"with status {status}" if status else "to look at"))


@inbox_app.command("reprocess")
def inbox_reprocess(
    item_id: Annotated[str, typer.Argument(help="The item's id, as `orderstate inbox` lists it")],
) -> None:
    """Run one kept callback through verification and the order again, as it was received
    (after fixing a shop's secret, say); exits 2 if it is still not applied."""
    try:
        wanted = UUID(item_id)
    except ValueError:
        _fail(f"{item_id!r} is not an inbox item id (a UUID, as `orderstate inbox` lists it)")
    with _opened() as service:
        result = _guard(lambda: service.reprocess_callback(wanted))
        reason = f": {result.reason}" if result.reason else ""
        out.print(f"{wanted} {result.order_number or '-'} {result.outcome}{reason}", markup=False)
        if result.outcome in FAILED_CALLBACKS:
            raise typer.Exit(ExitCode.USAGE)


@app.command()
def resolve(
    order: Annotated[str, typer.Argument(help="SHOP_ID/ORDER_NUMBER of a need_action order")],
    resolution: Annotated[
        str,
        typer.Option(
            "--as",
            help="How it ended: completed (payment kept), refunded (paid back) or cancelled",
        ),
    ],
    captured: Annotated[
        str | None,
        typer.Option(help="What was kept, if not the order amount (nothing when cancelled)"),
    ] = None,
    by: Annotated[
        str | None, typer.Option(help="Who resolved it (kept in the event; default: $USER)")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why (kept in the event)")] = None,
) -> None:
    """Record how an amount mismatch (need_action) was resolved with the customer, who
    resolved it and why."""
    from orderstate.adapters.service.decisions import RESOLUTIONS

    if resolution not in RESOLUTIONS:
        _fail(f"--as is one of {', '.join(RESOLUTIONS)}, not {resolution!r}")
    shop_id, number = _guard(lambda: parse_order_ref(order))
    with _opened() as service:
        try:
            view = service.resolve(
                shop_id,
                number,
                cast("Resolution", resolution),
                captured,
                by=by or os.environ.get("USER") or None,
                reason=reason,
            )
        except CommandRefused as error:
            now = _guard(lambda: service.view(shop_id, number))
            kept = _guard(lambda: Money.parse(captured, now.amount.currency)) if captured else None
            _fail(wording.refusal(error, now, amount=kept))
        except USER_ERRORS as error:
            _stop(error, about=order)
        out.print(render.view_text(view), markup=False, highlight=False)


@app.command()
def replay(
    verify: Annotated[bool, typer.Option(help="Check the engine's invariants")] = True,
) -> None:
    """Rebuild every order from its events; non-zero exit on any failure."""
    from rich.progress import Progress

    with _opened() as service:
        with Progress(console=err, transient=True) as progress:
            task = progress.add_task("replaying", total=None)
            report = service.replay_verify()
            progress.update(task, completed=report.orders, total=report.orders)
        out.print(
            f"replayed {report.orders} orders, {report.events} events "
            f"in {report.seconds:.3f} s ({report.events_per_second:,.0f} events/s)"
        )
        for failure in report.failures:
            err.print(f"FAIL {failure}", markup=False, soft_wrap=True)
        if verify and report.failures:
            raise typer.Exit(1)


# -- periodic jobs ------------------------------------------------------------------------


@app.command()
def reconcile(
    older_than: Annotated[int, typer.Option(help="Minutes without change")] = 5,
    limit: Annotated[
        int, typer.Option(min=0, help="Orders to poll at most this run (oldest change first)")
    ] = DEFAULT_LIMIT,
    as_json: Annotated[bool, typer.Option("--json", help="The counts as JSON")] = False,
    clearing_due: Annotated[
        int,
        typer.Option(
            min=0,
            help="Minutes of clearing before an order is polled for settlement (default 3 "
            "days; Stripe's funds are often available sooner)",
        ),
    ] = int(CLEARING_DUE.total_seconds() // 60),
) -> None:
    """Poll the provider for orders that can still change by themselves (pending requests,
    payments in flight, overdue clearing) and apply what it says (cron-friendly)."""
    with _opened(with_provider=True) as service:
        counts = _guard(
            lambda: service.reconcile(
                older_than=timedelta(minutes=older_than),
                limit=limit,
                clearing_due=timedelta(minutes=clearing_due),
            )
        )
        _summary("reconcile", counts, as_json=as_json)


@app.command()
def expire(
    as_json: Annotated[bool, typer.Option("--json", help="The counts as JSON")] = False,
) -> None:
    """Expire orders past their time limit, after asking the provider (cron-friendly)."""
    with _opened(with_provider=True) as service:
        counts = _guard(service.expire)
        _summary("expire", counts, as_json=as_json)


def _summary(job: str, counts: dict[str, int], *, as_json: bool) -> None:
    if as_json:
        render.print_json(out, json.dumps(counts, sort_keys=True))
    else:
        out.print(render.job_summary(job, counts), markup=False, highlight=False)


@app.command()
def diagram(
    fmt: Annotated[str, typer.Option("--format", help="mermaid, dot or svg")] = "mermaid",
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout")] = None,
) -> None:
    """The life cycle, drawn from the spec."""
    from orderstate.adapters.docgen.diagrams import SPINE, render_svg

    renderers: dict[str, Callable[[], str]] = {
        "mermaid": lambda: to_mermaid(LIFECYCLE),
        "dot": lambda: to_dot(LIFECYCLE, spine=SPINE),
        "svg": lambda: render_svg(to_dot(LIFECYCLE, spine=SPINE)),
    }
    if fmt not in renderers:
        _fail(f"--format is one of {', '.join(renderers)}")
    text = _guard(renderers[fmt])
    if output is None:
        sys.stdout.write(text)
    else:
        _guard(lambda: output.write_text(text, encoding="utf-8"))


# -- followers of the log -----------------------------------------------------------------


@app.command()
def work(
    once: Annotated[bool, typer.Option("--once", help="Catch up, then exit")] = False,
    interval: Annotated[float, typer.Option(min=0.01, help="Seconds between polls")] = 0.5,
) -> None:
    """Run the followers of the log (read model, confirmation emails) until interrupted.

    Each resumes from its recorded position; a failing one is retried with backoff and
    shown by ``orderstate status``. ``--once`` exits non-zero if a follower is failing.
    """
    with _opened() as service:
        if once:
            handled = _guard(service.work)
            for name, count in handled.items():
                out.print(f"{name}: {count} update(s)", highlight=False)
            failing = [s for s in service.follower_status() if s.last_error]
            for status in failing:
                err.print(f"{status.name} failing: {status.last_error}", markup=False)
            if failing:
                raise typer.Exit(1)
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        err.print(f"following {describe(Context.settings.db)}; Ctrl-C to stop", highlight=False)
        try:
            service.followers.run(stop, interval=interval)
        except KeyboardInterrupt:
            stop.set()


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """Each follower of the log: its position, lag behind the log's head, last error."""
    with _opened() as service:
        statuses = _guard(service.follower_status)
        if as_json:
            render.print_json(out, render.followers_json(statuses))
        else:
            out.print(render.followers_table(statuses))


@app.command("serve")
def serve_webhooks(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the webhook app")] = 8080,
    simulator: Annotated[
        bool, typer.Option(help="Also serve the Vertex simulator (sandbox) on the next port")
    ] = False,
    simulator_delay: Annotated[
        float,
        typer.Option(
            min=0.0, help="Seconds before the sandbox completes a capture, cancel or refund"
        ),
    ] = 1.0,
    read_timeout: Annotated[
        float,
        typer.Option(
            envvar="ORDERSTATE_READ_TIMEOUT",
            min=0.001,
            help="Seconds a callback's body may take to arrive (then 408, connection closed)",
        ),
    ] = Settings.read_timeout,
    provider: Annotated[
        str, typer.Option(help="The simulator --simulator serves: vertex, or stripe")
    ] = "vertex",
) -> None:
    """Serve the webhook app under uvicorn (POST /callbacks/vertex/{shop_id},
    /callbacks/stripe/{shop_id}, GET /healthz) and the web console (/console;
    ORDERSTATE_CONSOLE_*), with the followers of the log running in a background thread."""
    import uvicorn

    from orderstate.adapters.bootstrap.sandbox import start_sandbox
    from orderstate.adapters.bootstrap.settings import batching_from_env
    from orderstate.adapters.web import create_app
    from orderstate.adapters.web.console import ConsoleConfig
    from orderstate.adapters.web.protocol import BoundedHeadH11Protocol

    settings = Context.settings
    note = _guard(lambda: check_store(settings.db))
    if note:
        err.print(f"note: {note}", markup=False, highlight=False)
    sandbox: Sandbox | StripeSandbox | None = None
    if simulator and provider == "stripe":
        from orderstate.adapters.bootstrap.stripe_sandbox import start_stripe_sandbox

        stripe_sandbox = _guard(lambda: start_stripe_sandbox(settings, host=host, port=port))
        sandbox, settings = stripe_sandbox, stripe_sandbox.settings
        sys.stdout.write("\n".join(stripe_sandbox.lines()) + "\n")
        sys.stdout.flush()
    elif simulator and provider != "vertex":
        _fail(f"no simulator for provider {provider!r}: vertex or stripe")
    elif simulator:
        started = _guard(
            lambda: start_sandbox(settings, host=host, port=port, operation_delay=simulator_delay)
        )
        sandbox, settings = started, started.settings
        _print_sandbox(started)
    if not settings.shops:
        _fail("no callback secrets: set --shops 115:SECRET (every callback would be refused)")
    # A server's log is its output: warnings (a callback refused, a retry) show by default.
    logging.getLogger().setLevel(logging.INFO if Context.debug else logging.WARNING)
    console = _guard(ConsoleConfig.from_env)
    batching = _guard(batching_from_env)  # ORDERSTATE_BATCH_SIZE / ORDERSTATE_BATCH_WAIT
    service = _guard(lambda: service_for(settings, connect=settings.vertex_token is not None))
    try:
        uvicorn.run(
            create_app(
                service,
                read_timeout=read_timeout,
                run_followers=True,
                console=console,
                batching=batching,
            ),
            host=host,
            port=port,
            log_level="info",
            timeout_keep_alive=KEEP_ALIVE,
            http=BoundedHeadH11Protocol,  # a request head, too, must arrive in time
        )
    finally:
        service.close()
        if sandbox is not None:
            sandbox.stop()


KEEP_ALIVE = 5
"""Seconds an idle kept-alive connection stays open (uvicorn's default, stated on purpose)."""


def _print_sandbox(sandbox: Sandbox) -> None:
    """What the sandbox is, and the exports a second terminal needs, ready to copy."""
    lines = [
        f"simulator: {sandbox.api_url} (tokens sim-token-SHOP); payment pages at "
        f"{sandbox.payment_pages}",
        f"operations complete {sandbox.clock.operation_delay:g} s after their 202; callbacks "
        f"go to {sandbox.settings.webhook_url}",
        "in a second terminal:",
        *(f"  {line}" for line in sandbox.exports()),
    ]
    sys.stdout.write("\n".join(lines) + "\n")  # never wrapped: it is copied as it is
    sys.stdout.flush()


def main() -> None:
    """Entry point of the ``orderstate`` command."""
    app()
