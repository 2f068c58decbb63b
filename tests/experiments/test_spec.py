"""The experiment file: validated like a scenario, one line naming file, key path and problem."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sim.cli import main
from sim.experiments import ExperimentError, load_experiment
from tests.experiments.conftest import DOMINANT, FACTORS, IDLE

# (fields of the bad experiment file, the key path named, a fragment of the problem)
BAD = {
    "unknown factor path": (
        {"factors": {"brands.a.qualty": {"low": 1.0, "high": 2.0}}},
        'factors."brands.a.qualty"',
        "no field 'qualty' in brands.a (did you mean 'quality'?)",
    ),
    "unknown brand in path": (
        {"factors": {"brands.zz.price": {"low": 1.0, "high": 2.0}}},
        'factors."brands.zz.price"',
        "no field 'zz' in brands",
    ),
    "not numeric": (
        {"factors": {"network.kind": {"low": 1.0, "high": 2.0}}},
        'factors."network.kind"',
        "not a numeric field",
    ),
    "low >= high": (
        {"factors": {DOMINANT: {"low": 4.0, "high": 4.0}}},
        f'factors."{DOMINANT}"',
        "low (4) must be below high (4)",
    ),
    "bound outside the field": (
        {"factors": {DOMINANT: {"low": 1.0, "high": 7.0}}},
        f'factors."{DOMINANT}".high',
        "7 is refused: must be at most 5",
    ),
    "fractional level of an integer field": (
        {"factors": {"population.consumers": {"levels": [100, 150.5]}}},
        'factors."population.consumers"',
        "an integer field needs whole-number levels",
    ),
    "unknown design": ({"design": "sobel"}, "design", "unknown design 'sobel'"),
    "unknown KPI": (
        {"kpis": ["customers_end", "retention12"]},
        "kpis",
        "unknown KPI 'retention12' (did you mean 'retention_12'?)",
    ),
    "samples < 1": ({"samples": 0}, "samples", "must be at least 1, got 0"),
    "Sobol samples not a power of 2": ({"samples": 12}, "", "samples: a Sobol design needs"),
    "reps < 1": ({"reps": 0}, "reps", "must be at least 1, got 0"),
    "no factors": ({"factors": {}}, "factors", ""),
    "unknown key": ({"sample": 4}, "sample", "unknown key 'sample' (did you mean 'samples'?)"),
    "missing scenario": ({"scenario": "nope.toml"}, "scenario", "'nope.toml' does not exist"),
    "unknown brand": ({"brand": "c"}, "brand", "unknown brand 'c'"),
}


@pytest.mark.parametrize(("fields", "path", "problem"), BAD.values(), ids=BAD.keys())
def test_a_bad_experiment_file_is_one_error_naming_the_key_path(
    fields: dict, path: str, problem: str, experiment_file: Callable[..., Path]
) -> None:
    file = experiment_file(**fields)
    with pytest.raises(ExperimentError) as caught:
        load_experiment(file)
    assert caught.value.path.startswith(path)
    assert problem in caught.value.problem
    assert str(caught.value).startswith(f"{file}: ")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "case", ["unknown factor path", "low >= high", "unknown design", "unknown KPI", "samples < 1"]
)
def test_the_command_refuses_a_bad_file_with_one_line_and_writes_nothing(
    case: str,
    experiment_file: Callable[..., Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fields, path, problem = BAD[case]
    file = experiment_file(**fields)
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["experiment", str(file), "--workers", "1", "--out", str(tmp_path / "o")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err
    assert lines[0].startswith(f"error: {file}: {path}")
    assert problem in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no out folder, no results/


def test_a_good_file_resolves_the_scenario_and_its_overrides(
    experiment_file: Callable[..., Path],
) -> None:
    levels = {"levels": [100, 200]}
    file = experiment_file(factors={**FACTORS, "population.consumers": levels}, brand="b", reps=3)
    e = load_experiment(file, steps=20)
    assert e.name == "exp" and e.reps == 3 and e.brand == "b"
    assert e.scenario.time.steps == 20 and e.scenario.name == "tiny"
    assert list(e.factors) == [DOMINANT, IDLE, "population.consumers"]
    assert e.integer == frozenset({"population.consumers"})
    assert e.overrides({"population.consumers": 150.0, DOMINANT: 2.5}) == {
        "population.consumers": 150,
        DOMINANT: 2.5,
    }
    assert isinstance(e.overrides({"population.consumers": 150.0})["population.consumers"], int)


def test_the_brand_defaults_to_the_focal_brand(experiment_file: Callable[..., Path]) -> None:
    assert load_experiment(experiment_file()).brand == "a"
