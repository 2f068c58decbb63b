"""Every bound is checked before any work (issue "Reliability and security", its bounds
section): each reproduction is refused with one line and exit status 2, and nothing is written.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
ANNUAL = ROOT / "scenarios" / "annual_subscription.toml"
DATA = ROOT / "calibration" / "data" / "fader_hardie_2007.csv"
BRAND = "[brands.a]\n"

FILES = {
    "a trillion consumers": ("[population]\nconsumers = 1_000_000_000_000\n" + BRAND, "consumers"),
    "a billion steps": ("[time]\nsteps = 1_000_000_000\n" + BRAND, "time.steps"),
    "Poisson mean 1e300": (
        "[population.segments.s]\nreviews_read = { dist = 'poisson', mean = 1e300 }\n" + BRAND,
        "reviews_read",
    ),
    "a degree beyond reason": ("[network]\nmean_degree = 1e9\n" + BRAND, "network.mean_degree"),
    "300-character name": (f'name = "{"n" * 300}"\n' + BRAND, "name"),
    "TOML nested 5,000 deep": (
        "x = " + "[" * 5000 + "]" * 5000 + "\n" + BRAND,
        "nested too deeply",
    ),
    "calibrating steps to 1e12": (
        BRAND + '[calibration]\n"time.steps" = { low = 1, high = 1e12 }\n',
        'calibration."time.steps".high',
    ),
}


@pytest.mark.parametrize(("text", "says"), FILES.values(), ids=FILES.keys())
def test_a_scenario_beyond_a_bound_is_refused_by_validate_and_run(
    text: str, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    file = tmp_path / "s.toml"
    file.write_text(text)
    for command in (["validate", str(file)], ["run", str(file), "--reps", "1"]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("error: ") and says in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]


def test_a_chain_of_a_thousand_base_files_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "s0.toml").write_text(BRAND)
    for i in range(1, 1000):
        (tmp_path / f"s{i}.toml").write_text(f'base = "s{i - 1}.toml"\n')
    assert main(["validate", str(tmp_path / "s999.toml")]) == 2
    assert "more than 32 base files in a chain" in capsys.readouterr().err


ARGS = {
    "--reps 1e20": (["run", "--reps", "99999999999999999999"], "--reps"),
    "--reps 1e9": (["run", "--reps", "1000000000"], "--reps"),
    "--consumers 2**70": (["run", "--consumers", str(2**70)], "--consumers"),
    "--steps 1e9": (["run", "--steps", "1000000000"], "--steps"),
    "run --seed 2**32": (["run", "--seed", str(2**32)], "--seed"),
    "calibrate --seed 2**32": (
        [
            "calibrate",
            str(ANNUAL),
            "--data",
            str(DATA),
            "--cohort",
            "regular",
            "--seed",
            str(2**32),
        ],
        "--seed",
    ),
    "calibrate --reps 1e20": (
        ["calibrate", str(ANNUAL), "--data", str(DATA), "--cohort", "regular", "--reps", "1e20"],
        "--reps",
    ),
    "calibrate --horizon 1e11": (
        [
            "calibrate",
            str(ANNUAL),
            "--data",
            str(DATA),
            "--cohort",
            "regular",
            "--horizon",
            "100000000000",
        ],
        "--horizon",
    ),
}


@pytest.mark.parametrize(("args", "flag"), ARGS.values(), ids=ARGS.keys())
def test_a_command_line_value_beyond_a_bound_is_refused(
    args: list[str], flag: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and flag in err, err
    assert list(tmp_path.iterdir()) == []


def test_an_observed_period_beyond_reason_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "d.csv"
    data.write_text("cohort,period,retained\na,0,1\na,100000000000,0.5\n")
    assert main(["calibrate", str(ANNUAL), "--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert "is beyond 1000 renewal periods" in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv"]
