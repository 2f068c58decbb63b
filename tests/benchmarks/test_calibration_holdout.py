"""`benchmarks/calibration_holdout.py`'s store: runs merged as they end, by key, under a lock,
so two benchmarks at once keep each other's runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import calibration_holdout as holdout

ROOT = Path(__file__).resolve().parents[2]


def run(seed: int, variant: str = "tolerance", mae: float = 1.0) -> dict:
    return {"variant": variant, "cohort": "regular", "fit_periods": "1-4", "trials": 200,
            "reps": 5, "seed": seed, "mae_journey": mae}  # fmt: skip


def test_a_run_is_added_or_replaces_the_one_of_its_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(holdout, "STORE", tmp_path / "store.json")
    holdout.record([run(0), run(1)])
    holdout.record([run(1, mae=2.0)], {"by_variant": {}})
    stored = json.loads((tmp_path / "store.json").read_text())
    assert [(r["seed"], r["mae_journey"]) for r in stored["runs"]] == [(0, 1.0), (1, 2.0)]
    assert stored["last_summary"] == {"by_variant": {}}
    holdout.record([run(2)])  # a summary is kept until another replaces it
    assert json.loads((tmp_path / "store.json").read_text())["last_summary"] == {"by_variant": {}}


def test_two_benchmarks_recording_at_once_keep_each_others_runs(tmp_path: Path) -> None:
    store = tmp_path / "store.json"
    writer = (
        "import sys; from pathlib import Path; from benchmarks import calibration_holdout as h\n"
        "h.STORE = Path(sys.argv[1])\n"
        "for s in range(40):\n"
        "    h.record([{'variant': sys.argv[2], 'cohort': 'c', 'fit_periods': '1-4',\n"
        "               'trials': 1, 'reps': 1, 'seed': s}])\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", writer, str(store), v], cwd=ROOT)
        for v in ("a", "b")
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    runs = json.loads(store.read_text())["runs"]
    assert sorted((r["variant"], r["seed"]) for r in runs) == [
        (v, s) for v in ("a", "b") for s in range(40)
    ]


@pytest.mark.parametrize("name", list(holdout.VARIANTS))
def test_every_variant_is_a_scenario_freeing_its_own_parameters(name: str, tmp_path: Path) -> None:
    """The shipped variant is the shipped file itself; the others are built from it, each with
    its own heterogeneity (a churn propensity or not) and [calibration] table."""
    from sim.scenario import load_scenario

    path = holdout.variant_file(name, tmp_path)
    assert (path == holdout.SCENARIO) == (name == holdout.SHIPPED)
    s = load_scenario(path)
    _, propensity, free = holdout.VARIANTS[name]
    assert list(s.calibration) == [list(holdout.FREE)[i] for i in free]
    members = s.population.segments["members"]
    assert (members.churn_propensity is None) == (propensity is None)
    if propensity is not None:
        assert s.retention.base == 0.0
