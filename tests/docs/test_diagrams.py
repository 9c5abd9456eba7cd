"""The committed diagrams under docs/ match the spec, and the generators draw it faithfully."""

from __future__ import annotations

import os
import shutil
from itertools import pairwise
from pathlib import Path

import pytest

from orderstate.adapters.docgen.diagrams import (
    SPINE,
    GraphvizNotFound,
    diagram_texts,
    main,
    render_svg,
)
from orderstate.engine.diagram import to_dot, to_mermaid
from orderstate.engine.lifecycle import Lifecycle, Transition, load_lifecycle
from orderstate.engine.order import LIFECYCLE

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
STALE = "{} differs from what specs/lifecycle.yaml generates: run `make diagrams` and commit it"
DIAGRAMS = ("lifecycle.mmd", "lifecycle.dot", "lifecycle.svg")

TINY_SPEC = """
name: Tiny
states:
  open:
    initial: true
    transitions:
      - {event: Closed, target: closed}
      - {event: Poked, target: open, internal: true}
  closed: {final: true}
"""


def _committed(name: str) -> str:
    path = DOCS / name
    assert path.is_file(), STALE.format(f"docs/{name} is missing; it")
    return path.read_bytes().decode("utf-8")


def _require_dot() -> None:
    """Skip without Graphviz locally; in CI (`make test` installs it) its absence is a failure."""
    if shutil.which("dot") is not None:
        return
    reason = "Graphviz `dot` is not on PATH: run `make graphviz` (apt-get install graphviz)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must install it before pytest", pytrace=False)
    pytest.skip(reason)


def _mermaid_arrow(transition: Transition) -> str:
    label = transition.event
    if transition.guard is not None:
        label += f" [{transition.guard}]"
    if not transition.moves:
        label += " (stays)"
    return f"{transition.source} --> {transition.target} : {label}"


def _tiny() -> Lifecycle:
    return load_lifecycle(TINY_SPEC, guards=())


# --- the committed files ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["lifecycle.mmd", "lifecycle.dot"])
def test_committed_text_diagram_matches_the_spec(name: str) -> None:
    generated = diagram_texts()[name]

    committed = _committed(name)

    assert committed == generated, STALE.format(f"docs/{name}")


def test_committed_svg_matches_the_spec() -> None:
    _require_dot()
    generated = render_svg(diagram_texts()["lifecycle.dot"])

    committed = _committed("lifecycle.svg")

    assert committed == generated, STALE.format("docs/lifecycle.svg")


# --- what the Mermaid draws ---------------------------------------------------------------


@pytest.mark.parametrize(
    "transition", LIFECYCLE.transitions, ids=lambda t: f"{t.source}-{t.event}-{t.target}"
)
def test_every_spec_transition_appears_in_the_mermaid_text(transition: Transition) -> None:
    expected = _mermaid_arrow(transition)

    lines = [line.strip() for line in to_mermaid(LIFECYCLE).splitlines()]

    assert expected in lines


def test_the_mermaid_draws_one_arrow_per_transition_and_nothing_else() -> None:
    expected = sorted(_mermaid_arrow(t) for t in LIFECYCLE.transitions)

    lines = [line.strip() for line in to_mermaid(LIFECYCLE).splitlines()]

    assert sorted(line for line in lines if " : " in line) == expected


def test_the_mermaid_marks_the_initial_and_every_final_state() -> None:
    finals = sorted(LIFECYCLE.final_states)

    lines = [line.strip() for line in to_mermaid(LIFECYCLE).splitlines()]

    assert lines[1] == "stateDiagram-v2"
    assert f"[*] --> {LIFECYCLE.initial}" in lines
    assert sorted(line.removesuffix(" --> [*]") for line in lines if line.endswith(" --> [*]")) == (
        finals
    )


# --- what the DOT draws -------------------------------------------------------------------


def test_the_dot_marks_the_initial_and_every_final_state_and_only_those() -> None:
    finals = sorted(LIFECYCLE.final_states)

    lines = [line.strip() for line in to_dot(LIFECYCLE).splitlines()]

    assert f'"[*]" -> "{LIFECYCLE.initial}";' in lines
    ringed = [line.split('"')[1] for line in lines if "shape=doublecircle" in line]
    assert sorted(ringed) == finals


def test_the_dot_draws_every_moving_transition_and_loops_every_staying_one() -> None:
    moving = [t for t in LIFECYCLE.transitions if t.moves]
    staying = [t for t in LIFECYCLE.transitions if not t.moves]

    dot = to_dot(LIFECYCLE)

    for t in moving:
        assert f'"{t.source}" -> "{t.target}" [label="{t.event}' in dot
    for t in staying:
        loop = next(line for line in dot.splitlines() if f'"{t.source}" -> "{t.source}"' in line)
        assert t.event in loop
        assert "style=dashed" in loop


def test_the_spine_is_drawn_bold_and_kept_in_one_column() -> None:
    steps = list(pairwise(SPINE))

    dot = diagram_texts()["lifecycle.dot"]

    bold = [line for line in dot.splitlines() if "penwidth=2" in line]
    assert [tuple(line.split('"')[1:4:2]) for line in bold] == steps
    assert dot.count('group="spine"') == len(SPINE)


def test_a_spine_step_that_is_not_a_transition_is_refused() -> None:
    spine = ("created", "paid")

    with pytest.raises(ValueError, match="created -> paid"):
        to_dot(LIFECYCLE, spine=spine)


# --- both generators ----------------------------------------------------------------------


def test_generating_twice_gives_the_same_bytes() -> None:
    first = (to_mermaid(LIFECYCLE), to_dot(LIFECYCLE, spine=SPINE))

    second = (to_mermaid(LIFECYCLE), to_dot(LIFECYCLE, spine=SPINE))

    assert first == second


def test_the_diagrams_draw_the_lifecycle_they_are_given() -> None:
    tiny = _tiny()

    mermaid, dot = to_mermaid(tiny), to_dot(tiny)

    assert "open --> closed : Closed" in mermaid
    assert "open --> open : Poked (stays)" in mermaid
    assert "closed --> [*]" in mermaid
    assert "created" not in mermaid
    assert dot.startswith("// Generated")
    assert 'digraph "Tiny" {' in dot
    assert "created" not in dot


# --- rendering and writing ----------------------------------------------------------------


def test_rendering_the_svg_twice_gives_the_same_bytes() -> None:
    _require_dot()
    source = diagram_texts()["lifecycle.dot"]

    first, second = render_svg(source), render_svg(source)

    assert first == second
    assert first.lstrip().startswith("<?xml")


def test_render_svg_names_the_install_command_when_dot_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(GraphvizNotFound, match="apt-get install graphviz"):
        render_svg("digraph {}")


def test_the_module_entry_writes_the_three_diagrams(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _require_dot()
    target = tmp_path / "docs"

    status = main([str(target)])

    assert status == 0
    assert sorted(path.name for path in target.iterdir()) == sorted(DIAGRAMS)
    assert capsys.readouterr().out.split() == [str(target / name) for name in DIAGRAMS]
    for name, text in diagram_texts().items():
        assert (target / name).read_bytes() == text.encode("utf-8")
