"""The diagram text generators on small specs: DOT quoting and the spine's refusals."""

from __future__ import annotations

import pytest

from orderstate.engine import LIFECYCLE, load_lifecycle
from orderstate.engine.diagram import to_dot

ODD_NAMES = r"""
name: 'Say "hi" \ bye'
states:
  open:
    initial: true
    transitions:
      - {event: Closed, target: closed}
  closed: {final: true}
"""


def test_dot_escapes_quotes_and_backslashes_in_names() -> None:
    dot = to_dot(load_lifecycle(ODD_NAMES, guards=()))

    assert 'digraph "Say \\"hi\\" \\\\ bye" {' in dot.splitlines()


def test_a_spine_through_an_unknown_state_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match=r"states \['nowhere'\], steps \['created -> nowhere'\]"):
        to_dot(LIFECYCLE, spine=("created", "nowhere"))
