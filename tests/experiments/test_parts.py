"""Parts: whole files per task, the runs done read back from them, consolidated in order."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from sim.experiments.parts import (
    PartsMismatchError,
    consolidate,
    done_runs,
    has_plan,
    open_parts,
    write_part,
)


def frame(runs: list[tuple[int, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(p, r, k, float(p * 10 + r)) for p, r in runs for k in ("margin", "customers_end")],
        schema=["point", "replication", "kpi", "value"],
        orient="row",
    )


def test_parts_are_read_back_and_consolidated_in_order(tmp_path: Path) -> None:
    parts = tmp_path / "parts"
    open_parts(parts, {"seed": 1})
    assert done_runs(parts) == set() and consolidate(parts).height == 0
    later, first = [(2, 0), (2, 1)], [(0, 0), (0, 1), (1, 0)]
    write_part(parts, later, frame(later))
    write_part(parts, first, frame(first))
    (parts / ".part-p0000003-r00000-n1.parquet.x.partial").write_bytes(b"half")  # killed writer
    assert done_runs(parts) == {*later, *first}
    out = consolidate(parts)
    assert out.schema == pl.Schema(
        {"point": pl.Int32, "replication": pl.Int32, "kpi": pl.String, "value": pl.Float64}
    )
    keys = out.select("point", "replication", "kpi").rows()
    assert keys == sorted(keys) and len(keys) == 10
    open_parts(parts, {"seed": 1})  # resuming the same plan removes the temporaries
    assert not list(parts.glob(".*"))


def test_a_parts_folder_belongs_to_one_plan(tmp_path: Path) -> None:
    parts = tmp_path / "parts"
    assert not has_plan(parts, {"seed": 1})
    open_parts(parts, {"seed": 1})
    assert has_plan(parts, {"seed": 1})
    with pytest.raises(PartsMismatchError):
        open_parts(parts, {"seed": 2})
