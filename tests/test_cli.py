"""The `journey` command: bad input is refused with one line and exit status 2, nothing written."""

from __future__ import annotations

import ast
import inspect
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
import typer.main

from sim.cli import FLAGS, app, main
from sim.scenario import apply_overrides, load_scenario
from sim.store.runs import FILES

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
TINY = ["--consumers", "300", "--steps", "40", "--reps", "2"]

BASE = f'base = "{(SCENARIOS / "baseline.toml").as_posix()}"\n'
TV = "brands.aurora.touchpoints.tv_ad"


# (text of the bad file, key path the error names)
BAD_FILES = {
    "unknown key": (BASE + "[brands.aurora.touchpoints.tv_ad]\nreech = 0.1", TV + ".reech"),
    "wrong type": (BASE + '[population]\nconsumers = "many"', "population.consumers"),
    "probability": (BASE + "[brands.aurora]\nawareness = 1.5", "brands.aurora.awareness"),
    "negative count": (BASE + "[population]\nconsumers = -5", "population.consumers"),
    "negative duration": (BASE + "[smot]\nonboarding_steps = -1", "smot.onboarding_steps"),
    "unknown brand": (BASE + '[market]\nfocal = "aurroa"', "market.focal"),
    "unknown moment": (BASE + '[brands.aurora.touchpoints.tv_ad]\nmoment = "tmot"', TV + ".moment"),
    "schedule": (BASE + "[brands.aurora.touchpoints.tv_ad]\nstart = 9\nend = 3", TV + ".end"),
    "missing base": ('base = "no_such_base.toml"', "base"),
    "not TOML": ("name = = 1", ""),
    "promotion ending before it starts": (
        BASE + "[brands.aurora.promotions.v]\nstart = 2026-03-13\nend = 2026-02-14\n"
        "discount = 0.5\ntake_up = 0.3",
        "brands.aurora.promotions.v.end",
    ),
    "promotion discount of 1": (
        BASE + "[brands.aurora.promotions.v]\nstart = 50\nend = 60\ndiscount = 1.0\ntake_up = 0.3",
        "brands.aurora.promotions.v.discount",
    ),
    "promotion periods below 1": (
        BASE + "[brands.aurora.promotions.v]\nstart = 50\nend = 60\ndiscount = 0.5\n"
        "periods = 0\ntake_up = 0.3",
        "brands.aurora.promotions.v.periods",
    ),
    "promotion for an unknown audience": (
        BASE + "[brands.aurora.promotions.v]\nstart = 50\nend = 60\ndiscount = 0.5\n"
        'audience = "vip"\ntake_up = 0.3',
        "brands.aurora.promotions.v.audience",
    ),
    "promotion dated before time.start": (
        BASE + "[brands.aurora.promotions.v]\nstart = 2025-02-14\nend = 2026-03-13\n"
        "discount = 0.5\ntake_up = 0.3",
        "brands.aurora.promotions.v.start",
    ),
    "rate with an unknown unit": (
        BASE + '[brands.aurora.touchpoints.tv_ad]\nreach = { rate = 0.3, per = "hour" }',
        TV + ".reach.per",
    ),
}


