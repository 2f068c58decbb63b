"""End to end through the API: parameter recovery, the study's folder, resuming a finished study."""

from __future__ import annotations

import json
import pickle
import tomllib
from pathlib import Path

import polars as pl
import pytest

from calibration import CalibrationError, StudyMismatch
from calibration.calibrate import Outcome, calibrate, plan
from sim.running import run
from sim.scenario import load_scenario
from tests.calibration.conftest import SIZE, TRUTH

TRIALS, REPS = 16, 2


@pytest.fixture(scope="session")
def recovered(small: Path, truth_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    root = tmp_path_factory.mktemp("calibration")
    p = plan(
        small, truth_data, fit_periods="1-3", trials=TRIALS, reps=REPS, cohort_size=SIZE, root=root
    )
    return calibrate(p)


@pytest.mark.slow
def test_recovers_the_parameter_that_made_the_data(recovered: Outcome) -> None:
    """Data simulated at retention.base = 1.2 (other seeds): the accepted range holds the truth
    and is much narrower than the search range [-1, 3]."""
    row = recovered.parameters.row(0, named=True)
    assert row["parameter"] == "retention.base"
    assert row["low"] <= TRUTH["retention.base"] <= row["high"]
    assert row["high"] - row["low"] < 0.5
    assert row["low"] <= row["best"] <= row["high"]
    assert recovered.noise_floor > 0
    assert recovered.accepted["trial"].to_list().count(recovered.best_trial) == 1


@pytest.mark.slow
def test_writes_the_study_folder(recovered: Outcome) -> None:
    out = recovered.plan.out
    for name in (
        "trials.parquet",
        "accepted.parquet",
        "recheck.parquet",
        "parameters.parquet",
        "correlations.parquet",
        "forecast.parquet",
        "holdout.parquet",
        "calibrated.toml",
        "summary.json",
    ):
        assert (out / name).stat().st_size > 0, name
    trials = pl.read_parquet(out / "trials.parquet")
    assert (trials["state"] == "complete").sum() == recovered.plan.total_trials == TRIALS + 4
    # a fifth more than the sampler's, drawn from the posterior in two rounds
    assert trials.filter(pl.col("stage") == "posterior").height == 4
    forecast = pl.read_parquet(out / "forecast.parquet")
    assert forecast.columns == ["cohort", "period", "mean", "lower", "upper"]
    assert forecast["period"].to_list() == list(range(7))  # horizon: last observed period
    assert (forecast["lower"] <= forecast["upper"]).all()
    holdout = pl.read_parquet(out / "holdout.parquet")
    assert holdout["period"].to_list() == [4, 5, 6]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["trials_completed"] == TRIALS + 4
    assert summary["holdout_mae_points"]["journey"] == pytest.approx(recovered.mae[0])
    assert not list(out.parent.glob(".*partial"))


@pytest.mark.slow
def test_charts_open_offline(recovered: Outcome) -> None:
    charts = recovered.plan.out / "charts"
    for name in ("fit", "history", "importance"):
        html = (charts / f"{name}.html").read_text(encoding="utf-8")
        assert "<script src=" not in html  # Vega is inlined, nothing fetched
        assert "vega" in html.lower()
        assert (charts / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (charts / f"{name}.svg").read_text(encoding="utf-8").startswith("<svg")


def test_calibrated_toml_is_a_runnable_whatif(recovered: Outcome) -> None:
    path = recovered.plan.out / "calibrated.toml"
    assert tomllib.loads(path.read_text())["retention"]["base"] == recovered.best["retention.base"]
    scenario = load_scenario(path)
    assert scenario.name == "small_calibrated"
    assert scenario.retention.base == recovered.best["retention.base"]
    assert run(scenario, reps=1, consumers=200, steps=24).cohorts.height > 0


@pytest.mark.slow
def test_same_command_on_a_finished_study_runs_no_new_trial(
    recovered: Outcome, small: Path, truth_data: Path
) -> None:
    p = recovered.plan
    again = calibrate(
        plan(
            small,
            truth_data,
            fit_periods="1-3",
            trials=TRIALS,
            reps=REPS,
            cohort_size=SIZE,
            root=p.out.parent,
        )
    )
    assert again.simulations == 0
    assert again.recheck_simulations == 0  # the recheck is stored in the study, not redone
    assert again.rechecked.equals(recovered.rechecked)
    assert again.trials.equals(recovered.trials)
    assert again.best == recovered.best
    assert again.forecast.equals(recovered.forecast)  # the analysis is deterministic


def test_a_study_made_with_other_settings_is_not_mixed_in(
    recovered: Outcome, small: Path, truth_data: Path
) -> None:
    p = plan(
        small, truth_data, fit_periods="1-3", trials=TRIALS, reps=3, cohort_size=SIZE,
        root=recovered.plan.out.parent,
    )  # fmt: skip
    with pytest.raises(StudyMismatch) as err:
        calibrate(p)
    assert str(err.value) == (
        f"study '{p.study}' in {p.storage} was made with a different reps (2, now 3); "
        "give another study to start afresh"
    )
    assert (err.value.setting, err.value.stored, err.value.now) == ("reps", 2, 3)


@pytest.mark.parametrize(
    ("options", "setting", "problem"),
    [
        ({"fit_periods": "x"}, "fit_periods", "expected FIRST-LAST such as 1-4, got 'x'"),
        ({"fit_periods": "3-2"}, "fit_periods", "need 1 <= FIRST <= LAST, got '3-2'"),
        (
            {"fit_periods": "1-9"},
            "fit_periods",
            "1-9 needs periods 0-9, but cohort 'synthetic' in ",
        ),
        ({"horizon": 2, "fit_periods": "1-3"}, "horizon", "must be at least the last fit period"),
        ({"cohort": "regular"}, "cohort", "no cohort 'regular' in "),
        ({"trials": 0}, "trials", "must be between 1 and 100,000, got 0"),
        ({"reps": -1}, "reps", "must be between 1 and 1,000, got -1"),
        ({"workers": 0}, "workers", "must be between 1 and 256, got 0"),
        ({"seed": -1}, "seed", "must be between 0 and 4294967295, got -1"),
        ({"seed": 2**32}, "seed", "must be between 0 and 4294967295, got 4294967296"),
        ({"reps": 10**20}, "reps", "must be between 1 and 1,000, got 100000000000000000000"),
        ({"sampler": "grid"}, "sampler", "unknown sampler 'grid'; one of tpe, cmaes, random, qmc"),
        ({"study": "../up"}, "study", "'../up' cannot name a folder"),
        ({"cohort_size": 0}, "cohort_size", "must be between 1 and 100,000,000, got 0"),
        (
            {},
            "cohort_size",
            "",
        ),
    ],
)
def test_bad_settings_are_refused_before_anything_is_written(
    small: Path, truth_data: Path, tmp_path: Path, options: dict, setting: str, problem: str
) -> None:
    """The library names the setting by its keyword, never by a command-line flag."""
    with pytest.raises(CalibrationError) as err:
        plan(small, truth_data, root=tmp_path / "calibration", **{"cohort_size": None, **options})
    assert err.value.setting == setting
    assert err.value.problem.startswith(problem)
    assert str(err.value) == f"{setting}: {err.value.problem}"
    assert "\n" not in str(err.value)
    assert "--" not in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_a_fit_period_without_an_observation_is_named(small: Path, truth_data: Path) -> None:
    with pytest.raises(CalibrationError) as err:
        plan(small, truth_data, fit_periods="1-9")
    assert str(err.value) == (
        f"fit_periods: 1-9 needs periods 0-9, but cohort 'synthetic' in {truth_data} has no "
        "observation at period 7"
    )


def test_several_cohorts_need_a_choice(small: Path, tmp_path: Path) -> None:
    data = Path(__file__).resolve().parents[2] / "calibration" / "data" / "fader_hardie_2007.csv"
    with pytest.raises(CalibrationError) as err:
        plan(small, data, root=tmp_path)
    assert str(err.value) == f"cohort: {data} holds cohorts regular, high_end; choose one"
    assert (
        plan(small, data, cohort="high_end", cohort_size=1000, root=tmp_path).observed[1] == 0.869
    )


def test_the_cohort_size_comes_from_counts_or_is_given(small: Path, tmp_path: Path) -> None:
    """Counts give the size; shares need it given; a given size must agree with the counts."""
    counts = tmp_path / "counts.csv"
    counts.write_text("cohort,period,active,size\nc,0,800,800\nc,1,500,800\nc,2,400,800\n")
    assert plan(small, counts, fit_periods="1-1", root=tmp_path).cohort_size == 800
    assert plan(small, counts, fit_periods="1-1", cohort_size=800, root=tmp_path).target.size == 800
    with pytest.raises(CalibrationError) as err:
        plan(small, counts, fit_periods="1-1", cohort_size=1000, root=tmp_path)
    assert str(err.value) == f"cohort_size: cohort 'c' in {counts} has 800 customers, not 1,000"
    shares = tmp_path / "shares.csv"
    shares.write_text("cohort,period,retained\nc,0,1\nc,1,0.6\nc,2,0.5\n")
    with pytest.raises(CalibrationError) as err:
        plan(small, shares, fit_periods="1-1", root=tmp_path)
    assert str(err.value).startswith(f"cohort_size: {shares} gives shares for cohort 'c', not")
    assert plan(small, shares, fit_periods="1-1", cohort_size=250, root=tmp_path).cohort_size == 250


def test_an_error_names_its_settings_as_it_is_told() -> None:
    """str() names settings as the library does; message(name) lets a front end use its words."""
    flags = {"reps": "--reps", "study": "--study"}.__getitem__
    plain = CalibrationError("reps", "must be at least 1, got 0")
    assert str(plain) == "reps: must be at least 1, got 0"
    assert plain.message(flags) == "--reps: must be at least 1, got 0"
    about_a_file = CalibrationError(None, "x.toml: calibration: no free parameters")
    assert str(about_a_file) == about_a_file.message(flags) == about_a_file.problem
    mismatch = StudyMismatch("s", "sqlite:///s.db", "reps", 2, 3)
    assert mismatch.message(flags) == (
        "study 's' in sqlite:///s.db was made with a different --reps (2, now 3); "
        "give another --study to start afresh"
    )
    for error in (plain, about_a_file, mismatch):
        again = pickle.loads(pickle.dumps(error))
        assert (type(again), str(again), again.setting) == (
            type(error),
            str(error),
            error.setting,
        )


@pytest.mark.slow
def test_several_cohorts_are_calibrated_in_one_command(
    small: Path, truth_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--cohort repeated: one study and one folder per cohort, each fitted to its own data."""
    from sim.cli import main

    synthetic = pl.read_csv(truth_data)
    lower = synthetic.with_columns(  # 10 % fewer retained after period 0
        cohort=pl.lit("lower"),
        retained=pl.when(pl.col("period") > 0).then(0.9).otherwise(1.0) * pl.col("retained"),
    )
    data = tmp_path / "two.csv"
    pl.concat([synthetic, lower]).write_csv(data)
    monkeypatch.chdir(tmp_path)
    args = ["calibrate", str(small), "--data", str(data), "--fit-periods", "1-3"]
    args += ["--trials", "6", "--reps", "1", "--cohort-size", "1000"]
    assert main([*args, "--cohort", "synthetic", "--cohort", "lower", "--study", "x"]) == 2
    assert main([*args, "--cohort", "synthetic", "--cohort", "lower"]) == 0
    folders = tmp_path / "results" / "calibration"
    first, second = (
        json.loads((folders / f"small-{c}" / "summary.json").read_text())
        for c in ("synthetic", "lower")
    )
    assert (first["cohort"], second["cohort"]) == ("synthetic", "lower")
    assert first["trials_completed"] == second["trials_completed"] == 6 + 2
    mean = {  # the forecast curve's mean level after period 0 (a few trials barely separate
        # the two inside the fit periods, where the same trials come close to both)
        c: pl.read_parquet(folders / f"small-{c}" / "forecast.parquet")
        .filter(pl.col("period") > 0)["mean"]
        .mean()
        for c in ("synthetic", "lower")
    }
    assert mean["lower"] < mean["synthetic"]  # 10 % fewer retained: a lower fitted curve
