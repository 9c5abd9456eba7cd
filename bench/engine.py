"""Benchmark the orderstate engine against baselines measured in the same process.

Run with ``make bench`` or ``.venv/bin/python bench/engine.py``. This is a benchmark, not a test:
it asserts nothing about timings, it prints figures. Every figure comes from one run in one
process; engine and baseline repeats are interleaved (A B A B ...) so drift hits both alike, and
each figure is the BEST (minimum) time of its repeats, timed with ``time.perf_counter_ns``. The
median of the repeats is printed too, in the raw figures.

Three comparisons (see docs/benchmarks.md):

1. Legality checks/s: the engine's check (``Order._resolve`` on real orders, and the bare
   ``LIFECYCLE.table.get`` it starts with) vs python-statemachine ``send`` on the same life cycle
   (a live instance, and instantiate-at-a-state + send) vs a raw ``{(state, event): target}``.
2. Per-command cost: a representative mix of commands on fresh ``Order``s vs a bare
   ``eventsourcing.domain.Aggregate`` triggering one trivial event, per event.
3. Replay events/s: ``orderstate.engine.replay.project_order`` vs eventsourcing's
   ``project_aggregate`` over a few thousand realistic order histories held in memory.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

from eventsourcing.application import project_aggregate
from eventsourcing.domain import Aggregate
from timing import Timer, best, measure, rate, raw_lines, verdict  # bench/timing.py

from orderstate.engine import LIFECYCLE, Money, Order
from orderstate.engine.guards import GUARDS
from orderstate.engine.replay import project_order

REPEATS = 7
ORDERS = 3000  # orders per replay / per-command batch
CHECK_LOOPS = 20_000  # passes over the (state, event) pairs for the fast legality checks
SM_LIVE_LOOPS = 400  # passes for python-statemachine send on live instances
SM_BIND_LOOPS = 40  # passes for python-statemachine instantiate + send

GOAL_CHECKS_PER_S = 1_000_000
GOAL_COMMAND_RATIO = 1.2
GOAL_REPLAY_RATIO = 3.0

EUR = "EUR"
AMOUNT = Money(5699, EUR)
HALF = Money(2849, EUR)
REST = Money(2850, EUR)


# Contender names, also the row labels.
RESOLVE = "engine Order._resolve"
TABLE = "engine LIFECYCLE.table.get"
RAW = "raw dict .get"
SM_LIVE = "python-statemachine send (live instance)"
SM_BIND = "python-statemachine instantiate at state + send"
ENGINE_CMD = "engine Order commands"
BARE = "bare Aggregate, trivial event"
BARE_PAYLOAD = "bare Aggregate, event with 1 str field (info)"
ENGINE_REPLAY = "engine project_order"
DEFAULT_REPLAY = "eventsourcing project_aggregate"


# -- measuring ---------------------------------------------------------------------------------


# -- 1. legality checks ------------------------------------------------------------------------

# Unguarded transitions that leave the state as it is, so one live state machine (or order) can
# take them again and again: the same pairs for every contender.
PAIRS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("in_progress", "CancelRequested", {}),
    ("in_progress", "RequestDeclined", {"operation": "cancel", "reason": "412"}),
    ("authorized", "CaptureRequested", {}),
    ("authorized", "CancelRequested", {}),
    ("authorized", "RequestDeclined", {"operation": "capture", "reason": "412"}),
    ("paid", "ConfirmationEmailDue", {}),
    ("completed", "RequestDeclined", {"operation": "refund", "reason": "412"}),
    ("partially_refunded", "RequestDeclined", {"operation": "refund", "reason": "412"}),
)


def _order_in(state: str, number: int) -> Order:
    """A real order driven to ``state`` through its commands."""
    single = state in ("paid", "completed", "partially_refunded", "in_progress")
    order = Order.place(
        shop_id=1,
        order_number=f"check-{number}",
        amount=AMOUNT,
        auto_capture=single,
        customer_email_given=True,
    )
    order.record_payment_link("https://pay.example/check")
    if state == "authorized":
        order.record_authorization(AMOUNT)
    elif state != "in_progress":
        order.record_capture()
        if state in ("completed", "partially_refunded"):
            order.record_clearing_started()
            order.record_settlement()
        if state == "partially_refunded":
            order.record_refund(HALF)
    if order.state != state:
        raise RuntimeError(f"set-up reached {order.state}, not {state}")
    order.collect_events()
    return order


class SmModel:
    """The model a python-statemachine instance binds to: holds ``state``, answers the guards.

    The spec's guards are ``cond:`` names, so each name is a method delegating to the engine's
    guard with the event's keyword arguments (the pairs timed here are unguarded, but the
    instance must still resolve every ``cond`` when it is built).
    """

    def __init__(self, order: Order, state: str | None = None) -> None:
        self.order = order
        self.state = state


for _name, _guard in GUARDS.items():

    def _method(self: SmModel, _g: Any = _guard, **kwargs: Any) -> bool:
        return bool(_g(self.order, kwargs))

    setattr(SmModel, _name, _method)


def _lookups(get: Callable[[tuple[str, str]], Any], keys: list[tuple[str, str]]) -> Timer:
    def timer() -> int:
        start = time.perf_counter_ns()
        for key in keys:
            get(key)
        return time.perf_counter_ns() - start

    return timer


def _resolves(calls: list[tuple[Callable[..., Any], str, dict[str, Any]]]) -> Timer:
    def timer() -> int:
        start = time.perf_counter_ns()
        for resolve, event, data in calls:
            resolve(event, data)
        return time.perf_counter_ns() - start

    return timer


def _sends(calls: list[tuple[Callable[..., Any], str, dict[str, Any]]]) -> Timer:
    def timer() -> int:
        start = time.perf_counter_ns()
        for send, event, data in calls:
            send(event, **data)
        return time.perf_counter_ns() - start

    return timer


def _binds(machine: Any, calls: list[tuple[Order, str, str, dict[str, Any]]]) -> Timer:
    def timer() -> int:
        start = time.perf_counter_ns()
        for order, state, event, data in calls:
            machine(SmModel(order, state)).send(event, **data)
        return time.perf_counter_ns() - start

    return timer


def legality_timers() -> tuple[dict[str, Timer], dict[str, int]]:
    orders = {state: _order_in(state, i) for i, (state, _, _) in enumerate(PAIRS)}
    raw = {(t.source, t.event): t.target for t in LIFECYCLE.transitions if t.guard is None}
    keys = [(state, event) for state, event, _ in PAIRS] * CHECK_LOOPS
    resolves = [(orders[state]._resolve, event, data) for state, event, data in PAIRS]
    resolves *= CHECK_LOOPS
    machine = LIFECYCLE.machine
    _check_sm_agrees(machine, orders)
    live = [
        (machine(SmModel(orders[state], state)).send, event, data) for state, event, data in PAIRS
    ] * SM_LIVE_LOOPS
    bind = [(orders[state], state, event, data) for state, event, data in PAIRS] * SM_BIND_LOOPS
    timers: dict[str, Timer] = {
        RESOLVE: _resolves(resolves),
        TABLE: _lookups(LIFECYCLE.table.get, keys),
        RAW: _lookups(raw.get, keys),
        SM_LIVE: _sends(live),
        SM_BIND: _binds(machine, bind),
    }
    counts = {
        RESOLVE: len(resolves),
        TABLE: len(keys),
        RAW: len(keys),
        SM_LIVE: len(live),
        SM_BIND: len(bind),
    }
    return timers, counts


def _check_sm_agrees(machine: Any, orders: dict[str, Order]) -> None:
    """Sanity: python-statemachine takes the same transitions as the engine on these pairs."""
    for state, event, data in PAIRS:
        model = SmModel(orders[state], state)
        machine(model).send(event, **data)
        if not model.state == orders[state]._resolve(event, data).target == state:
            raise RuntimeError(f"python-statemachine disagrees on {state} --{event}-->")


# -- 2. per-command cost -----------------------------------------------------------------------


def _single_paid(order: Order) -> None:
    order.record_payment_link("https://pay.example/a")
    order.record_capture()
    order.record_clearing_started()
    order.record_settlement()


def _single_refunded(order: Order) -> None:
    order.record_payment_link("https://pay.example/b")
    order.record_capture()
    order.record_clearing_started()
    order.record_settlement()
    order.request_refund(HALF)
    order.record_refund(HALF)
    order.record_refund(REST)


def _two_stage(order: Order) -> None:
    order.record_payment_link("https://pay.example/c")
    order.record_review_started()
    order.record_review_accepted()
    order.record_authorization(AMOUNT)
    order.request_capture()
    order.record_capture(AMOUNT)
    order.record_clearing_started()
    order.record_settlement()


def _two_stage_voided(order: Order) -> None:
    order.record_payment_link("https://pay.example/d")
    order.record_authorization(AMOUNT)
    order.request_cancel()
    order.record_request_declined("412 precondition failed")
    order.record_void()


def _failed(order: Order) -> None:
    order.record_payment_link("https://pay.example/e")
    order.record_failure("card declined")


# (commands, auto_capture, customer_email_given): five histories, cycled over the orders.
CYCLES: tuple[tuple[Callable[[Order], None], bool, bool], ...] = (
    (_single_paid, True, True),
    (_single_refunded, True, False),
    (_two_stage, False, True),
    (_two_stage_voided, False, False),
    (_failed, True, True),
)


def _place(
    number: int, prefix: str, *, collect: bool = True
) -> tuple[Order, Callable[[Order], None]]:
    commands, auto_capture, email = CYCLES[number % len(CYCLES)]
    order = Order.place(
        shop_id=7,
        order_number=f"{prefix}-{number}",
        amount=AMOUNT,
        auto_capture=auto_capture,
        customer_email_given=email,
    )
    if collect:  # the per-command timing leaves OrderPlaced out, on both sides
        order.collect_events()
    return order, commands


class Bare(Aggregate):
    """The baseline: an eventsourcing aggregate with one trivial event and nothing else."""

    class Happened(Aggregate.Event):
        pass


class BarePayload(Aggregate):
    """Information only (no goal): the bare baseline whose one event carries one str field."""

    class Happened(Aggregate.Event):
        payload: str


def command_timers() -> tuple[dict[str, Timer], dict[str, int]]:
    # Events per order for each cycle, counted from a real run (ConfirmationEmailDue included).
    per_cycle = []
    for number in range(len(CYCLES)):
        order, commands = _place(number, "count")
        commands(order)
        per_cycle.append(len(order.collect_events()))
    per_order = [per_cycle[n % len(CYCLES)] for n in range(ORDERS)]
    run = [0]

    def engine() -> int:
        run[0] += 1  # fresh order numbers on every repeat
        batch = [_place(n, f"cmd{run[0]}") for n in range(ORDERS)]  # creation not timed
        start = time.perf_counter_ns()
        for order, commands in batch:
            commands(order)
            order.collect_events()
        return time.perf_counter_ns() - start

    def bare_timer(cls: type[Bare] | type[BarePayload], **data: Any) -> Timer:
        def bare() -> int:
            batch = []
            for n in range(ORDERS):  # creation not timed
                aggregate = cls()
                aggregate.collect_events()
                batch.append((aggregate, per_order[n]))
            happened = cls.Happened
            start = time.perf_counter_ns()
            for aggregate, count in batch:
                trigger = aggregate.trigger_event
                for _ in range(count):
                    trigger(happened, **data)
                aggregate.collect_events()
            return time.perf_counter_ns() - start

        return bare

    timers: dict[str, Timer] = {
        ENGINE_CMD: engine,
        BARE: bare_timer(Bare),
        BARE_PAYLOAD: bare_timer(BarePayload, payload="x"),
    }
    events = sum(per_order)
    return timers, {name: events for name in timers}


# -- 3. replay ---------------------------------------------------------------------------------


def replay_histories() -> list[list[Any]]:
    """Every order's full history (OrderPlaced included), built through the commands."""
    histories = []
    for number in range(ORDERS):
        order, commands = _place(number, "replay", collect=False)
        commands(order)
        histories.append(list(order.collect_events()))
    return histories