def one_error_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize(("text", "path"), BAD_FILES.values(), ids=BAD_FILES.keys())
@pytest.mark.parametrize("command", ["run", "validate"])
def test_bad_scenario_file_is_refused_and_nothing_written(
    text: str,
    path: str,
    command: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text(text + "\n", encoding="utf-8")
    args = [command, str(bad)]
    if command == "run":
        args += ["--reps", "1", "--out", str(tmp_path / "run")]
    assert main(args) == 2
    captured = capsys.readouterr()
    line = one_error_line(captured.err)
    assert line.startswith(f"error: {bad}: {path}")
    assert captured.out == ""
    assert [p.name for p in tmp_path.iterdir()] == ["bad.toml"]  # no run folder, no results/


def test_bad_scenario_without_out_writes_no_results_folder(
    whatif: Callable[..., Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    bad = whatif("[time]\nsteps = 0", "bad.toml")
    assert main(["run", str(bad), *TINY]) == 2
    assert "time.steps: must be at least 1, got 0" in one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--reps", "0"], "--reps"),
        (["--reps", "abc"], "--reps"),
        (["--consumers", "-5"], "--consumers"),
        (["--consumers", "0"], "--consumers"),
        (["--steps", "0"], "--steps"),
        (["--steps", "1.5"], "--steps"),
        (["--seed", "-1"], "--seed"),
        (["--bogus"], "--bogus"),
    ],
)
def test_bad_command_line_value_is_refused(
    args: list[str],
    option: str,
    baseline_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(baseline_file), *args, "--out", str(tmp_path / "run")]) == 2
    assert option in one_error_line(capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []


def test_out_folder_that_is_not_empty_is_refused(
    baseline_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "keep.txt").write_text("mine")
    (tmp_path / "file").write_text("mine")
    for target in ("run", "file"):
        assert main(["run", str(baseline_file), *TINY, "--out", str(tmp_path / target)]) == 2
        assert "--out" in one_error_line(capsys.readouterr().err)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["file", "keep.txt", "run"]


@pytest.mark.parametrize("name", ["baseline.toml", "whatif_better_onboarding.toml"])
def test_validate_good_file(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(SCENARIOS / name)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert len(captured.out.splitlines()) == 1
    assert ": ok" in captured.out


def test_tiny_run_writes_the_run_folder(
    baseline_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "run"
    assert main(["run", str(baseline_file), *TINY, "--seed", "3", "--out", str(target)]) == 0
    printed = capsys.readouterr().out
    assert f"Results in {target}" in printed
    assert f"Report in {target / 'report.html'}" in printed
    assert sorted(p.name for p in target.iterdir()) == sorted([*FILES, "charts", "report.html"])
    assert len(list((target / "charts").glob("*.png"))) == 14
    expected = apply_overrides(
        load_scenario(baseline_file), {"population": {"consumers": 300}, "time": {"steps": 40}}
    )
    assert load_scenario(target / "scenario.toml") == expected
    manifest = json.loads((target / "manifest.json").read_text())
    assert (manifest["replications"], manifest["seed"]) == (2, 3)
    assert (manifest["consumers"], manifest["steps"]) == (300, 40)
    metrics = pl.read_parquet(target / "metrics.parquet")
    assert sorted(metrics["replication"].unique().to_list()) == [0, 1]


def test_ctrl_c_while_the_report_is_written_keeps_the_run_and_says_so(
    baseline_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def interrupted(*args: object, **kwargs: object) -> Path:
        raise KeyboardInterrupt

    monkeypatch.setattr("sim.report.page.write_report", interrupted)
    target = tmp_path / "run"
    assert main(["run", str(baseline_file), *TINY, "--out", str(target)]) == 130
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"interrupted: the results are in {target}, without a report; `journey report "
        f"{target}` writes it"
    )
    assert sorted(p.name for p in target.iterdir()) == sorted(FILES)


def test_tiny_run_of_a_whatif(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    whatif = SCENARIOS / "whatif_better_onboarding.toml"
    target = tmp_path / "run"
    assert main(["run", str(whatif), *TINY, "--no-report", "--out", str(target)]) == 0
    assert "Report in" not in capsys.readouterr().out
    assert sorted(p.name for p in target.iterdir()) == sorted(FILES)
    written = load_scenario(target / "scenario.toml")
    assert written.name == "better_onboarding"
    assert written.brands["aurora"].touchpoints["onboarding"].quality == 4.4


@pytest.fixture
def tiny_run(baseline_file: Path, tmp_path: Path) -> Path:
    """A run folder written without its report."""
    target = tmp_path / "run"
    assert main(["run", str(baseline_file), *TINY, "--no-report", "--out", str(target)]) == 0
    return target


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing", "{run}x: no such run folder"),
        ("incomplete", "{run}: incomplete run folder, missing reviews.parquet"),
        ("twice", "run folders: the same folder is given twice"),
        ("out is a file", "--out: {out} exists and is not a folder"),
        ("bad scenario", "{run}/scenario.toml: "),
    ],
)
def test_report_of_a_bad_run_folder_is_refused(
    case: str, message: str, tiny_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    out = tmp_path / "out"
    args = ["report", str(tiny_run)]
    if case == "missing":
        args = ["report", str(tiny_run), f"{tiny_run}x"]
    elif case == "incomplete":
        (tiny_run / "reviews.parquet").unlink()
    elif case == "twice":
        args.append(str(tiny_run))
    elif case == "out is a file":
        out.write_text("mine")
        args += ["--out", str(out)]
    else:
        (tiny_run / "scenario.toml").write_text("name = = 1\n")
    before = sorted(tmp_path.rglob("*"))
    assert main(args) == 2
    captured = capsys.readouterr()
    assert one_error_line(captured.err).startswith(
        "error: " + message.format(run=tiny_run, out=out)
    )
    assert captured.out == ""
    assert sorted(tmp_path.rglob("*")) == before


def test_report_of_two_runs_goes_inside_the_baseline(
    tiny_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other"
    shutil.copytree(tiny_run, other)
    out = tmp_path / "slides"
    assert main(["report", str(tiny_run), str(other), "--out", str(out)]) == 0
    assert f"Report in {out / 'report.html'}" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["charts", "report.html"]
    assert len(list((out / "charts").glob("*.svg"))) == 18


def test_report_kpi_leads_the_comparison_and_a_name_not_a_kpi_is_refused(
    tiny_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other"
    shutil.copytree(tiny_run, other)
    out = tmp_path / "by-revenue"
    assert main(["report", str(tiny_run), str(other), "--kpi", "revenue", "--out", str(out)]) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert re.search(r"<div class='tile'><h3>Revenue over the run</h3>", page)
    assert "aurora&#39;s revenue over the run" in page
    capsys.readouterr()
    assert main(["report", str(tiny_run), "--kpi", "happiness"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "--kpi" in line


def test_the_report_kpi_choices_are_the_reports_kpis() -> None:
    from sim.cli import ReportKpi
    from sim.report.kpis import REPORT_KPIS

    assert tuple(k.value for k in ReportKpi) == REPORT_KPIS


@pytest.mark.slow
def test_real_process_refuses_bad_file_with_one_line(
    whatif: Callable[..., Path], tmp_path: Path
) -> None:
    """The installed command, in its own process: exit status 2 and one line, nothing written.

    Slower than the others (a fresh interpreter imports Mesa), so only this one.
    """
    bad = whatif("[brands.aurora.touchpoints.tv_ad]\nreach = 1.5", "bad.toml")
    done = subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", str(bad), "--reps", "1", "--out", "run"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    line = one_error_line(done.stderr)
    assert line == (
        f"error: {bad}: brands.aurora.touchpoints.tv_ad.reach: "
        "must be a probability in [0, 1], got 1.5"
    )
    assert done.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]


def test_run_takes_as_many_workers_as_memory_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --workers, `journey run` uses every core it may (at most one a replication),
    fewer when memory holds fewer runs at once, one when it holds one or none (then refused)."""
    from sim import cli
    from sim.running import estimate

    s = load_scenario(SCENARIOS / "baseline.toml")
    one = estimate.memory_needed(s)
    for available, expected in ((10 * one, 4), (2 * one + 1, 2), (one, 1), (one // 2, 1)):
        monkeypatch.setattr(estimate, "memory_available", lambda a=available: a)
        assert cli._workers_that_fit(s, 4) == expected


def test_commands_take_one_process_a_core_as_memory_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    """`run`, `experiment` and `moments` without --workers: a process per core (for `run`, at
    most one per replication), fewer when memory holds fewer runs; --workers as given (then
    refused if it does not fit)."""
    from sim import cli
    from sim.running import estimate

    s = load_scenario(SCENARIOS / "baseline.toml")
    monkeypatch.setattr(cli.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(estimate, "memory_available", lambda: 10 * estimate.memory_needed(s))
    assert cli._local_workers(s, None) == 4
    assert cli._local_workers(s, None, runs=3) == 3
    assert cli._local_workers(s, 7) == 7
    monkeypatch.setattr(estimate, "memory_available", lambda: 2 * estimate.memory_needed(s) + 1)
    assert cli._local_workers(s, None) == 2
    assert cli._local_workers(s, 3) == 3


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("kernels", ["cached", "compiling"])
def test_ctrl_c_during_a_run_leaves_no_results_folder(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, kernels: str, workers: str
) -> None:
    """SIGINT mid-run: exit status 130, a one-line notice, and no folder (not even a partial);
    also while numba is still compiling the kernels (an empty cache, as on a fresh clone), and
    with two workers (compiling: while the fork server warms up, and no worker starts after)."""
    import os
    import signal
    import time

    env = dict(os.environ)
    if kernels == "compiling":
        env["NUMBA_CACHE_DIR"] = str(tmp_path_factory.mktemp("numba"))
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "sim.cli", "run", str(SCENARIOS / "baseline.toml")),
            *("--reps", "50", "--workers", workers),
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(6)  # past the imports (a few seconds); a cold compile takes longer still
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    interrupted = time.monotonic()
    _, stderr = proc.communicate(timeout=60)
    assert time.monotonic() - interrupted < 10, "the command went on after Ctrl-C"
    assert proc.returncode == 130
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1] == "interrupted: nothing was written"
    assert list(tmp_path.iterdir()) == []


# --- journey calibrate ----------------------------------------------------------------------

BAD_DATA = {
    "missing column": ("cohort,period\na,0\n", "missing column 'retained'"),
    "not a number": ("cohort,period,retained\na,0,1\na,1,lots\n", "'lots' is not a number"),
    "share above 1": ("cohort,period,retained\na,0,1\na,1,1.2\n", "1.2 is outside [0, 1]"),
    "rises": (
        "cohort,period,retained\na,0,1\na,1,0.5\na,2,0.6\n",
        "cohort 'a': retention rises from 0.5 at period 1 to 0.6 at period 2",
    ),
    "duplicate": (
        "cohort,period,retained\na,0,1\na,1,0.5\na,1,0.4\n",
        "cohort 'a', period 1 appears twice (lines 3 and 4)",
    ),
    "empty cohort": ("cohort,period,active,size\na,0,0,0\n", "size is 0 (an empty cohort)"),
}
ANNUAL = SCENARIOS / "annual_subscription.toml"


@pytest.mark.parametrize(("text", "problem"), BAD_DATA.values(), ids=BAD_DATA.keys())
def test_calibrate_refuses_bad_data_with_one_line_and_writes_nothing(
    text: str,
    problem: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "observed.csv"
    data.write_text(text, encoding="utf-8")
    assert main(["calibrate", str(ANNUAL), "--data", str(data), "--trials", "2"]) == 2
    captured = capsys.readouterr()
    line = one_error_line(captured.err)
    assert line.startswith(f"error: {data}: ")
    assert problem in line
    assert captured.out == ""
    assert [p.name for p in tmp_path.iterdir()] == ["observed.csv"]  # no results/, no study


FADER = Path(__file__).resolve().parents[1] / "calibration" / "data" / "fader_hardie_2007.csv"
SAMPLER_CHOICES = "'annealing' is not one of 'tpe', 'cmaes', 'random', 'qmc'"


@pytest.mark.parametrize(
    ("args", "start"),
    [
        (["--fit-periods", "4-1"], "--fit-periods: need 1 <= FIRST <= LAST, got '4-1'"),
        (["--fit-periods", "x"], "--fit-periods: expected FIRST-LAST such as 1-4, got 'x'"),
        (["--fit-periods", "1-9"], "--fit-periods: 1-9 needs periods 0-9, but cohort 'regular'"),
        (["--horizon", "2"], "--horizon: must be at least the last fit period (4), got 2"),
        (["--horizon", "abc"], "Invalid value for '--horizon'"),
        (["--cohort", "nobody"], f"--cohort: no cohort 'nobody' in {FADER}"),
        (["--study", "../up"], "--study: '../up' cannot name a folder"),
        (["--storage", "nosuchdb://x"], "--storage: cannot open nosuchdb://x: "),
        (["--trials", "0"], "Invalid value for '--trials'"),
        (["--reps", "0"], "Invalid value for '--reps'"),
        (["--workers", "0"], "Invalid value for '--workers'"),
        (["--seed", "-1"], "Invalid value for '--seed'"),
        (["--sampler", "annealing"], "Invalid value for '--sampler'"),
        (["--cohort-size", "0"], "Invalid value for '--cohort-size'"),
    ],
)
def test_calibrate_refuses_bad_options(
    args: list[str],
    start: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whoever checks it (Typer or the library), the one line names the flag."""
    monkeypatch.chdir(tmp_path)
    command = ["calibrate", str(ANNUAL), "--data", str(FADER), "--cohort", "regular"]
    assert main([*command, "--cohort-size", "1000", *args]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert line.startswith(f"error: {start}")
    if args[0] == "--sampler":
        assert SAMPLER_CHOICES in line
    assert list(tmp_path.iterdir()) == []


def test_calibrate_on_several_cohorts_asks_for_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["calibrate", str(ANNUAL), "--data", str(FADER)]) == 2
    assert one_error_line(capsys.readouterr().err) == (
        f"error: --cohort: {FADER} holds cohorts regular, high_end; choose one"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "difference"),
    [
        (["--reps", "3"], "--reps (2, now 3)"),
        (["--fit-periods", "1-3"], "--fit-periods ('1-4', now '1-3')"),
        (["--seed", "7"], "--seed (0, now 7)"),
    ],
)
def test_calibrate_refuses_to_mix_a_study_made_otherwise(
    args: list[str], difference: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A study made with --reps 2 (and the defaults) is not continued with other settings."""
    from calibration.calibrate import plan
    from calibration.study import open_study, setup_of

    url = f"sqlite:///{tmp_path / 's.db'}"
    p = plan(
        ANNUAL, FADER, cohort="regular", cohort_size=1000, reps=2, storage=url, study="s",
        root=tmp_path,
    )  # fmt: skip
    open_study(url, "s", setup_of(p.problem, 2, 0, str(FADER), "regular"), "tpe", 0)
    command = ["calibrate", str(ANNUAL), "--data", str(FADER), "--cohort", "regular"]
    command += ["--cohort-size", "1000"]
    assert main([*command, "--reps", "2", "--storage", url, "--study", "s", *args]) == 2
    assert one_error_line(capsys.readouterr().err) == (
        f"error: study 's' in {url} was made with a different {difference}; "
        "give another --study to start afresh"
    )
    assert [p.name for p in tmp_path.iterdir()] == ["s.db"]


def test_calibrate_on_shares_needs_the_cohort_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The band holds a cohort's sampling noise, so a file of shares needs its size."""
    monkeypatch.chdir(tmp_path)
    assert main(["calibrate", str(ANNUAL), "--data", str(FADER), "--cohort", "regular"]) == 2
    assert one_error_line(capsys.readouterr().err) == (
        f"error: --cohort-size: {FADER} gives shares for cohort 'regular', not counts: give the "
        "number of customers it started with (the prediction band holds a cohort that size's "
        "noise)"
    )
    assert list(tmp_path.iterdir()) == []


def test_every_calibration_setting_has_its_flag() -> None:
    """FLAGS maps each setting of the library's plan() to the calibrate option that gives it."""
    from calibration.calibrate import plan

    assert set(FLAGS) == set(inspect.signature(plan).parameters) - {"scenario", "root"}
    command = typer.main.get_command(app).commands["calibrate"]
    options = {p.name: p.opts for p in command.params}
    assert {setting: options[setting] for setting in FLAGS} == {s: [f] for s, f in FLAGS.items()}


def test_calibrate_needs_free_parameters(
    baseline_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "observed.csv"
    data.write_text("cohort,period,retained\na,0,1\na,1,0.5\n", encoding="utf-8")
    assert main(["calibrate", str(baseline_file), "--data", str(data)]) == 2
    assert "calibration: no free parameters" in one_error_line(capsys.readouterr().err)


# --- only the command line knows its flags ------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
FLAG = re.compile(r"--[a-z]")


def library_modules() -> list[Path]:
    modules = sorted([*(ROOT / "calibration").rglob("*.py"), *(ROOT / "sim").rglob("*.py")])
    return [m for m in modules if m != ROOT / "sim" / "cli.py"]


def test_no_library_module_speaks_in_flags() -> None:
    """No string in calibration/ or sim/ (docstrings included) but sim/cli.py holds a flag."""
    modules = library_modules()
    assert ROOT / "calibration" / "calibrate.py" in modules
    found = [
        f"{module.relative_to(ROOT)}:{node.lineno}: {node.value!r}"
        for module in modules
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        if FLAG.search(node.value)
    ]
    assert found == []


def test_library_errors_name_settings_the_command_line_knows() -> None:
    """Every setting a CalibrationError is raised about has a flag (or is the scenario)."""
    named = [
        (module.relative_to(ROOT), node.args[0].value)
        for module in library_modules()
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        if node.func.id == "CalibrationError" and node.args
        if isinstance(node.args[0], ast.Constant) and node.args[0].value is not None
    ]
    assert len(named) >= 10
    assert [(m, s) for m, s in named if s not in FLAGS] == []


MARKET = Path(__file__).resolve().parent / "experiments" / "moments.toml"


@pytest.mark.slow
def test_moments_ranks_touchpoints_writes_effects_and_a_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "m"
    args = ["moments", str(MARKET), "--reps", "3", "--workers", "1", "--kpi", "customers_end"]
    assert main([*args, "--seed", "7", "--out", str(target)]) == 0
    said = capsys.readouterr().out
    assert "The ad is a's moment of truth: removing it would cut customers at the end" in said
    assert "runs (" in said and "per worker" in said  # the estimate line before running
    effects = pl.read_parquet(target / "effects.parquet")
    required = {"target", "moment", "change", "kpi", "mean", "lower", "upper", "rank"}
    assert required <= set(effects.columns)
    assert {"moment:zmot", "moment:umot", "ad", "helpdesk"} <= set(effects["target"])
    page = (target / "report.html").read_text(encoding="utf-8")
    assert "Moments of truth: a" in page and "tornado_touchpoints" in page
    assert "<dt>Customers at the end</dt>" in page and "<dt>Touchpoint spending</dt>" in page
    assert sorted(p.suffix for p in (target / "charts").iterdir()).count(".png") >= 3
    # `journey report` knows a moments folder
    assert main(["report", str(target), "--out", str(tmp_path / "again")]) == 0
    assert "tornado_moments" in (tmp_path / "again" / "report.html").read_text(encoding="utf-8")
    # ranked on another KPI the analysis measured; one it did not is refused in one line
    assert main(["report", str(target), "--kpi", "margin", "--out", str(tmp_path / "m2")]) == 0
    again = (tmp_path / "m2" / "report.html").read_text(encoding="utf-8")
    assert "Margin over the run: touchpoints" in again
    effects.filter(pl.col("kpi") != "rating").write_parquet(target / "effects.parquet")
    capsys.readouterr()
    assert main(["report", str(target), "--kpi", "rating", "--out", str(tmp_path / "m3")]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "no effects on rating" in line and not (tmp_path / "m3").exists()
    (target / "effects.parquet").write_bytes(b"not parquet")
    capsys.readouterr()
    assert main(["report", str(target), "--out", str(tmp_path / "broken")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not (tmp_path / "broken").exists()


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--brand", "zeta"], "--brand"),
        (["--kpi", "happiness"], "--kpi"),
        (["--reps", "1"], "--reps"),
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "--scheduler"),
    ],
)
def test_moments_refuses_bad_options_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], named: str
) -> None:
    target = tmp_path / "m"
    assert main(["moments", str(MARKET), *args, "--out", str(target)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and named in lines[0]
    assert not target.exists()


def test_the_moments_kpi_choices_are_the_rankings_kpis() -> None:
    from sim.cli import MomentKpi
    from sim.experiments.moments import MOMENT_KPIS

    assert tuple(k.value for k in MomentKpi) == MOMENT_KPIS


@pytest.mark.parametrize("command", ["run", "moments"])
def test_runs_the_memory_cannot_hold_are_refused_before_any_work(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    import sim.running.estimate as estimate

    monkeypatch.setattr(estimate, "memory_available", lambda: 300_000_000)  # 300 MB free
    target = tmp_path / "out"
    args = [command, str(MARKET), "--consumers", "1000000", "--out", str(target)]
    assert main(args) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "population.consumers: 1,000,000 consumers need about" in line
    assert "at most about" in line
    assert not target.exists()


def test_validate_explain_shows_units_and_dates(
    whatif: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = whatif(
        "[time]\nstart = 2026-01-01\n[brands.aurora.touchpoints.tv_ad]\n"
        'reach = { rate = 0.3, per = "week" }\nstart = 2026-02-14\n'
    )
    assert main(["validate", str(path), "--explain"]) == 0
    out = capsys.readouterr().out
    assert f"{TV}.reach: 0.3 per week -> 0.0496" in out
    assert f"{TV}.start: 2026-02-14 -> step 45" in out


def _words(text: str) -> str:
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


@pytest.mark.parametrize("command", sorted(typer.main.get_command(app).commands))
def test_help_shows_every_parameter_help_whole(command: str) -> None:
    """Help is rich markup: a bracketed word such as "[calibration]" left unescaped is taken
    for a tag and vanishes from the help a user reads."""
    from typer.testing import CliRunner

    shown = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "400"})
    assert shown.exit_code == 0, shown.output
    page = _words(shown.output)
    params = typer.main.get_command(app).commands[command].params
    for param in params:
        written = getattr(param, "help", None)
        if written:
            assert _words(written.replace("\\[", "[")) in page, (param.name, written)
