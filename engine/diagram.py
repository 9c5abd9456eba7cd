"""The life cycle drawn from its spec: Mermaid and Graphviz DOT text, never written by hand.

Pure text generation (no I/O, no Graphviz): ``orderstate.adapters.diagrams`` renders the DOT to
SVG and writes the files under ``docs/``. Output follows the spec's own order of states and
transitions, so the same spec always gives the same bytes and a diff of the committed diagrams
shows exactly what a spec change did.

Self-transitions (the state does not move: a request awaiting the provider, a declined request,
a reminder, a partial refund) are drawn as loops marked "(stays)" in Mermaid and as dashed
loops in DOT, where one loop per state stacks its events so the busy states stay legible.
"""

from __future__ import annotations

from collections.abc import Iterable

from .lifecycle import Lifecycle, Transition

__all__ = ["to_dot", "to_mermaid"]

_HEADER = "Generated from the life-cycle spec by orderstate.engine.diagram; do not edit."


def to_mermaid(lifecycle: Lifecycle) -> str:
    """A Mermaid ``stateDiagram-v2``: one arrow per transition, guards in brackets."""
    lines = [f"%% {_HEADER}", "stateDiagram-v2", f"    [*] --> {lifecycle.initial}"]
    moving = [t for t in lifecycle.transitions if t.moves]
    staying = [t for t in lifecycle.transitions if not t.moves]
    lines += [f"    {t.source} --> {t.target} : {_label(t)}" for t in moving]
    lines += [f"    {t.source} --> {t.target} : {_label(t)} (stays)" for t in staying]
    lines += [f"    {state} --> [*]" for state in _finals(lifecycle)]
    return "\n".join(lines) + "\n"


def to_dot(lifecycle: Lifecycle) -> str:
    """A Graphviz digraph laid out left to right: start point, rounded states, final rings."""
    name = _quote(lifecycle.name)
    lines = [
        f"// {_HEADER}",
        f"digraph {name} {{",
        "    rankdir=LR;",
        '    graph [fontname="Helvetica", nodesep=0.4, ranksep=0.6];',
        '    node [shape=box, style=rounded, fontname="Helvetica", fontsize=12];',
        '    edge [fontname="Helvetica", fontsize=9];',
        "",
        '    "[*]" [shape=point, width=0.2, label=""];',
    ]
    for state in lifecycle.states:
        if lifecycle.is_final(state):
            lines.append(f"    {_quote(state)} [shape=doublecircle, fontsize=11];")
        else:
            lines.append(f"    {_quote(state)};")
    lines += ["", f'    "[*]" -> {_quote(lifecycle.initial)};']
    for t in lifecycle.transitions:
        if t.moves:
            lines.append(f"    {_quote(t.source)} -> {_quote(t.target)} [label={_quote(_label(t))}];")
    loops = _loops(t for t in lifecycle.transitions if not t.moves)
    for state, labels in loops.items():
        label = _quote("\n".join(labels))
        lines.append(f"    {_quote(state)} -> {_quote(state)} [label={label}, style=dashed];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _label(transition: Transition) -> str:
    if transition.guard is None:
        return transition.event
    return f"{transition.event} [{transition.guard}]"


def _finals(lifecycle: Lifecycle) -> list[str]:
    """Final states in spec order (``final_states`` is a set, whose order is not stable)."""
    return [state for state in lifecycle.states if lifecycle.is_final(state)]


def _loops(transitions: Iterable[Transition]) -> dict[str, list[str]]:
    loops: dict[str, list[str]] = {}
    for t in transitions:
        loops.setdefault(t.source, []).append(_label(t))
    return loops


def _quote(text: str) -> str:
    """A DOT double-quoted string; newlines become DOT's centred line breaks."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
