"""The life-cycle spec: the shipped one is sound, and broken ones are refused by name."""

from __future__ import annotations

import itertools
from enum import StrEnum

import pytest

from orderstate.engine import (
    CANCELLABLE_STATES,
    CAPTURABLE_STATES,
    EXPIRABLE_STATES,
    FINAL_STATES,
    LIFECYCLE,
    PAID_STATES,
    REFUNDABLE_STATES,
    SPINE,
    LifecycleSpecError,
    State,
    load_lifecycle,
)
from orderstate.engine.guards import GUARDS
from orderstate.engine.lifecycle import Transition, read_spec

GOOD = """
name: Tiny
states:
  open:
    initial: true
    transitions:
      - {event: Paid, target: paid}
      - {event: Dropped, target: dropped}
  paid:
    transitions:
      - {event: Shipped, target: done}
  done: {final: true}
  dropped: {final: true}
"""


SKIP_TO_DONE = "      - {event: Dropped, target: dropped}\n      - {event: Skipped, target: done}\n"


def test_ships_the_thirteen_states_of_the_card_expired_and_the_two_of_disputes() -> None:
    expected = [
        "created",
        "in_progress",
        "review",
        "authorized",
        "paid",
        "clearing",
        "completed",
        "partially_refunded",
        "need_action",
        "expired",
        "refunded",
        "cancelled",
        "failed",
        "rejected",
        "disputed",
        "charged_back",
    ]

    assert sorted(LIFECYCLE.states) == sorted(expected)
    assert LIFECYCLE.initial == "created"
    assert LIFECYCLE.final_states == {"refunded", "cancelled", "failed", "rejected", "charged_back"}


def test_the_spine_is_a_path_of_transitions() -> None:
    moves = {(t.source, t.target) for t in LIFECYCLE.transitions}

    assert all(pair in moves for pair in itertools.pairwise(SPINE))


def test_the_shipped_life_cycle_is_named_by_the_state_enum() -> None:
    named = [LIFECYCLE.initial, *LIFECYCLE.states, *LIFECYCLE.final_states]
    named += [state for t in LIFECYCLE.transitions for state in (t.source, t.target)]

    assert all(type(state) is State for state in named)
    assert [state.value for state in State] == list(LIFECYCLE.states)


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        pytest.param(
            FINAL_STATES,
            {"refunded", "cancelled", "failed", "rejected", "charged_back"},
            id="final",
        ),
        pytest.param(EXPIRABLE_STATES, {"created", "in_progress"}, id="expirable"),
        pytest.param(REFUNDABLE_STATES, {"completed", "partially_refunded"}, id="refundable"),
        pytest.param(CAPTURABLE_STATES, {"authorized"}, id="capturable"),
        pytest.param(CANCELLABLE_STATES, {"in_progress", "authorized"}, id="cancellable"),
        pytest.param(
            PAID_STATES,
            {
                "paid",
                "clearing",
                "completed",
                "partially_refunded",
                "refunded",
                "disputed",
                "charged_back",
            },
            id="paid",
        ),
    ],
)
def test_derives_the_groups_of_states_from_the_spec(
    group: frozenset[State], expected: set[str]
) -> None:
    assert group == expected


def test_derives_the_spine_from_the_spec() -> None:
    assert SPINE == ("created", "in_progress", "paid", "clearing", "completed")


def test_reads_internal_transitions_from_the_spec() -> None:
    internal = {(t.source, t.event) for t in LIFECYCLE.transitions if t.internal}

    assert ("authorized", "CaptureRequested") in internal
    assert ("paid", "ConfirmationEmailDue") in internal
    assert ("completed", "RequestDeclined") in internal
    assert ("partially_refunded", "RefundSucceeded") not in internal
    assert all(t.source == t.target for t in LIFECYCLE.transitions if t.internal)


def test_reachable_and_path_follow_transitions_and_skip_the_avoided_events() -> None:
    tiny = load_lifecycle(GOOD, guards=())

    assert tiny.reachable("open") == {"open", "paid", "done", "dropped"}
    assert tiny.reachable("open", avoiding={"Paid"}) == {"open", "dropped"}
    assert tiny.reachable("done") == {"done"}
    assert tiny.path("open", "done") == ("open", "paid", "done")
    with pytest.raises(ValueError, match="no path"):
        tiny.path("open", "done", avoiding={"Shipped"})


def test_allowing_names_the_states_where_every_event_has_a_move() -> None:
    tiny = load_lifecycle(GOOD, guards=())

    assert tiny.allowing("Paid") == {"open"}
    assert tiny.allowing("Paid", "Dropped") == {"open"}
    assert tiny.allowing("Paid", "Shipped") == frozenset()


