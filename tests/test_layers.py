"""The layers import downwards only, and the store and report load without the engine.

scenario <- engine <- running <- store <- experiments, report <- calibration <- cli (and the
public API in `sim/__init__.py`). A module may import its own package and any layer below it;
an import of a layer above it, or of a sibling on the same level, fails here.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

LAYERS: list[set[str]] = [
    {"sim.scenario"},
    {"sim.engine"},
    {"sim.running"},
    {"sim.store"},
    {"sim.experiments", "sim.report"},
    {"calibration"},
    {"sim.cli", "sim"},
]
RANK = {package: level for level, packages in enumerate(LAYERS) for package in packages}


def package_of(module: str) -> str | None:
    """The layer package a dotted module name belongs to, or None outside the project."""
    parts = module.split(".")
    if parts[0] == "calibration":
        return "calibration"
    if parts[0] != "sim":
        return None
    return "sim" if len(parts) == 1 else f"sim.{parts[1]}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def problems(module: str, source: str) -> list[str]:
    """Imports in `source` (of `module`) of a layer above or beside its own, at any depth
    (inside functions and TYPE_CHECKING blocks too)."""
    here = package_of(module)
    assert here in RANK, f"{module}: not in any layer; add its package to LAYERS"
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return [
        f"{module}:{line}: {here} imports {target}"
        for line, target in found
        if (there := package_of(target)) not in (None, here) and RANK[there] >= RANK[here]
    ]


SOURCES = sorted([*ROOT.joinpath("sim").rglob("*.py"), *ROOT.joinpath("calibration").rglob("*.py")])


def test_every_import_goes_down_the_layers() -> None:
    found = [p for path in SOURCES for p in problems(module_name(path), path.read_text("utf-8"))]
    assert not found, "\n".join(found)


def test_the_check_finds_upward_and_sideways_imports() -> None:
    assert problems("sim.engine.model", "from sim.report.summary import kpis") != []
    assert problems("sim.engine.moments.smot", "from sim import run") != []
    typing_only = "if TYPE_CHECKING:\n    from sim.store.runs import read_run\n"
    assert problems("sim.running.replications", typing_only) != []
    assert problems("sim.report.page", "import sim.experiments.designs") != []
    assert problems("calibration.objective", "def f():\n    from sim.cli import main\n") != []
    assert problems("sim.report.page", "from sim.store import read_run\nimport numpy") == []
    assert problems("sim.engine.model", "from sim.engine import retention") == []


def test_sim_has_at_most_five_loose_modules_and_five_moment_units() -> None:
    loose = sorted(p.name for p in ROOT.joinpath("sim").glob("*.py"))
    assert len(loose) <= 5, loose
    moments = sorted(p.stem for p in ROOT.joinpath("sim", "engine", "moments").glob("*.py"))
    assert {"pre_zmot", "zmot", "fmot", "smot", "umot"} <= set(moments)


ABOVE_THE_ENGINE = ["sim", "sim.scenario", "sim.running", "sim.store", "sim.report.page"]


@pytest.mark.parametrize("module", ABOVE_THE_ENGINE)
def test_a_layer_above_the_engine_loads_without_mesa(module: str) -> None:
    code = f"import sys, {module}; print('mesa' in sys.modules, 'sim.engine.model' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.split() == ["False", "False"]


def test_the_command_line_loads_without_polars() -> None:
    """`journey --help` and `journey validate` read no data: polars (~0.4 s) waits for a command
    that writes or reads a frame."""
    code = "import sys, sim.cli; print('polars' in sys.modules, 'mesa' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.split() == ["False", "False"]
