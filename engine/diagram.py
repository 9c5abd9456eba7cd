"""The life cycle drawn from its spec: Mermaid and Graphviz DOT text, never written by hand.

Pure text generation (no I/O, no Graphviz): ``orderstate.adapters.docgen.diagrams`` renders the
DOT to SVG and writes the files under ``docs/``. Output follows the spec's own order of states and
transitions, so the same spec always gives the same bytes and a diff of the committed diagrams
shows exactly what a spec change did.

Self-transitions (the state does not move: a request awaiting the provider, a declined request,
a reminder, a partial refund) are drawn as loops marked "(stays)" in Mermaid and as dashed
loops in DOT, where one loop per state stacks its events so the busy states stay legible.
The DOT can also be given a spine (the happy path) to draw as one straight, bold line; without
it Graphviz bends the main path around the many side branches.
With ``ids`` every state and arrow carries an ``id`` (``state_id``, ``move_id``, ``loop_id``)
that Graphviz copies into its SVG, so a page can mark one order's path on the same drawing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import pairwise

from .lifecycle import Lifecycle, Transition

__all__ = ["loop_id", "move_id", "state_id", "to_dot", "to_mermaid"]

_HEADER = "Generated from the life-cycle spec by orderstate.engine.diagram; do not edit."


def to_mermaid(lifecycle: Lifecycle[str]) -> str:
    """A Mermaid ``stateDiagram-v2``: one arrow per transition, guards in brackets."""
    lines = [f"%% {_HEADER}", "stateDiagram-v2", f"    [*] --> {lifecycle.initial}"]
    moving = [t for t in lifecycle.transitions if t.moves]
    staying = [t for t in lifecycle.transitions if not t.moves]
    lines += [f"    {t.source} --> {t.target} : {_label(t)}" for t in moving]
    lines += [f"    {t.source} --> {t.target} : {_label(t)} (stays)" for t in staying]
    lines += [f"    {state} --> [*]" for state in _finals(lifecycle)]
    return "\n".join(lines) + "\n"


def state_id(state: str) -> str:
    """The SVG id of ``state``'s box (``to_dot(..., ids=True)``)."""
    return f"state_{state}"


def move_id(index: int) -> str:
    """The SVG id of the arrow of ``lifecycle.transitions[index]`` (a transition that moves)."""
    return f"move_{index}"


def loop_id(state: str) -> str:
    """The SVG id of ``state``'s loop: every transition that leaves it where it is."""
    return f"loop_{state}"


def to_dot(lifecycle: Lifecycle[str], *, spine: Sequence[str] = (), ids: bool = False) -> str:
    """A Graphviz digraph laid out top to bottom: start point, rounded states, final rings.

    ``spine`` names states joined one to the next by transitions; they are kept in one straight
    column and their arrows drawn bold. ``ValueError`` if two of them are not joined. ``ids``
    gives every state and arrow its ``id`` (``state_id``, ``move_id``, ``loop_id``, and
    ``start`` for the first arrow).
    """
    spine_edges = _spine_edges(lifecycle, spine)
    lines = [
        f"// {_HEADER}",
        f"digraph {_quote(lifecycle.name)} {{",
        "    rankdir=TB;",
        '    graph [fontname="Helvetica", nodesep=0.5, ranksep=0.6];',
        '    node [shape=box, style=rounded, fontname="Helvetica", fontsize=12];',
        '    edge [fontname="Helvetica", fontsize=9];',
        "",
        '    "[*]" [shape=point, width=0.2, label=""];',
    ]
    for state in lifecycle.states:
        style = _state_style(lifecycle, state, spine)
        if ids:
            style["id"] = _quote(state_id(state))
        lines.append(f"    {_quote(state)}{_attributes(style)};")
    start = ' [id="start"]' if ids else ""
    lines += ["", f'    "[*]" -> {_quote(lifecycle.initial)}{start};']
    for index, t in enumerate(lifecycle.transitions):
        if t.moves:
            style = {"label": _quote(_label(t))}
            if (t.source, t.target) in spine_edges:
                style |= {"weight": "8", "penwidth": "2"}
            if ids:
                style["id"] = _quote(move_id(index))
            lines.append(f"    {_quote(t.source)} -> {_quote(t.target)}{_attributes(style)};")
    for state, labels in _loops(t for t in lifecycle.transitions if not t.moves).items():
        style = {
            "label": _quote("\n".join(labels)),
            "style": "dashed",
            "headport": "ne",
            "tailport": "se",
        }
        if ids:
            style["id"] = _quote(loop_id(state))
        lines.append(f"    {_quote(state)} -> {_quote(state)}{_attributes(style)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _label(transition: Transition[str]) -> str:
    if transition.guard is None:
        return transition.event
    return f"{transition.event} [{transition.guard}]"


def _finals(lifecycle: Lifecycle[str]) -> list[str]:
    """Final states in spec order (``final_states`` is a set, whose order is not stable)."""
    return [state for state in lifecycle.states if lifecycle.is_final(state)]


def _spine_edges(lifecycle: Lifecycle[str], spine: Sequence[str]) -> set[tuple[str, str]]:
    moves = {(t.source, t.target) for t in lifecycle.transitions if t.moves}
    edges = set(pairwise(spine))
    unknown = [state for state in spine if state not in lifecycle.states]
    missing = [f"{source} -> {target}" for source, target in sorted(edges - moves)]
    if unknown or missing:
        raise ValueError(f"spine not in the life cycle: states {unknown}, steps {missing}")
    return edges


def _state_style(lifecycle: Lifecycle[str], state: str, spine: Sequence[str]) -> dict[str, str]:
    style = {"shape": "doublecircle", "fontsize": "11"} if lifecycle.is_final(state) else {}
    if state in spine:
        style["group"] = _quote("spine")  # one group: Graphviz keeps its nodes in a line
    return style


def _attributes(style: dict[str, str]) -> str:
    """`` [key=value, ...]`` in insertion order, or nothing for an empty style."""
    if not style:
        return ""
    return " [" + ", ".join(f"{key}={value}" for key, value in style.items()) + "]"


def _loops(transitions: Iterable[Transition[str]]) -> dict[str, list[str]]:
    loops: dict[str, list[str]] = {}
    for t in transitions:
        loops.setdefault(t.source, []).append(_label(t))
    return loops


def _quote(text: str) -> str:
    """A DOT double-quoted string; newlines become DOT's centred line breaks."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