def replay_timers(histories: list[list[Any]]) -> tuple[dict[str, Timer], dict[str, int]]:
    for events in histories:  # sanity: both projectors rebuild the same state
        a, b = project_order(None, events), project_aggregate(None, events)
        if a is None or b is None or (a.state, a.version) != (b.state, b.version):
            raise RuntimeError("the two projectors disagree")

    def engine() -> int:
        start = time.perf_counter_ns()
        for events in histories:
            project_order(None, events)
        return time.perf_counter_ns() - start

    def default() -> int:
        start = time.perf_counter_ns()
        for events in histories:
            project_aggregate(None, events)
        return time.perf_counter_ns() - start

    events = sum(len(h) for h in histories)
    timers: dict[str, Timer] = {ENGINE_REPLAY: engine, DEFAULT_REPLAY: default}
    return timers, {name: events for name in timers}


# -- reporting ---------------------------------------------------------------------------------


def _ratio(us_event: dict[str, float], baseline: str) -> str:
    return f"{us_event[ENGINE_CMD] / us_event[baseline]:.3f}x"


def main() -> None:
    t0 = time.perf_counter()
    print("orderstate engine benchmark (figures: BEST of repeats; medians in the raw figures)")
    print(
        f"python {platform.python_version()} on {platform.machine()}, "
        f"eventsourcing {version('eventsourcing')}, "
        f"python-statemachine {version('python-statemachine')}, repeats={REPEATS}"
    )

    timers, counts = legality_timers()
    check = measure(timers, REPEATS)
    timers, counts2 = command_timers()
    command = measure(timers, REPEATS)
    histories = replay_histories()
    timers, counts3 = replay_timers(histories)
    replay = measure(timers, REPEATS)

    per_s = {name: rate(counts[name], best(ns)) for name, ns in check.items()}
    resolve = per_s[RESOLVE]
    us_event = {name: best(ns) / counts2[name] / 1e3 for name, ns in command.items()}
    cmd_ratio = us_event[ENGINE_CMD] / us_event[BARE]
    ev_s = {name: rate(counts3[name], best(ns)) for name, ns in replay.items()}
    replay_ratio = ev_s[ENGINE_REPLAY] / ev_s[DEFAULT_REPLAY]

    rows: list[tuple[str, str, str]] = [("1. legality", "contender", "checks/s")]
    rows += [("", name, f"{value:,.0f}") for name, value in per_s.items()]
    rows += [
        ("", f"ratio {RESOLVE} / {RAW}", f"{resolve / per_s[RAW]:.3f}x"),
        ("", f"ratio {TABLE} / {RAW}", f"{per_s[TABLE] / per_s[RAW]:.3f}x"),
        ("", f"ratio {RESOLVE} / psm live send", f"{resolve / per_s[SM_LIVE]:,.0f}x"),
        ("", f"ratio {RESOLVE} / psm instantiate+send", f"{resolve / per_s[SM_BIND]:,.0f}x"),
        ("", "", ""),
        ("2. per command", "contender (OrderPlaced / Created not timed)", "us/event"),
    ]
    rows += [("", name, f"{value:.3f}") for name, value in us_event.items()]
    rows += [
        ("", f"ratio {ENGINE_CMD} / {BARE}", f"{cmd_ratio:.3f}x"),
        ("", "ratio (info) engine / bare with 1 str field", _ratio(us_event, BARE_PAYLOAD)),
        ("", "", ""),
        ("3. replay", "contender", "events/s"),
    ]
    rows += [("", name, f"{value:,.0f}") for name, value in ev_s.items()]
    rows += [("", f"ratio {ENGINE_REPLAY} / {DEFAULT_REPLAY}", f"{replay_ratio:.3f}x")]

    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    print()
    for a, b, c in rows:
        print(f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:>{widths[2]}}")

    print("\ngoals")
    goals = [
        (
            f"engine check >= {GOAL_CHECKS_PER_S:,}/s (Order._resolve)",
            f"{resolve:,.0f}/s",
            resolve >= GOAL_CHECKS_PER_S,
        ),
        (
            f"per-event cost <= {GOAL_COMMAND_RATIO}x bare Aggregate",
            f"{cmd_ratio:.3f}x",
            cmd_ratio <= GOAL_COMMAND_RATIO,
        ),
        (
            f"replay >= {GOAL_REPLAY_RATIO}x project_aggregate",
            f"{replay_ratio:.3f}x",
            replay_ratio >= GOAL_REPLAY_RATIO,
        ),
    ]
    gw = max(len(g[0]) for g in goals)
    mw = max(len(g[1]) for g in goals)
    for goal, measured, ok in goals:
        print(f"  {goal:<{gw}}  {measured:>{mw}}  {verdict(ok)}")

    print("\nraw figures (ns timed with perf_counter_ns; n = operations per repeat)")
    for line in (
        raw_lines("1", check, counts)
        + raw_lines("2", command, counts2)
        + raw_lines("3", replay, counts3)
    ):
        print(line)
    print(f"\nwall time {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
