"""`benchmarks/facts_table.py` on stub measurements (no simulation): the table it builds, its
replacement of the marked table in `docs/model.md`, and its agreement with the document."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import facts_table
from benchmarks.facts_table import END, FACTS, GROUPS, START, Sizes

DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"


def doc_rows(doc: str) -> dict[str, list[str]]:
    """The fact rows of the marked table in `doc`: fact name -> its five cells."""
    lines = facts_table.table_block(doc).splitlines()
    rows = [line for line in lines if line.startswith("| ")][1:]  # the header is not a fact
    cells = [[c.strip() for c in row.strip("|").split(" | ")] for row in rows]
    return {c[0]: c for c in cells}


def stub_groups() -> dict[str, facts_table.Measure]:
    """Every measurement replaced by one returning `stub <fact>` for its facts, instantly."""

    def stub(group: str) -> facts_table.Measure:
        names = [f.name for f in FACTS if f.group == group]
        return lambda sizes: {name: f"stub {name}" for name in names}

    return {group: stub(group) for group in GROUPS}


def test_every_fact_row_in_the_document_has_an_entry_in_the_script() -> None:
    rows = doc_rows(DOC.read_text(encoding="utf-8"))
    assert list(rows) == [f.name for f in FACTS]
    for fact in FACTS:  # sources, targets and commands: the script's data is the document's
        _, source, target, _, command = rows[fact.name]
        assert (source, target, command) == (fact.source, fact.target, fact.command)
    assert {f.group for f in FACTS} == set(GROUPS)


def test_rendering_the_documents_own_values_gives_the_document_back() -> None:
    doc = DOC.read_text(encoding="utf-8")
    measured = {name: cells[3] for name, cells in doc_rows(doc).items()}
    foot = facts_table.table_block(doc).rstrip("\n").splitlines()[-1]
    assert facts_table.replace_table(doc, facts_table.render(measured, foot)) == doc


def test_write_replaces_only_the_marked_table(tmp_path: Path, capsys) -> None:
    original = DOC.read_bytes()
    doc = tmp_path / "model.md"
    doc.write_bytes(original)
    facts_table.main(["--quick", "--write", "--doc", str(doc)], groups=stub_groups())
    printed = capsys.readouterr().out
    written = doc.read_bytes()
    head, tail = original.split(START.encode())[0], original.split(END.encode())[1]
    assert written.startswith(head + START.encode()) and written.endswith(END.encode() + tail)
    table = written[len(head) + len(START) : len(written) - len(tail) - len(END)].decode()
    assert table == "\n" + printed
    for fact in FACTS:
        assert f"| stub {fact.name} |" in table
    assert "`uv run python benchmarks/facts_table.py --quick --write --doc " in table
    # the stub table written back over itself changes nothing more
    assert facts_table.replace_table(written.decode(), printed).encode() == written


def test_a_missing_measurement_or_marker_is_an_error() -> None:
    groups = stub_groups()
    groups["bass"] = lambda sizes: {}
    with pytest.raises(AssertionError, match="no measurement"):
        facts_table.measure_all(Sizes(quick=True), groups)
    with pytest.raises(ValueError, match="facts:start"):
        facts_table.replace_table("no markers here\n", "| table |\n")


def test_sizes_default_to_the_tables_and_give_way_to_options() -> None:
    assert Sizes().n(10_000, 2000) == 10_000 and Sizes().k(4) == 4
    assert Sizes(quick=True).n(10_000, 2000) == 2000 and Sizes(quick=True).k(4) == 2
    assert Sizes(consumers=500, seeds=7).n(10_000, 2000) == 500
    assert Sizes(quick=True, seeds=7).k(4) == 7
    assert Sizes().n(None, 2000) is None  # the scenario's own population
