"""Observed retention: both layouts, CSV and Parquet, the shipped cohorts, and every refusal."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calibration import CalibrationError
from calibration.observed import DataError, cohort_curve, read_observed

SHIPPED = Path(__file__).resolve().parents[2] / "calibration" / "data" / "fader_hardie_2007.csv"
# Fader & Hardie (2007), Table 1: share of each cohort still active, years 0-7.
PUBLISHED = {
    "regular": [1.0, 0.631, 0.468, 0.382, 0.326, 0.289, 0.262, 0.241],
    "high_end": [1.0, 0.869, 0.743, 0.653, 0.593, 0.551, 0.517, 0.491],
}


def write(tmp_path: Path, text: str, name: str = "observed.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path) -> str:
    with pytest.raises(DataError) as caught:
        read_observed(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert isinstance(caught.value, CalibrationError)
    return message.removeprefix(f"{path}: ")


def test_the_shipped_file_holds_the_published_cohorts() -> None:
    observed = read_observed(SHIPPED)
    assert observed["cohort"].unique(maintain_order=True).to_list() == list(PUBLISHED)
    for cohort, shares in PUBLISHED.items():
        assert cohort_curve(observed, cohort) == dict(enumerate(shares))


def test_shares_and_counts_read_alike(tmp_path: Path) -> None:
    shares = read_observed(write(tmp_path, "cohort,period,retained\na,0,1\na,1,0.6\na,2,0.45\n"))
    counts = read_observed(
        write(
            tmp_path, "cohort,period,active,size\na,0,200,200\na,1,120,200\na,2,90,200\n", "c.csv"
        )
    )
    assert shares["retained"].to_list() == counts["retained"].to_list() == [1.0, 0.6, 0.45]
    assert shares["size"].is_null().all()
    assert counts["size"].to_list() == [200.0, 200.0, 200.0]
    assert counts.columns == ["cohort", "period", "retained", "size"]


def test_parquet_reads_like_csv(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {"cohort": ["b", "b", "a", "a"], "period": [1, 2, 1, 2], "retained": [0.8, 0.7, 0.5, 0.4]}
    )
    frame.write_parquet(tmp_path / "o.parquet")
    frame.write_csv(tmp_path / "o.csv")
    from_parquet = read_observed(tmp_path / "o.parquet")
    assert from_parquet.equals(read_observed(tmp_path / "o.csv"))
    assert from_parquet["cohort"].to_list() == ["b", "b", "a", "a"]  # the file's order
    assert cohort_curve(from_parquet, "a") == {0: 1.0, 1: 0.5, 2: 0.4}


def test_rows_are_put_in_period_order_within_a_cohort(tmp_path: Path) -> None:
    observed = read_observed(write(tmp_path, "cohort,period,retained\na,2,0.4\na,0,1\na,1,0.5\n"))
    assert observed["period"].to_list() == [0, 1, 2]


BAD = {
    "missing column": ("cohort,period\na,0\n", "missing column 'retained'"),
    "missing count": ("cohort,period,active\na,0,5\n", "missing column 'size'"),
    "not a number": ("cohort,period,retained\na,0,1\na,1,lots\n", "'retained', line 3: 'lots'"),
    "blank value": ("cohort,period,retained\na,0,1\na,1,\n", "'retained', line 3: is missing"),
    "share above 1": ("cohort,period,retained\na,0,1.2\n", "line 2: 1.2 is outside [0, 1]"),
    "share below 0": ("cohort,period,retained\na,0,-0.1\n", "line 2: -0.1 is outside [0, 1]"),
    "fractional period": ("cohort,period,retained\na,0.5,1\n", "'period', line 2: 0.5 is not"),
    "rises": (
        "cohort,period,retained\na,0,1\na,1,0.5\na,2,0.6\n",
        "cohort 'a': retention rises from 0.5 at period 1 to 0.6 at period 2",
    ),
    "rises in counts": (
        "cohort,period,active,size\nb,0,10,10\nb,1,4,10\nb,2,6,10\n",
        "cohort 'b': retention rises from 0.4 at period 1 to 0.6 at period 2",
    ),
    "duplicate": (
        "cohort,period,retained\na,0,1\na,1,0.5\na,1,0.4\n",
        "cohort 'a', period 1 appears twice (lines 3 and 4)",
    ),
    "empty cohort": (
        "cohort,period,active,size\na,0,0,0\n",
        "cohort 'a', line 2: size is 0 (an empty cohort)",
    ),
    "unnamed cohort": ("cohort,period,retained\n ,0,1\n", "line 2: the cohort is empty (no name)"),
    "more active than size": (
        "cohort,period,active,size\na,0,11,10\n",
        "'active', line 2: 11 is more than the cohort's size",
    ),
    "no rows": ("cohort,period,retained\n", "has no rows of data"),
}


@pytest.mark.parametrize(("text", "problem"), BAD.values(), ids=BAD.keys())
def test_bad_data_is_refused_with_one_line(text: str, problem: str, tmp_path: Path) -> None:
    assert problem in refused(write(tmp_path, text))


def test_parquet_errors_name_rows(tmp_path: Path) -> None:
    path = tmp_path / "o.parquet"
    pl.DataFrame({"cohort": ["a", "a"], "period": [0, 1], "retained": [1.0, 1.5]}).write_parquet(
        path
    )
    assert refused(path) == "column 'retained', row 2: 1.5 is outside [0, 1]"


def test_unreadable_files_are_refused(tmp_path: Path) -> None:
    assert refused(tmp_path / "absent.csv") == "file does not exist"
    assert refused(write(tmp_path, "cohort,period,retained\n", "o.xlsx")) == (
        "not a .csv or .parquet file"
    )
    assert refused(write(tmp_path, "not parquet at all", "o.parquet")).startswith("cannot read it")


@settings(max_examples=40, deadline=None)
@given(
    shares=st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=8).map(
        lambda xs: sorted(xs, reverse=True)
    ),
    data=st.data(),
)
def test_any_falling_curve_is_read_back_and_any_rise_refused(
    shares: list[float], data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("curve")
    rows = "".join(f"c,{t},{s!r}\n" for t, s in enumerate(shares))
    observed = read_observed(write(folder, "cohort,period,retained\n" + rows))
    assert observed["retained"].to_list() == shares
    if len(shares) >= 2 and shares[0] > shares[-1]:
        t = data.draw(st.integers(1, len(shares) - 1))
        if shares[t - 1] > shares[t]:  # swap a strict fall into a rise
            risen = [*shares[: t - 1], shares[t], shares[t - 1], *shares[t + 1 :]]
            rows = "".join(f"c,{k},{s!r}\n" for k, s in enumerate(risen))
            assert "retention rises" in refused(write(folder, "cohort,period,retained\n" + rows))
