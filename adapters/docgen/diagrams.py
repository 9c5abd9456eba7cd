"""Writes the life-cycle diagrams under ``docs/``: Mermaid and DOT text, and SVG via Graphviz.

The engine generates the text (``orderstate.engine.diagram``); this adapter owns the I/O:
running Graphviz's ``dot`` and writing files. ``make diagrams`` runs
``python -m orderstate.adapters.docgen.diagrams docs``; ``tests/docs/test_diagrams.py`` fails
when the committed files no longer match the spec.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from orderstate.adapters.graphviz import GraphvizError, GraphvizNotFound, render_svg
from orderstate.engine import LIFECYCLE, SPINE, Lifecycle
from orderstate.engine.diagram import to_dot, to_mermaid

__all__ = [
    "SPINE",
    "GraphvizError",
    "GraphvizNotFound",
    "diagram_texts",
    "main",
    "render_svg",
    "write_diagrams",
]

# SPINE (the engine's happy path, derived from the spec) is drawn as the DOT's straight bold line.
# render_svg and its errors live in orderstate.adapters.graphviz (the console draws with it too).


def diagram_texts(
    lifecycle: Lifecycle[str] = LIFECYCLE, spine: Sequence[str] = SPINE
) -> dict[str, str]:
    """The text files by name, ``lifecycle.mmd`` and ``lifecycle.dot``: no Graphviz needed."""
    return {"lifecycle.mmd": to_mermaid(lifecycle), "lifecycle.dot": to_dot(lifecycle, spine=spine)}


def write_diagrams(
    directory: Path, *, lifecycle: Lifecycle[str] = LIFECYCLE, spine: Sequence[str] = SPINE
) -> list[Path]:
    """Write ``lifecycle.mmd``, ``lifecycle.dot`` and ``lifecycle.svg``; return their paths.

    Everything is rendered before anything is written, so a missing ``dot`` leaves the old
    files untouched rather than a mix of new text and an old SVG.
    """
    contents = diagram_texts(lifecycle, spine)
    contents["lifecycle.svg"] = render_svg(contents["lifecycle.dot"])
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in contents.items():
        path = directory / name
        path.write_bytes(text.encode("utf-8"))  # bytes: no platform newline translation
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orderstate.adapters.docgen.diagrams",
        description="Write the life-cycle diagrams (Mermaid, DOT, SVG) generated from the spec.",
    )
    parser.add_argument("directory", type=Path, help="where to write them, e.g. docs")
    args = parser.parse_args(argv)
    try:
        paths = write_diagrams(args.directory)
    except GraphvizError as exc:
        parser.exit(1, f"error: {exc}\n")
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
