"""The ``orderstate`` command (typer + rich).

Every command reads its store from one setting (``--db``, default a SQLite file in the working
directory; a ``postgresql://`` URL works the same). Errors print one line on stderr and exit
non-zero; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from orderstate.adapters.bootstrap import Settings, parse_order_ref, parse_shops, service_for
from orderstate.adapters.port import Customer, Operation, Outcome
from orderstate.adapters.service import OrderService
from orderstate.adapters.store import DEFAULT_STORE, describe
from orderstate.engine import LIFECYCLE, Money, OrderstateError
from orderstate.engine.diagram import to_dot, to_mermaid

from . import render

__all__ = ["app", "main"]

app = typer.Typer(
    name="orderstate",
    help="The payment life cycle of online orders as an event-sourced state machine.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)
T = TypeVar("T")


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
) -> None:
    """Shared settings; see ``orderstate COMMAND --help`` for each command."""
    Context.settings = Settings(
        db=db,
        vertex_url=vertex_url,
        vertex_token=vertex_token,
        shops=_guard(lambda: parse_shops(shops)),
        webhook_url=webhook_url,
    )
    Context.debug = debug
    logging.basicConfig(level=logging.INFO if debug else logging.WARNING, stream=sys.stderr)


def _guard(action: Callable[[], T]) -> T:
    """Run ``action``; turn the errors a user can cause into one line and exit code 1."""
    try:
        return action()
    except (OrderstateError, LookupError, ValueError, OSError, RuntimeError) as error:
        if Context.debug:
            raise
        err.print(f"error: {error}", markup=False, highlight=False)
        raise typer.Exit(1) from None


@contextmanager
def _opened(*, with_provider: bool = False) -> Iterator[OrderService]:
    """The configured service, closed (pools, files, connections) when the command ends."""
    service = _guard(lambda: service_for(Context.settings, connect=with_provider))
    try:
        yield service
    finally:
        service.close()


def _fail(message: str) -> NoReturn:
    err.print(f"error: {message}", markup=False, highlight=False)
    raise typer.Exit(1)


# -- the main job -------------------------------------------------------------------------


@app.command()
def demo(
    orders: Annotated[int, typer.Option(min=1, max=10_000, help="Checkouts to simulate")] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the outcome mix and the callback chaos")] = 7,
) -> None:
    """Simulated checkouts through the simulator, the client and the webhook app; then a check."""
    from orderstate.adapters.bootstrap.demo import OUTCOME_MIX, run_demo

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
            lambda: run_demo(
                orders=orders,
                store=Context.settings.db,
                seed=seed,
                on_progress=lambda phase, done: progress.update(tasks[phase], completed=done),
            )
        )
    mix = ", ".join(
        f"{report.outcomes[name]} {name}" for name in OUTCOME_MIX if report.outcomes[name]
    )
    out.print(f"[bold]{report.orders} checkouts[/]: {mix}", highlight=False)
    out.print(render.states_table(report.by_state, f"orders by state in {Context.settings.db}"))
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


@app.command()
def place(
    order: Annotated[str, typer.Argument(help="SHOP_ID/ORDER_NUMBER")],
    amount: Annotated[str, typer.Argument(help='Decimal string, e.g. "56.99"')],
    currency: Annotated[str, typer.Argument(help="ISO 4217 code or crypto symbol")],
    two_stage: Annotated[bool, typer.Option(help="autoCapture=false")] = False,
    email: Annotated[str | None, typer.Option(help="Customer email (provider confirms)")] = None,
    time_limit: Annotated[str | None, typer.Option(help="ISO-8601 deadline, with offset")] = None,
) -> None:
    """Record an order and create it with the provider."""
    shop_id, number = _guard(lambda: parse_order_ref(order))
    money = _guard(lambda: Money.parse(amount, currency))
    deadline = _guard(lambda: datetime.fromisoformat(time_limit)) if time_limit else None
    customer = Customer(first_name="-", last_name="-", email=email) if email else None
    with _opened(with_provider=True) as service:
        view = _guard(
            lambda: service.place(
                shop_id=shop_id,
                order_number=number,
                amount=money,
                auto_capture=not two_stage,
                time_limit=deadline,
                customer=customer,
            )
        )
        out.print(render.view_table(view))


def _request(order: str, operation: Operation, amount: str | None = None) -> None:
    shop_id, number = _guard(lambda: parse_order_ref(order))
    with _opened(with_provider=True) as service:
        view = _guard(lambda: service.request(operation, shop_id, number, amount))
        out.print(render.view_table(view))


@app.command()
def capture(order: Annotated[str, typer.Argument(help="SHOP_ID/ORDER_NUMBER")]) -> None:
    """Ask the provider to capture a two-stage order (its callback confirms)."""
    _request(order, Operation.CAPTURE)


@app.command()
def cancel(order: Annotated[str, typer.Argument(help="SHOP_ID/ORDER_NUMBER")]) -> None:
    """Ask the provider to cancel (void) an order."""
    _request(order, Operation.CANCEL)


@app.command()
def refund(
    order: Annotated[str, typer.Argument(help="SHOP_ID/ORDER_NUMBER")],
    amount: Annotated[str, typer.Argument(help='Decimal string, e.g. "10.00"')],
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
    """Apply callback bodies as if they had arrived over HTTP; one outcome line each."""
    if not source.exists():
        _fail(f"no such file or directory: {source}")
    configured = Context.settings.shop_map().get(shop)
    if not signed and configured is None:
        _fail(f"no callback secret for shop {shop}: set --shops {shop}:SECRET")
    failures = 0
    with _opened() as service:
        provider = service.providers.for_shop(shop)
        for name, raw in _callback_files(source):
            if signed:
                body, headers = _as_received(raw)
            else:  # a bare body the user vouches for: signed as the provider would
                assert configured is not None
                body, headers = raw, provider.sign_callback(raw, configured)
            result = service.handle_callback(shop, body, headers)
            reason = f": {result.reason}" if result.reason else ""
            out.print(f"{name} {result.order_number or '-'} {result.outcome}{reason}", markup=False)
            failures += result.outcome in FAILED_CALLBACKS
    if failures:
        raise typer.Exit(2)


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
            out.print(render.view_table(view))


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
    state: Annotated[str | None, typer.Option(help="Only this state")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """The read model: orders by state, with amounts per currency."""
    if state is not None and state not in LIFECYCLE.states:
        _fail(f"unknown state {state!r}; one of {', '.join(LIFECYCLE.states)}")
    with _opened() as service:
        rows = [r for r in service.orders_by_state() if state in (None, r.state)]
        if as_json:
            render.print_json(out, render.states_json(rows))
        else:
            out.print(render.states_table(rows))


@app.command()
def replay(
    verify: Annotated[bool, typer.Option(help="Check the engine's invariants")] = True,
) -> None:
    """Rebuild every order from its events; non-zero exit on any failure."""
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
            err.print(f"FAIL {failure}", markup=False)
        if verify and report.failures:
            raise typer.Exit(1)


# -- periodic jobs ------------------------------------------------------------------------


@app.command()
def reconcile(
    older_than: Annotated[int, typer.Option(help="Minutes without change")] = 5,
) -> None:
    """Poll the provider for unfinished orders and apply what it says (cron-friendly)."""
    with _opened(with_provider=True) as service:
        counts = _guard(lambda: service.reconcile(older_than=timedelta(minutes=older_than)))
        out.print(json.dumps(counts, sort_keys=True), markup=False)


@app.command()
def expire() -> None:
    """Expire orders past their time limit, after asking the provider (cron-friendly)."""
    with _opened(with_provider=True) as service:
        counts = _guard(service.expire)
        out.print(json.dumps(counts, sort_keys=True), markup=False)


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
) -> None:
    """Serve the webhook app under uvicorn (POST /callbacks/vertex/{shop_id}, GET /healthz),
    with the followers of the log running in a background thread."""
    import uvicorn

    from orderstate.adapters.bootstrap.sandbox import start_sandbox
    from orderstate.adapters.web import create_app

    settings = Context.settings
    sandbox = None
    if simulator:
        sandbox = start_sandbox(settings, host=host, port=port)
        settings = sandbox.settings
        out.print(
            f"simulator: {sandbox.api_url} (tokens sim-token-SHOP); payment pages at "
            f"{sandbox.payment_pages}",
            highlight=False,
        )
    if not settings.shops:
        _fail("no callback secrets: set --shops 115:SECRET (every callback would be refused)")
    service = _guard(lambda: service_for(settings, connect=settings.vertex_token is not None))
    try:
        app = create_app(service, run_followers=True)
        uvicorn.run(app, host=host, port=port, log_level="info")
    finally:
        service.close()
        if sandbox is not None:
            sandbox.stop()


def main() -> None:
    """Entry point of the ``orderstate`` command."""
    app()
