"""The drawing's ids: every state and arrow of the spec has one, and marking uses them."""

from __future__ import annotations

import re

from orderstate.adapters.web.console.diagram import Step, marked_svg
from orderstate.engine import LIFECYCLE, SPINE
from orderstate.engine.diagram import loop_id, move_id, state_id, to_dot


def test_with_ids_every_state_and_arrow_of_the_spec_is_named_once() -> None:
    dot = to_dot(LIFECYCLE, spine=SPINE, ids=True)

    ids = re.findall(r'id="([^"]+)"', dot)

    moves = [move_id(i) for i, t in enumerate(LIFECYCLE.transitions) if t.moves]
    loops = {loop_id(t.source) for t in LIFECYCLE.transitions if not t.moves}
    assert sorted(ids) == sorted(["start", *map(state_id, LIFECYCLE.states), *moves, *loops])


def test_without_ids_the_dot_is_the_committed_one() -> None:
    assert 'id="' not in to_dot(LIFECYCLE, spine=SPINE)


def test_marking_classes_the_taken_arrows_and_the_current_state() -> None:
    svg = (
        '<g id="start" class="edge"></g><g id="move_0" class="edge"></g>'
        '<g id="move_1" class="edge"></g><g id="state_created" class="node"></g>'
        '<g id="state_in_progress" class="node"></g><g id="state_paid" class="node"></g>'
    )
    steps = [
        Step("OrderPlaced", None, "created", ("start",)),
        Step("PaymentLinkIssued", "created", "in_progress", ("move_0",)),
    ]

    marked = marked_svg(svg, steps)

    assert '<g id="move_0" class="edge taken">' in marked
    assert '<g id="move_1" class="edge">' in marked
    assert '<g id="state_created" class="node visited">' in marked
    assert '<g id="state_in_progress" class="node visited current">' in marked
    assert '<g id="state_paid" class="node">' in marked
