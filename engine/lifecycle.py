"""The order life cycle, loaded once from ``specs/lifecycle.yaml`` and checked before use.

The spec is python-statemachine's native YAML. Loading it goes through ``statemachine.io``
(safe YAML, its JSON Schema, its class factory) and then through the graph checks that loader
lacks: every state reachable, no trap states, a path to a final state from everywhere,
nothing leaving a final state, guards that exist and choose between same-event targets.
The result is one frozen :class:`Lifecycle` whose ``table`` is the hot path: a dict lookup per
command instead of binding and firing a state machine.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from types import MappingProxyType
from typing import Any

from statemachine import StateChart
from statemachine.exceptions import InvalidDefinition
from statemachine.io import load
from statemachine.io.model import StateMachineDefinition
from statemachine.io.native import native_dict_to_definition
from statemachine.io.validation import validate_document
from statemachine.io.yaml.reader import YAMLReader

from .errors import LifecycleSpecError

__all__ = ["Lifecycle", "Transition", "load_lifecycle", "read_spec"]


@dataclass(frozen=True, slots=True)
class Transition:
    """One arrow of the life cycle: ``event`` moves ``source`` to ``target`` if ``guard`` holds."""

    source: str
    event: str
    target: str
    guard: str | None = None

    @property
    def moves(self) -> bool:
        """False for self-transitions, which record a fact without changing the state."""
        return self.source != self.target


@dataclass(frozen=True)
class Lifecycle:
    """The validated life cycle: states, transitions and the derived lookup table."""

    name: str
    initial: str
    states: tuple[str, ...]
    final_states: frozenset[str]
    transitions: tuple[Transition, ...]
    machine: type[StateChart[Any]] = field(compare=False, repr=False)
    table: Mapping[tuple[str, str], tuple[Transition, ...]] = field(
        init=False, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        grouped: dict[tuple[str, str], list[Transition]] = defaultdict(list)
        for transition in self.transitions:
            grouped[transition.source, transition.event].append(transition)
        table = {key: tuple(group) for key, group in grouped.items()}
        object.__setattr__(self, "table", MappingProxyType(table))

    @property
    def events(self) -> tuple[str, ...]:
        """Every event name the spec uses, in order of first appearance."""
        return tuple(dict.fromkeys(t.event for t in self.transitions))

    @property
    def guards(self) -> frozenset[str]:
        """Every guard name the spec uses."""
        return frozenset(t.guard for t in self.transitions if t.guard is not None)

    def candidates(self, state: str, event: str) -> tuple[Transition, ...]:
        """The transitions ``event`` may take from ``state`` (empty when it is not allowed)."""
        return self.table.get((state, event), ())

    def is_final(self, state: str) -> bool:
        return state in self.final_states


def read_spec(name: str = "lifecycle.yaml") -> str:
    """The text of a spec shipped in the ``orderstate.specs`` package data."""
    return files("orderstate.specs").joinpath(name).read_text(encoding="utf-8")


def load_lifecycle(text: str, *, guards: Collection[str]) -> Lifecycle:
    """Parse, schema-check and graph-check a life-cycle spec; raise ``LifecycleSpecError``.

    ``guards`` are the guard names the caller can evaluate; a spec naming another is refused.
    """
    definition = _read_definition(text)
    lifecycle = _build(definition, guards)
    _check_graph(lifecycle)
    try:
        machine = load(text, format="yaml")
    except (InvalidDefinition, ValueError) as exc:
        raise LifecycleSpecError("spec", f"python-statemachine refused it: {exc}") from exc
    object.__setattr__(lifecycle, "machine", machine)
    return lifecycle


def _read_definition(text: str) -> StateMachineDefinition:
    try:
        document: Any = YAMLReader().parse_document(text)
    except Exception as exc:  # PyYAML raises many types; all mean "not YAML"
        raise LifecycleSpecError("spec", f"not valid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise LifecycleSpecError("spec", "must be a mapping with a 'states' key")
    try:
        validate_document(document)
    except InvalidDefinition as exc:
        raise LifecycleSpecError("spec", str(exc)) from exc
    return native_dict_to_definition(document)


def _build(definition: StateMachineDefinition, guards: Collection[str]) -> Lifecycle:
    states = tuple(definition.states)
    initial = [sid for sid, state in definition.states.items() if state.initial]
    if len(initial) != 1:
        raise LifecycleSpecError("spec", f"needs exactly one initial state, found {initial}")
    transitions: list[Transition] = []
    for sid, state in definition.states.items():
        if state.states or state.parallel:
            raise LifecycleSpecError(sid, "nested and parallel states are not supported")
        transitions.extend(_transitions_of(sid, state.transitions, states, guards))
    finals = frozenset(sid for sid, state in definition.states.items() if state.final)
    return Lifecycle(
        name=definition.name or "lifecycle",
        initial=initial[0],
        states=states,
        final_states=finals,
        transitions=tuple(transitions),
        machine=StateChart,  # replaced by the loaded class once the graph is sound
    )


def _transitions_of(
    source: str, raw: Iterable[Any], states: tuple[str, ...], guards: Collection[str]
) -> Iterable[Transition]:
    for item in raw:
        where = f"{source} --{item.event}-->"
        if not item.event:
            raise LifecycleSpecError(where, "a transition needs an event name")
        if item.target not in states:
            raise LifecycleSpecError(where, f"unknown target state {item.target!r}")
        if item.unless or isinstance(item.cond, list):
            raise LifecycleSpecError(where, "use one 'cond' guard name per transition")
        if item.cond is not None and item.cond not in guards:
            raise LifecycleSpecError(item.cond, f"unknown guard on {where} {item.target}")
        yield Transition(source, item.event, item.target, item.cond)


def _check_graph(lifecycle: Lifecycle) -> None:
    _check_moves(lifecycle)
    _check_paths(lifecycle)


def _check_moves(lifecycle: Lifecycle) -> None:
    for (state, event), group in lifecycle.table.items():
        if lifecycle.is_final(state):
            raise LifecycleSpecError(state, f"final state has a transition ({event})")
        if len(group) > 1 and any(t.guard is None for t in group):
            raise LifecycleSpecError(
                f"{state} --{event}-->", "several targets need a guard on every one"
            )


def _check_paths(lifecycle: Lifecycle) -> None:
    edges = [(t.source, t.target) for t in lifecycle.transitions if t.moves]
    reachable = _reach({lifecycle.initial}, edges)
    for state in lifecycle.states:
        if state not in reachable:
            raise LifecycleSpecError(state, "unreachable from the initial state")
    leaving = {source for source, _ in edges}
    for state in lifecycle.states:
        if not lifecycle.is_final(state) and state not in leaving:
            raise LifecycleSpecError(state, "trap state: not final and nothing leaves it")
    if not lifecycle.final_states:
        raise LifecycleSpecError("spec", "declares no final state")
    ends = _reach(set(lifecycle.final_states), [(b, a) for a, b in edges])
    for state in lifecycle.states:
        if state not in ends:
            raise LifecycleSpecError(state, "no path from it to a final state")


def _reach(start: set[str], edges: Iterable[tuple[str, str]]) -> set[str]:
    following: dict[str, list[str]] = defaultdict(list)
    for source, target in edges:
        following[source].append(target)
    seen, queue = set(start), deque(start)
    while queue:
        for nxt in following[queue.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen
