"""The order life cycle, loaded once from ``specs/lifecycle.yaml`` and checked before use.

The spec is python-statemachine's native YAML. Loading it goes through ``statemachine.io``
(safe YAML, its JSON Schema, its class factory) and then through the graph checks that loader
lacks: every state reachable, no trap states, a path to a final state from everywhere,
nothing leaving a final state, guards that exist and choose between same-event targets.
The YAML is parsed once: python-statemachine's class is built from the same definition the
checks read. The result is one frozen :class:`Lifecycle` whose ``table`` is the hot path: a dict
lookup per command instead of binding and firing a state machine.

A ``Lifecycle`` is generic in how its states are named: plain strings for any spec, or the
members of a ``StrEnum`` when ``load_lifecycle`` is given one (``states=State``), in which case
the spec must name exactly the enum's states.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from importlib.resources import files
from types import MappingProxyType
from typing import Any, Generic, TypeVar, overload

from statemachine import StateChart
from statemachine.exceptions import InvalidDefinition
from statemachine.io.evaluators import evaluator_for
from statemachine.io.interpreter import Interpreter
from statemachine.io.model import StateMachineDefinition
from statemachine.io.native import native_dict_to_definition
from statemachine.io.validation import load_schema
from statemachine.io.yaml.reader import YAMLReader

from .errors import LifecycleSpecError

__all__ = ["Lifecycle", "Transition", "load_lifecycle", "read_spec"]

S = TypeVar("S", bound=str, covariant=True)
"""How a life cycle names its states: ``str``, or a ``StrEnum`` such as ``State``."""
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class Transition(Generic[S]):
    """One arrow of the life cycle: ``event`` moves ``source`` to ``target`` if ``guard`` holds.

    ``internal`` (the spec's ``internal: true``) marks a fact recorded beside the life cycle: a
    merchant request awaiting the provider, a declined request, a reminder. Every other
    transition is the provider's answer, so taking it settles whatever request was pending.
    """

    source: S
    event: str
    target: S
    guard: str | None = None
    internal: bool = False

    @property
    def moves(self) -> bool:
        """False for self-transitions, which record a fact without changing the state."""
        return self.source != self.target


@dataclass(frozen=True)
class Lifecycle(Generic[S]):
    """The validated life cycle: states, transitions and the derived lookup table."""

    name: str
    initial: S
    states: tuple[S, ...]
    final_states: frozenset[S]
    transitions: tuple[Transition[S], ...]
    machine: type[StateChart[Any]] = field(compare=False, repr=False)
    table: Mapping[tuple[str, str], tuple[Transition[S], ...]] = field(
        init=False, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        grouped: dict[tuple[str, str], list[Transition[S]]] = defaultdict(list)
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

    def candidates(self, state: str, event: str) -> tuple[Transition[S], ...]:
        """The transitions ``event`` may take from ``state`` (empty when it is not allowed)."""
        return self.table.get((state, event), ())

    def is_final(self, state: str) -> bool:
        return state in self.final_states

    def allowing(self, *events: str) -> frozenset[S]:
        """The states from which every one of ``events`` has a transition."""
        return frozenset(
            state for state in self.states if all((state, event) in self.table for event in events)
        )

    def reachable(self, start: str, *, avoiding: Collection[str] = ()) -> frozenset[S]:
        """``start`` and every state a chain of transitions leads to from it, taking none
        whose event is in ``avoiding``."""
        return frozenset(self._search(start, avoiding))

    def path(self, start: str, goal: str, *, avoiding: Collection[str] = ()) -> tuple[S, ...]:
        """The states of a shortest chain of transitions from ``start`` to ``goal`` (both
        included; the spec's order breaks ties), taking none whose event is in ``avoiding``.
        ``ValueError`` when there is none."""
        came_from = self._search(start, avoiding)
        end = next((state for state in came_from if state == goal), None)
        if end is None:
            raise ValueError(f"no path from {start!r} to {goal!r} avoiding {sorted(avoiding)}")
        steps = [end]
        while (before := came_from[steps[-1]]) is not None:
            steps.append(before)
        return tuple(reversed(steps))

    def _search(self, start: str, avoiding: Collection[str]) -> dict[S, S | None]:
        """Breadth-first from ``start``: every state reached, with the state it was reached
        from (None for ``start``). The one walk behind ``reachable`` and ``path``."""
        if start not in self.states:
            raise ValueError(f"{start!r} is not a state of {self.name}")
        first = next(state for state in self.states if state == start)
        came_from: dict[S, S | None] = {first: None}
        queue = deque([first])
        while queue:
            current = queue.popleft()
            for t in self.transitions:
                if t.source == current and t.event not in avoiding and t.target not in came_from:
                    came_from[t.target] = current
                    queue.append(t.target)
        return came_from


def read_spec(name: str = "lifecycle.yaml") -> str:
    """The text of a spec shipped in the ``orderstate.specs`` package data."""
    return files("orderstate.specs").joinpath(name).read_text(encoding="utf-8")


@overload
def load_lifecycle(text: str, *, guards: Collection[str]) -> Lifecycle[str]: ...


@overload
def load_lifecycle(text: str, *, guards: Collection[str], states: type[E]) -> Lifecycle[E]: ...


def load_lifecycle(
    text: str, *, guards: Collection[str], states: type[StrEnum] | None = None
) -> Lifecycle[Any]:
    """Parse, schema-check and graph-check a life-cycle spec; raise ``LifecycleSpecError``.

    ``guards`` are the guard names the caller can evaluate; a spec naming another is refused.
    ``states``, when given, is the enum naming the states: the spec must declare exactly its
    members' values, and the life cycle then holds the members instead of plain strings.
    """
    definition = _read_definition(text)
    name: Callable[[str], str] = str
    if states is not None:
        _check_state_names(definition, states)
        name = states
    lifecycle = _build(definition, guards, name)
    _check_graph(lifecycle)
    object.__setattr__(lifecycle, "machine", _machine_class(definition, lifecycle.name))
    return lifecycle


def _check_state_names(definition: StateMachineDefinition, states: type[StrEnum]) -> None:
    declared, named = list(definition.states), [member.value for member in states]
    for state in declared:
        if state not in named:
            raise LifecycleSpecError(state, f"the spec's state is not a {states.__name__} member")
    for state in named:
        if state not in declared:
            raise LifecycleSpecError(state, f"a {states.__name__} member the spec does not declare")


def _machine_class(definition: StateMachineDefinition, name: str) -> type[StateChart[Any]]:
    """python-statemachine's class for the already-parsed definition: what ``statemachine.io.load``
    does after parsing (restricted evaluator, no trusted code), without parsing the text again."""
    interpreter = Interpreter(reader=YAMLReader(), evaluator=evaluator_for(trusted=False))
    try:
        interpreter.process_definition(definition, location=name)
    except (InvalidDefinition, ValueError) as exc:
        raise LifecycleSpecError("spec", f"python-statemachine refused it: {exc}") from exc
    machine: type[StateChart[Any]] = interpreter.scs[name]
    return machine


def _read_definition(text: str) -> StateMachineDefinition:
    try:
        document: Any = _parse_yaml(text)
    except Exception as exc:  # PyYAML raises many types; all mean "not YAML"
        raise LifecycleSpecError("spec", f"not valid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise LifecycleSpecError("spec", "must be a mapping with a 'states' key")
    error = _schema_error(document)
    if error is not None:
        raise LifecycleSpecError("spec", f"Statechart document failed schema validation: {error}")
    return native_dict_to_definition(document)


def _parse_yaml(text: str) -> Any:
    """The spec as ``YAMLReader.parse_document`` reads it (safe loading; only ``true``/``false``
    are booleans, so a state called ``on`` or ``off`` stays a string), through PyYAML's C parser
    when it is built: the pure-Python one was a sixth of every CLI start."""
    import yaml  # type: ignore[import-untyped]  # untyped; python-statemachine[yaml] brings it

    fast = getattr(yaml, "CSafeLoader", None)
    if fast is None:
        return YAMLReader().parse_document(text)
    return yaml.load(text, Loader=_statechart_loader(fast))


_C_LOADERS: dict[type[Any], type[Any]] = {}


def _statechart_loader(base: type[Any]) -> type[Any]:
    """``base`` with python-statemachine's restriction of YAML 1.1's implicit booleans."""
    if base not in _C_LOADERS:
        resolvers = {
            first: [
                (tag, regexp)
                for tag, regexp in found
                if not (tag == "tag:yaml.org,2002:bool" and first not in "tTfF")
            ]
            for first, found in base.yaml_implicit_resolvers.items()
        }
        _C_LOADERS[base] = type(
            "StatechartCSafeLoader", (base,), {"yaml_implicit_resolvers": resolvers}
        )
    return _C_LOADERS[base]


def _schema_error(document: Any) -> str | None:
    """What ``statemachine.io.validation.validate_document`` reports, minus its first step:
    ``jsonschema.validate`` checks python-statemachine's own bundled schema against the JSON
    Schema meta-schema on every call, which was most of the engine's import time (and of every
    CLI start); that schema ships with the library, so only the document is checked here."""
    import jsonschema  # type: ignore[import-untyped]  # untyped, as the library imports it

    schema = load_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(document))
    return None if error is None else str(error.message)


def _build(
    definition: StateMachineDefinition, guards: Collection[str], name: Callable[[str], E | str]
) -> Lifecycle[Any]:
    states = {sid: name(sid) for sid in definition.states}
    initial = [states[sid] for sid, state in definition.states.items() if state.initial]
    if len(initial) != 1:
        raise LifecycleSpecError("spec", f"needs exactly one initial state, found {initial}")
    transitions: list[Transition[Any]] = []
    for sid, state in definition.states.items():
        if state.states or state.parallel:
            raise LifecycleSpecError(sid, "nested and parallel states are not supported")
        transitions.extend(_transitions_of(states[sid], state.transitions, states, guards))
    finals = frozenset(states[sid] for sid, state in definition.states.items() if state.final)
    return Lifecycle(
        name=definition.name or "lifecycle",
        initial=initial[0],
        states=tuple(states.values()),
        final_states=finals,
        transitions=tuple(transitions),
        machine=StateChart,  # replaced by the loaded class once the graph is sound
    )


def _transitions_of(
    source: str, raw: Iterable[Any], states: Mapping[str, str], guards: Collection[str]
) -> Iterable[Transition[Any]]:
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
        yield Transition(source, item.event, states[item.target], item.cond, item.internal)


def _check_graph(lifecycle: Lifecycle[str]) -> None:
    _check_moves(lifecycle)
    _check_paths(lifecycle)


def _check_moves(lifecycle: Lifecycle[str]) -> None:
    for (state, event), group in lifecycle.table.items():
        if lifecycle.is_final(state):
            raise LifecycleSpecError(state, f"final state has a transition ({event})")
        if len(group) > 1 and any(t.guard is None for t in group):
            raise LifecycleSpecError(
                f"{state} --{event}-->", "several targets need a guard on every one"
            )


def _check_paths(lifecycle: Lifecycle[str]) -> None:
    reachable = lifecycle.reachable(lifecycle.initial)
    for state in lifecycle.states:
        if state not in reachable:
            raise LifecycleSpecError(state, "unreachable from the initial state")
    leaving = {t.source for t in lifecycle.transitions if t.moves}
    for state in lifecycle.states:
        if not lifecycle.is_final(state) and state not in leaving:
            raise LifecycleSpecError(state, "trap state: not final and nothing leaves it")
    if not lifecycle.final_states:
        raise LifecycleSpecError("spec", "declares no final state")
    for state in lifecycle.states:
        if not lifecycle.reachable(state) & lifecycle.final_states:
            raise LifecycleSpecError(state, "no path from it to a final state")
