"""docs/architecture.md draws the layers the imports really make, and those layers hold."""

from __future__ import annotations

import shutil
from pathlib import Path

from orderstate.adapters.docgen.architecture import layer_edges, rewrite

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
STALE = (
    "docs/architecture.md is stale: run "
    "python -m orderstate.adapters.docgen.architecture docs/architecture.md"
)


def _imported_by(unit: str) -> set[str]:
    return {target for source, target in layer_edges(ROOT) if source == unit}


def test_the_committed_layer_diagram_is_the_generated_one(tmp_path: Path) -> None:
    copy = tmp_path / "architecture.md"
    shutil.copyfile(DOC, copy)

    changed = rewrite(copy, ROOT)

    assert not changed, STALE


def test_the_engine_imports_no_adapter_nor_the_test_kit() -> None:
    imported = _imported_by("engine")

    assert imported == set(), f"the engine is pure, yet imports {sorted(imported)}"


def test_the_service_imports_no_provider_package() -> None:
    imported = _imported_by("service")

    assert "vertex" not in imported


def test_a_provider_never_imports_the_service() -> None:
    imported = _imported_by("vertex")

    assert "service" not in imported


def test_the_port_imports_only_the_engine() -> None:
    imported = _imported_by("port")

    assert imported <= {"engine"}
