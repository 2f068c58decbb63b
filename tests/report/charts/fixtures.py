"""Small runs on disk shared by the chart, report and browser tests (built once per session).

Load with `pytest_plugins = ["tests.report.charts.fixtures"]` in a test module.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from sim.report.page import write_report
from sim.running import RunResult, run
from sim.store.runs import read_run, write_run

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"
# long enough to observe 12-month retention (13 periods of 30 days), small enough to be quick
SIZE = {"reps": 3, "seed": 7, "consumers": 500, "steps": 400}


@dataclass(frozen=True)
class Runs:
    """The baseline and the better-onboarding what-if, run with the same seed."""

    base: Path
    whatif: Path

    @property
    def result(self) -> RunResult:
        return read_run(self.base)


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    root = tmp_path_factory.mktemp("runs")
    base = write_run(run(SCENARIOS / "baseline.toml", **SIZE), root / "baseline")
    whatif = write_run(
        run(SCENARIOS / "whatif_better_onboarding.toml", **SIZE), root / "onboarding"
    )
    return Runs(base, whatif)


@pytest.fixture(scope="session")
def result(runs: Runs) -> RunResult:
    """The baseline run, read back from its folder."""
    return runs.result


@pytest.fixture(scope="session")
def comparison_report(runs: Runs) -> Path:
    """report.html comparing the what-if with the baseline (every chart family)."""
    return write_report([runs.base, runs.whatif])
