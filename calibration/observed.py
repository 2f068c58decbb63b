"""Observed cohort retention: the table a calibration is fitted to, read and checked.

Tidy CSV or Parquet, one row per cohort and period: `cohort, period, retained` (a share) or
`cohort, period, active, size` (counts). Anything wrong is one `DataError` naming the file, the
line or cohort, and the problem.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from calibration import CalibrationError

__all__ = ["DataError", "cohort_curve", "cohort_size", "read_observed"]

SHARES = ("cohort", "period", "retained")
MAX_PERIOD = 1000  # renewal periods after acquisition: centuries of annual renewals
COUNTS = ("cohort", "period", "active", "size")


class DataError(CalibrationError):
    """Observed data that cannot be used: about the file rather than a setting, so str() is
    "<file>: <problem>", the one line shown to the user."""

    def __init__(self, file: str | Path, problem: str) -> None:
        super().__init__(None, f"{file}: {problem}")
        self.args = (file, problem)
        self.file = Path(file)


def _read(path: Path) -> tuple[pl.DataFrame, int]:
    """The file's rows as text, and the line number of its first row (CSV) or 1 (Parquet)."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise DataError(path, "not a .csv or .parquet file")
    if not path.is_file():
        raise DataError(path, "file does not exist")
    try:
        if suffix == ".csv":
            return pl.read_csv(path, infer_schema=False), 2
        frame = pl.read_parquet(path)
        # Only the columns used are read as text: others may be of any type, lists included.
        used = [c for c in (*COUNTS, "retained") if c in frame.columns]
        return frame.select(pl.col(used).cast(pl.String)), 1
    except (pl.exceptions.PolarsError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(path, f"cannot read it: {first}") from None


def read_observed(path: str | Path) -> pl.DataFrame:
    """Read and check observed retention: columns cohort, period, retained, size (null for shares).

    Refused: a missing column, a value that is not a number, a share outside [0, 1], counts that
    do not fit (active above size, size 0: an empty cohort), a repeated (cohort, period), a blank
    cohort name, and retention that rises from one period to the next.
    """
    path = Path(path)
    raw, first_line = _read(path)
    unit = "line" if first_line == 2 else "row"
    if raw.height == 0:
        raise DataError(path, "has no rows of data")
    columns = COUNTS if "retained" not in raw.columns and "active" in raw.columns else SHARES
    for column in columns:
        if column not in raw.columns:
            raise DataError(
                path,
                f"missing column '{column}' (expected {', '.join(SHARES)} "
                f"or {', '.join(COUNTS)}; found {', '.join(raw.columns)})",
            )
    raw = raw.with_row_index("line", offset=first_line)

    blank = raw.filter(pl.col("cohort").str.strip_chars().fill_null("") == "")
    if blank.height:
        raise DataError(path, f"{unit} {blank['line'][0]}: the cohort is empty (no name)")
    numbers = {}
    for column in columns[1:]:
        value = pl.col(column).str.strip_chars().cast(pl.Float64, strict=False)
        bad = raw.filter(value.is_null() | ~value.is_finite())
        if bad.height:
            text = bad[column][0]
            shown = " ".join(text.split()) if text else ""  # the message stays on one line
            what = f"'{shown}' is not a number" if shown else "is missing"
            raise DataError(path, f"column '{column}', {unit} {bad['line'][0]}: {what}")
        numbers[column] = value
    data = raw.select("line", pl.col("cohort").str.strip_chars(), **numbers)

    def refuse(condition: pl.Expr, column: str, problem: str) -> None:
        bad = data.filter(condition)
        if bad.height:
            row = bad.row(0, named=True)
            raise DataError(
                path, f"column '{column}', {unit} {row['line']}: {row[column]:g} {problem}"
            )

    whole = pl.col("period") == pl.col("period").floor()
    refuse(
        ~whole | (pl.col("period") < 0), "period", "is not a whole number of periods (0, 1, 2 ...)"
    )
    refuse(pl.col("period") > MAX_PERIOD, "period", f"is beyond {MAX_PERIOD} renewal periods")
    if columns == SHARES:
        refuse(~pl.col("retained").is_between(0, 1), "retained", "is outside [0, 1]")
        data = data.with_columns(size=pl.lit(None, pl.Float64))
    else:
        for column in ("active", "size"):
            refuse(pl.col(column) != pl.col(column).floor(), column, "is not a whole number")
            refuse(pl.col(column) < 0, column, "is negative")
        empty = data.filter(pl.col("size") == 0)
        if empty.height:
            row = empty.row(0, named=True)
            raise DataError(
                path, f"cohort '{row['cohort']}', {unit} {row['line']}: size is 0 (an empty cohort)"
            )
        refuse(pl.col("active") > pl.col("size"), "active", "is more than the cohort's size")
        data = data.with_columns(retained=pl.col("active") / pl.col("size"))
    data = (  # cohorts in the file's order, each by period
        data.with_columns(
            pl.col("period").cast(pl.Int64), first=pl.col("line").min().over("cohort")
        )
        .sort("first", "period", "line")
        .drop("first")
    )

    twice = data.filter(pl.struct("cohort", "period").is_duplicated())
    if twice.height:
        a, b = twice.row(0, named=True), twice.row(1, named=True)
        raise DataError(
            path,
            f"cohort '{a['cohort']}', period {a['period']} appears twice "
            f"({unit}s {a['line']} and {b['line']})",
        )
    rising = data.with_columns(
        before=pl.col("retained").shift(1).over("cohort"),
        period_before=pl.col("period").shift(1).over("cohort"),
    ).filter(pl.col("retained") > pl.col("before"))
    if rising.height:
        r = rising.row(0, named=True)
        raise DataError(
            path,
            f"cohort '{r['cohort']}': retention rises from {r['before']:.4g} at period "
            f"{r['period_before']} to {r['retained']:.4g} at period {r['period']}",
        )
    return data.select("cohort", "period", "retained", "size")


def cohort_curve(observed: pl.DataFrame, cohort: str) -> dict[int, float]:
    """One cohort's observed retention by period, with period 0 (everyone) filled in."""
    rows = observed.filter(pl.col("cohort") == cohort)
    curve = dict(zip(rows["period"].to_list(), rows["retained"].to_list(), strict=True))
    curve.setdefault(0, 1.0)
    return dict(sorted(curve.items()))


def cohort_size(observed: pl.DataFrame, cohort: str) -> int | None:
    """One cohort's size, when the file gives counts (the largest `size` of its rows); None when
    it gives shares only."""
    sizes = observed.filter(pl.col("cohort") == cohort)["size"].drop_nulls()
    return int(sizes.max()) if sizes.len() else None
