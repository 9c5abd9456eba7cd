"""The life-cycle drawing with one order's path on it.

The drawing is the spec's own (``orderstate.engine.diagram.to_dot`` with ids, drawn by Graphviz
once per process), the same picture as ``docs/lifecycle.svg``; an order's page marks on it the
arrows its events took (``taken``), the states it went through (``visited``) and the one it is
in (``current``), by adding classes to the elements with those ids. Without Graphviz the page
shows the path as text only.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from orderstate.adapters.graphviz import GraphvizError, render_svg
from orderstate.engine import LIFECYCLE, SPINE, Lifecycle
from orderstate.engine.diagram import loop_id, move_id, state_id, to_dot

__all__ = ["Step", "lifecycle_svg", "marked_svg", "order_path"]

log = logging.getLogger(__name__)

START = "start"
"""The id of the arrow into the initial state."""


@dataclass(frozen=True)
class Step:
    """One stored event on the drawing: the state before (None for the first) and after, and
    the ids of the arrows it may have taken (several when guards split one move)."""

    event: str
    source: str | None
    target: str
    arrows: tuple[str, ...]


def order_path(events: Iterable[Any], lifecycle: Lifecycle[str] = LIFECYCLE) -> list[Step]:
    """Fold the events as the engine does, noting each transition on the way."""
    steps: list[Step] = []
    order: Any = None
    for event in events:
        before = None if order is None else str(order.state)
        order = event.mutate(order)
        after = str(order.state)
        name = type(event).__name__
        steps.append(Step(name, before, after, _arrows(lifecycle, before, name, after)))
    return steps


def _arrows(
    lifecycle: Lifecycle[str], source: str | None, event: str, target: str
) -> tuple[str, ...]:
    if source is None:
        return (START,)
    if source == target:
        loops = any(t.source == source and t.event == event for t in lifecycle.transitions)
        return (loop_id(source),) if loops else ()
    return tuple(
        move_id(i)
        for i, t in enumerate(lifecycle.transitions)
        if (t.source, t.event, t.target) == (source, event, target)
    )


@functools.cache
def lifecycle_svg() -> str | None:
    """The life cycle drawn by Graphviz with ids, ready to inline (None without Graphviz)."""
    try:
        svg = render_svg(to_dot(LIFECYCLE, spine=SPINE, ids=True))
    except GraphvizError as error:
        log.warning("console: no life-cycle drawing: %s", error)
        return None
    svg = svg[svg.index("<svg") :]
    # Scales with the page (the viewBox keeps the proportions); comments carry nothing useful.
    svg = re.sub(r'<svg width="[^"]*" height="[^"]*"', '<svg class="lifecycle"', svg, count=1)
    return re.sub(r"<!--.*?-->\n?", "", svg, flags=re.DOTALL)


def marked_svg(svg: str, steps: Sequence[Step]) -> str:
    """``svg`` with this order's arrows, visited states and current state classed."""
    for arrow in {a for step in steps for a in step.arrows}:
        svg = svg.replace(f'<g id="{arrow}" class="edge">', f'<g id="{arrow}" class="edge taken">')
    visited = {s for step in steps for s in (step.source, step.target) if s is not None}
    current = steps[-1].target if steps else None
    for state in visited:
        mark = "visited current" if state == current else "visited"
        node = state_id(state)
        svg = svg.replace(f'<g id="{node}" class="node">', f'<g id="{node}" class="node {mark}">')
    return svg
