"""The life-cycle spec: the shipped one is sound, and broken ones are refused by name."""

from __future__ import annotations

import itertools

import pytest

from orderstate.engine import LIFECYCLE, LifecycleSpecError, load_lifecycle
from orderstate.engine.guards import GUARDS

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


def test_ships_the_thirteen_states_of_the_card() -> None:
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
        "refunded",
        "cancelled",
        "failed",
        "rejected",
    ]

    assert sorted(LIFECYCLE.states) == sorted(expected)
    assert LIFECYCLE.initial == "created"
    assert LIFECYCLE.final_states == {"refunded", "cancelled", "failed", "rejected"}


def test_the_spine_is_a_path_of_transitions() -> None:
    spine = ["created", "in_progress", "paid", "clearing", "completed"]

    moves = {(t.source, t.target) for t in LIFECYCLE.transitions}

    assert all(pair in moves for pair in itertools.pairwise(spine))


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
            "trap state",
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
            GOOD.replace("{event: Paid, target: paid}", "{event: Paid, target: paid, cond: rich}"),
            "rich",
            "unknown guard",
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
            "needs exactly one initial state",
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
        pytest.param("- just\n- a list\n", "spec", "must be a mapping", id="not-a-mapping"),
        pytest.param(
            GOOD.replace("name: Tiny", "name: Tiny\ncolour: blue"),
            "spec",
            "schema validation",
            id="schema-violation",
        ),
    ],
)
def test_refuses_a_broken_spec_naming_the_culprit(text: str, culprit: str, message: str) -> None:
    with pytest.raises(LifecycleSpecError) as refused:
        load_lifecycle(text, guards=())

    assert refused.value.culprit == culprit
    assert message in str(refused.value)


def test_yaml_on_and_off_stay_strings() -> None:
    text = GOOD.replace("open", "on").replace("dropped", "off")

    lifecycle = load_lifecycle(text, guards=())

    assert lifecycle.initial == "on"
    assert "off" in lifecycle.final_states
