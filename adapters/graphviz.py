"""Graphviz's ``dot``, run to draw SVG: shared by the docs writers and the web console.

Graphviz is the one dependency pip cannot install (Debian's ``graphviz``); whoever calls
``render_svg`` decides what to do without it (the docs writer fails, the console shows the
path as text).
"""

from __future__ import annotations

import shutil
import subprocess

__all__ = ["INSTALL_HINT", "GraphvizError", "GraphvizNotFound", "render_svg"]

INSTALL_HINT = "install Graphviz with `apt-get install graphviz` (or run `make graphviz`)"


class GraphvizError(RuntimeError):
    """Graphviz's ``dot`` ran but refused the DOT source."""


class GraphvizNotFound(GraphvizError):
    """``dot`` is not on PATH; Graphviz is the one dependency pip cannot install."""


def render_svg(dot_source: str) -> str:
    """The SVG ``dot -Tsvg`` draws from ``dot_source`` (deterministic for one Graphviz build)."""
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizNotFound(f"Graphviz's `dot` command is not on PATH: {INSTALL_HINT}")
    result = subprocess.run(
        [dot, "-Tsvg"], input=dot_source, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise GraphvizError(f"`dot -Tsvg` failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout
