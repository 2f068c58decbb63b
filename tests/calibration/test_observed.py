"""Observed retention: both layouts, CSV and Parquet, the shipped cohorts, and every refusal."""

from __future__ import annotations

from collections.abc import Callable
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
    assert (caught.value.setting, caught.value.file) == (None, path)  # about the file
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


# --- more of the same: the shipped file against its own text, and the rest of the refusals ---


def test_the_shipped_file_is_read_as_written() -> None:
    """Every row of the shipped CSV, parsed independently, is in the frame (period 0 = 1)."""
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "cohort,period,retained"
    rows = [line.split(",") for line in lines[1:] if line.strip()]
    observed = read_observed(SHIPPED)
    assert observed.height == len(rows)
    expected = [(c, int(t), float(r)) for c, t, r in rows]
    assert observed.select("cohort", "period", "retained").rows() == expected
    assert observed["size"].is_null().all()
    start = observed.filter(pl.col("period") == 0)
    assert start["cohort"].to_list() == ["regular", "high_end"]
    assert start["retained"].to_list() == [1.0, 1.0]


MORE_BAD = {
    "negative period": ("cohort,period,retained\na,-1,1\n", "'period', line 2: -1 is not a whole"),
    "period in words": ("cohort,period,retained\na,one,1\n", "'period', line 2: 'one' is not a"),
    "infinite share": ("cohort,period,retained\na,0,inf\n", "'retained', line 2: 'inf' is not a"),
    "NaN share": ("cohort,period,retained\na,0,NaN\n", "'retained', line 2: 'NaN' is not a"),
    "missing period": ("cohort,period,retained\na,,1\n", "'period', line 2: is missing"),
    "count not a number": (
        "cohort,period,active,size\na,0,10,ten\n",
        "column 'size', line 2: 'ten' is not a number",
    ),
    "negative count": (
        "cohort,period,active,size\na,0,-1,10\n",
        "'active', line 2: -1 is negative",
    ),
    "fractional count": (
        "cohort,period,active,size\na,0,10,10\na,1,4.5,10\n",
        "column 'active', line 3: 4.5 is not a whole number",
    ),
    "fractional size": (
        "cohort,period,active,size\na,0,1,10.5\n",
        "column 'size', line 2: 10.5 is not a whole number",
    ),
    "empty cohort later on": (
        "cohort,period,active,size\na,0,10,10\nb,0,5,5\nb,1,0,0\n",
        "cohort 'b', line 4: size is 0 (an empty cohort)",
    ),
    "unnamed cohort in counts": (
        "cohort,period,active,size\na,0,5,5\n,1,3,5\n",
        "line 3: the cohort is empty (no name)",
    ),
    "missing cohort column": ("period,retained\n0,1\n", "missing column 'cohort'"),
    "duplicate after sorting": (
        "cohort,period,retained\nb,1,0.5\na,0,1\nb,0,1\nb,1,0.5\n",
        "cohort 'b', period 1 appears twice (lines 2 and 5)",
    ),
    "rise over a gap in periods": (
        "cohort,period,retained\na,0,1\na,3,0.2\na,5,0.5\n",
        "cohort 'a': retention rises from 0.2 at period 3 to 0.5 at period 5",
    ),
    "rise in the second cohort": (
        "cohort,period,retained\nx,0,1\nx,1,0.3\ny,0,1\ny,1,0.4\ny,2,0.45\n",
        "cohort 'y': retention rises from 0.4 at period 1 to 0.45 at period 2",
    ),
    "ragged rows": ("cohort,period,retained\na,0,1,5\n", "cannot read it: "),
    "empty file": ("", "cannot read it: "),
}


ALL_BAD = {**BAD, **MORE_BAD}


@pytest.mark.parametrize(("text", "problem"), ALL_BAD.values(), ids=ALL_BAD.keys())
def test_bad_data_is_refused_with_one_line(text: str, problem: str, tmp_path: Path) -> None:
    assert problem in refused(write(tmp_path, text))


def test_the_missing_column_message_lists_both_layouts_and_what_was_found(tmp_path: Path) -> None:
    problem = refused(write(tmp_path, "cohort,period,share\na,0,1\n"))
    assert problem == (
        "missing column 'retained' (expected cohort, period, retained "
        "or cohort, period, active, size; found cohort, period, share)"
    )


def test_the_first_bad_line_is_the_one_named(tmp_path: Path) -> None:
    text = "cohort,period,retained\na,0,1\na,1,x\na,2,y\n"
    assert refused(write(tmp_path, text)) == "column 'retained', line 3: 'x' is not a number"


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("cohort,period,retained\ncaf\xe9,0,1\n".encode("latin-1"))
    assert refused(path).startswith("cannot read it: ")


def test_a_folder_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "folder.csv").mkdir()
    assert refused(tmp_path / "folder.csv") == "file does not exist"


def test_parquet_refusals_name_rows_not_lines(tmp_path: Path) -> None:
    path = tmp_path / "o.parquet"
    frame = {"cohort": ["a", "a", "a"], "period": [0, 1, 1], "retained": [1.0, 0.5, 0.4]}
    pl.DataFrame(frame).write_parquet(path)
    assert refused(path) == "cohort 'a', period 1 appears twice (rows 2 and 3)"
    pl.DataFrame({"cohort": [None, "a"], "period": [0, 1], "retained": [1.0, 0.5]}).write_parquet(
        path
    )
    assert refused(path) == "row 1: the cohort is empty (no name)"
    pl.DataFrame({"cohort": ["a"], "period": [0], "active": [0], "size": [0]}).write_parquet(path)
    assert refused(path) == "cohort 'a', row 1: size is 0 (an empty cohort)"


def test_falls_between_cohorts_are_not_rises(tmp_path: Path) -> None:
    """Rows of two cohorts interleaved: each is checked on its own, kept in the file's order."""
    text = "cohort,period,retained\nb,0,1\na,0,1\nb,1,0.2\na,1,0.5\nb,2,0.1\n"
    observed = read_observed(write(tmp_path, text))
    assert observed.rows() == [
        ("b", 0, 1.0, None),
        ("b", 1, 0.2, None),
        ("b", 2, 0.1, None),
        ("a", 0, 1.0, None),
        ("a", 1, 0.5, None),
    ]
    assert cohort_curve(observed, "a") == {0: 1.0, 1: 0.5}


def test_lenient_about_spacing_case_bom_and_extra_columns(tmp_path: Path) -> None:
    text = "\ufeffcohort,period,retained,note\n a , 0 , 1 ,start\na,1, 0.5 ,\n"
    observed = read_observed(write(tmp_path, text, "o.CSV"))
    assert observed.rows() == [("a", 0, 1.0, None), ("a", 1, 0.5, None)]


def test_shares_win_when_both_layouts_are_present(tmp_path: Path) -> None:
    text = "cohort,period,retained,active,size\na,0,1,junk,0\na,1,0.5,junk,0\n"
    assert read_observed(write(tmp_path, text))["retained"].to_list() == [1.0, 0.5]


def test_counts_keep_each_rows_size(tmp_path: Path) -> None:
    text = "cohort,period,active,size\na,0,80,80\na,1,40,80\nb,0,3,3\nb,1,1,3\n"
    observed = read_observed(write(tmp_path, text))
    assert observed["size"].to_list() == [80.0, 80.0, 3.0, 3.0]
    assert observed["retained"].to_list() == [1.0, 0.5, 1.0, 1 / 3]


def test_numeric_cohort_names_in_parquet_are_text(tmp_path: Path) -> None:
    path = tmp_path / "o.parquet"
    pl.DataFrame({"cohort": [2019, 2019], "period": [0, 1], "retained": [1.0, 0.7]}).write_parquet(
        path
    )
    observed = read_observed(path)
    assert observed["cohort"].to_list() == ["2019", "2019"]
    assert cohort_curve(observed, "2019") == {0: 1.0, 1: 0.7}


def test_cohort_curve_fills_in_period_zero_but_keeps_a_given_one(tmp_path: Path) -> None:
    text = "cohort,period,retained\nlate,2,0.4\nlate,1,0.6\nfull,0,0.95\nfull,1,0.9\n"
    observed = read_observed(write(tmp_path, text))
    late = cohort_curve(observed, "late")
    assert late == {0: 1.0, 1: 0.6, 2: 0.4}
    assert list(late) == [0, 1, 2]
    assert cohort_curve(observed, "full") == {0: 0.95, 1: 0.9}
    assert cohort_curve(observed, "nobody") == {0: 1.0}


@settings(max_examples=40, deadline=None)
@given(
    size=st.integers(1, 10_000),
    data=st.data(),
)
def test_any_falling_counts_are_read_as_shares(
    size: int, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    active = sorted(data.draw(st.lists(st.integers(0, size), min_size=1, max_size=8)), reverse=True)
    rows = "".join(f"k,{t},{n},{size}\n" for t, n in enumerate(active))
    path = write(tmp_path_factory.mktemp("counts"), "cohort,period,active,size\n" + rows)
    observed = read_observed(path)
    assert observed["retained"].to_list() == [n / size for n in active]
    assert observed["size"].to_list() == [float(size)] * len(active)


@settings(max_examples=40, deadline=None)
@given(
    shares=st.lists(st.floats(0, 0.99), min_size=2, max_size=8).map(
        lambda xs: sorted(xs, reverse=True)
    ),
    data=st.data(),
)
def test_any_rise_is_refused_naming_its_periods(
    shares: list[float], data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    t = data.draw(st.integers(1, len(shares) - 1), label="period that rises")
    risen = data.draw(st.floats(shares[t - 1], 1, exclude_min=True), label="its share")
    shares = [*shares[:t], risen, *shares[t + 1 :]]  # the only rise: t-1 -> t
    rows = "".join(f"c,{k},{s!r}\n" for k, s in enumerate(shares))
    path = write(tmp_path_factory.mktemp("rise"), "cohort,period,retained\n" + rows)
    problem = refused(path)
    assert problem.startswith(f"cohort 'c': retention rises from {shares[t - 1]:.4g} at period")
    assert problem.endswith(f"at period {t - 1} to {risen:.4g} at period {t}")


# --- through the command line: exit status 2, one line, nothing written ----------------------

ANNUAL = SHIPPED.parents[2] / "scenarios" / "annual_subscription.toml"


def _bad_parquet(path: Path) -> None:
    pl.DataFrame({"cohort": ["a", "a"], "period": [0, 1], "retained": [1.0, 1.5]}).write_parquet(
        path
    )


UNREADABLE = {
    "no such file": ("absent.csv", None, "file does not exist"),
    "not csv or parquet": ("observed.xlsx", "cohort,period,retained\n", "not a .csv or .parquet"),
    "corrupt parquet": ("observed.parquet", "not parquet at all", "cannot read it: "),
    "bad value in parquet": ("observed.parquet", _bad_parquet, "row 2: 1.5 is outside [0, 1]"),
    "negative count": ("observed.csv", "cohort,period,active,size\na,0,-1,5\n", "-1 is negative"),
}


@pytest.mark.parametrize(("name", "content", "problem"), UNREADABLE.values(), ids=UNREADABLE)
def test_calibrate_refuses_unreadable_data_and_writes_nothing(
    name: str,
    content: str | Callable[[Path], None] | None,
    problem: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sim.cli import main

    monkeypatch.chdir(tmp_path)
    data = tmp_path / name
    if isinstance(content, str):
        data.write_text(content, encoding="utf-8")
    elif content is not None:
        content(data)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["calibrate", str(ANNUAL), "--data", str(data), "--trials", "2"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"error: {data}: ")
    assert problem in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no results/, no study


# --- files that once broke the reader ------------------------------------------------------


def test_a_parquet_file_with_a_list_column_is_read_or_refused_as_data(tmp_path: Path) -> None:
    path = tmp_path / "o.parquet"
    pl.DataFrame(
        {"cohort": ["a", "a"], "period": [0, 1], "retained": [1.0, 0.5], "tags": [[1], [2, 3]]}
    ).write_parquet(path)
    try:
        observed = read_observed(path)
    except DataError:
        return
    assert observed["retained"].to_list() == [1.0, 0.5]


def test_a_line_break_inside_a_field_does_not_break_the_message(tmp_path: Path) -> None:
    refused(write(tmp_path, 'cohort,period,retained\na,0,"1\n2"\n'))