class TinyStates(StrEnum):
    OPEN = "open"
    PAID = "paid"
    DONE = "done"
    DROPPED = "dropped"


def test_loads_a_spec_named_by_an_enum_with_its_members() -> None:
    tiny = load_lifecycle(GOOD, guards=(), states=TinyStates)

    assert tiny.initial is TinyStates.OPEN
    assert tiny.transitions[-1].target is TinyStates.DONE


def test_refuses_a_spec_state_that_is_not_an_enum_member() -> None:
    with pytest.raises(LifecycleSpecError) as refused:
        load_lifecycle(GOOD, guards=(), states=State)

    assert refused.value.culprit == "open"
    assert "not a State member" in str(refused.value)


def test_refuses_an_enum_member_the_spec_does_not_declare() -> None:
    text = read_spec().replace("  rejected: {final: true}\n", "")
    text = text.replace(
        "{event: OrderRejected, target: rejected}", "{event: OrderRejected, target: failed}"
    )

    with pytest.raises(LifecycleSpecError) as refused:
        load_lifecycle(text, guards=GUARDS, states=State)

    assert refused.value.culprit == "rejected"
    assert "does not declare" in str(refused.value)


def test_every_guard_named_in_the_spec_exists() -> None:
    assert LIFECYCLE.guards <= set(GUARDS)


def test_the_table_is_derived_from_the_transitions() -> None:
    table = LIFECYCLE.table

    assert table["completed", "RefundSucceeded"][0].target == "partially_refunded"
    assert ("refunded", "RefundSucceeded") not in table
    assert sum(len(group) for group in table.values()) == len(LIFECYCLE.transitions)


def test_python_statemachine_loaded_the_same_spec() -> None:
    machine_states = {state.id for state in LIFECYCLE.machine.states}

    assert machine_states == set(LIFECYCLE.states)


def test_loads_a_sound_spec() -> None:
    lifecycle = load_lifecycle(GOOD, guards=())

    assert lifecycle.initial == "open"
    assert lifecycle.events == ("Paid", "Dropped", "Shipped")


@pytest.mark.parametrize(
    ("text", "culprit", "message"),
    [
        pytest.param(
            GOOD.replace("target: done", "target: gone"),
            "paid --Shipped-->",
            "unknown target state 'gone'",
            id="unknown-target",
        ),
        pytest.param(
            GOOD + "  orphan:\n    transitions:\n      - {event: Lost, target: done}\n",
            "orphan",
            "unreachable from the initial state",
            id="unreachable-state",
        ),
        pytest.param(
            GOOD.replace("      - {event: Dropped, target: dropped}\n", SKIP_TO_DONE).replace(
                "      - {event: Shipped, target: done}\n",
                "      - {event: Noted, target: paid}\n",
            ),
            "paid",
            "trap state: not final and nothing leaves it",
            id="trap-state",
        ),
        pytest.param(
            GOOD.replace(
                "  done: {final: true}",
                "  done:\n    final: true\n    transitions:\n"
                "      - {event: Reopened, target: open}",
            ),
            "done",
            "final state has a transition (Reopened)",
            id="transition-out-of-final",
        ),
        pytest.param(
            GOOD.replace("      - {event: Dropped, target: dropped}\n", SKIP_TO_DONE)
            .replace(
                "      - {event: Shipped, target: done}\n",
                "      - {event: Held, target: held}\n",
            )
            .replace(
                "  done: {final: true}",
                "  done: {final: true}\n  held:\n    transitions:\n"
                "      - {event: Released, target: paid}",
            ),
            "paid",
            "no path from it to a final state",
            id="no-path-to-final",
        ),
        pytest.param(
            GOOD.replace("{event: Paid, target: paid}", "{event: Paid, target: paid, cond: poor}"),
            "poor",
            "unknown guard on open --Paid--> paid",
            id="unknown-guard",
        ),
        pytest.param(
            GOOD.replace(
                "      - {event: Dropped, target: dropped}\n",
                "      - {event: Paid, target: dropped}\n",
            ),
            "open --Paid-->",
            "several targets need a guard on every one",
            id="ambiguous-targets",
        ),
        pytest.param(
            GOOD.replace("  paid:\n", "  paid:\n    initial: true\n"),
            "spec",
            "needs exactly one initial state, found ['open', 'paid']",
            id="two-initial-states",
        ),
        pytest.param(
            GOOD.replace("  done: {final: true}\n  dropped: {final: true}\n", "")
            .replace("target: done", "target: open")
            .replace("target: dropped", "target: paid"),
            "spec",
            "declares no final state",
            id="no-final-state",
        ),
        pytest.param("states: [", "spec", "not valid YAML", id="not-yaml"),
        pytest.param(
            "- just\n- a list\n",
            "spec",
            "must be a mapping with a 'states' key",
            id="not-a-mapping",
        ),
        pytest.param(
            GOOD.replace("name: Tiny", "name: Tiny\ncolour: blue"),
            "spec",
            "Statechart document failed schema validation: ",
            id="schema-violation",
        ),
        pytest.param(
            GOOD.replace(
                "  done: {final: true}",
                "  done:\n    final: true\n    states:\n      inner: {initial: true}",
            ),
            "done",
            "nested and parallel states are not supported",
            id="nested-states",
        ),
        pytest.param(
            GOOD.replace("  paid:\n", "  paid:\n    parallel: true\n"),
            "paid",
            "nested and parallel states are not supported",
            id="parallel-state",
        ),
        pytest.param(
            GOOD.replace(
                "{event: Paid, target: paid}", "{event: Paid, target: paid, cond: [a, b]}"
            ),
            "open --Paid-->",
            "use one 'cond' guard name per transition",
            id="several-guards",
        ),
        pytest.param(
            GOOD.replace(
                "{event: Paid, target: paid}", "{event: Paid, target: paid, unless: rich}"
            ),
            "open --Paid-->",
            "use one 'cond' guard name per transition",
            id="negated-guard",
        ),
        pytest.param(
            GOOD.replace("{event: Paid, target: paid}", "{event: '', target: paid}"),
            "open ---->",
            "a transition needs an event name",
            id="empty-event-name",
        ),
        pytest.param(
            # Sound to orderstate's checks, but "states" clashes with python-statemachine's API.
            GOOD.replace("Shipped", "states"),
            "spec",
            "python-statemachine refused it: ",
            id="refused-by-python-statemachine",
        ),
    ],
)
def test_refuses_a_broken_spec_naming_the_culprit(text: str, culprit: str, message: str) -> None:
    with pytest.raises(LifecycleSpecError) as refused:
        load_lifecycle(text, guards=("rich",))

    assert refused.value.culprit == culprit
    assert str(refused.value).startswith(f"{culprit}: {message}")


def test_yaml_on_and_off_stay_strings() -> None:
    text = GOOD.replace("open", "on").replace("dropped", "off")

    lifecycle = load_lifecycle(text, guards=())

    assert lifecycle.initial == "on"
    assert "off" in lifecycle.final_states


def test_a_spec_without_a_name_is_called_lifecycle() -> None:
    lifecycle = load_lifecycle(GOOD.replace("name: Tiny\n", ""), guards=())

    assert lifecycle.name == "lifecycle"


def test_reads_each_transitions_guard_and_internal_flag() -> None:
    text = GOOD.replace("{event: Paid, target: paid}", "{event: Paid, target: paid, cond: rich}")
    text = text.replace(
        "      - {event: Shipped, target: done}\n",
        "      - {event: Shipped, target: done}\n"
        "      - {event: Noted, target: paid, internal: true}\n",
    )

    lifecycle = load_lifecycle(text, guards=("rich",))

    assert lifecycle.transitions == (
        Transition("open", "Paid", "paid", "rich", False),
        Transition("open", "Dropped", "dropped", None, False),
        Transition("paid", "Shipped", "done", None, False),
        Transition("paid", "Noted", "paid", None, True),
    )


def test_loading_the_shipped_spec_again_gives_the_life_cycle_in_use() -> None:
    """``LIFECYCLE`` is loaded at import; this load runs under test, python-statemachine too."""
    lifecycle = load_lifecycle(read_spec(), guards=GUARDS, states=State)

    assert lifecycle == LIFECYCLE
    assert lifecycle.name == "OrderLifecycle"
    assert {state.id for state in lifecycle.machine.states} == set(State)
    assert {event.id for event in lifecycle.machine.events} == set(LIFECYCLE.events)


def test_a_search_from_an_unknown_state_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"^'nowhere' is not a state of OrderLifecycle$"):
        LIFECYCLE.reachable("nowhere")


def test_the_fast_yaml_parse_reads_specs_as_python_statemachine_does() -> None:
    """The C parser keeps the library's rule: only true/false are booleans (a state ``on``)."""
    from importlib.resources import files

    from statemachine.io.yaml.reader import YAMLReader

    from orderstate.engine.lifecycle import _parse_yaml

    shipped = (files("orderstate.specs") / "lifecycle.yaml").read_text()
    odd = (
        "states:\n  off: {initial: true, on: {go: {target: on}}}\n  on: {final: yes}\nflag: true\n"
    )
    for text in (shipped, odd):
        assert _parse_yaml(text) == YAMLReader().parse_document(text)
    assert _parse_yaml(odd)["flag"] is True
    assert "off" in _parse_yaml(odd)["states"]
