"""The one atomic writer: an output appears whole or not at all, and a failure keeps the old."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.store.atomic import OutputError, atomic_folder, write_atomic


def test_a_folder_appears_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "run"
    with atomic_folder(target) as tmp:
        (tmp / "a.txt").write_text("a")
        assert not target.exists()
    assert (target / "a.txt").read_text() == "a"
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_a_failure_leaves_nothing_behind(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt), atomic_folder(tmp_path / "run") as tmp:
        (tmp / "a.txt").write_text("a")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_replace_swaps_a_folder_and_a_failure_keeps_the_old(tmp_path: Path) -> None:
    target = tmp_path / "study"
    with atomic_folder(target) as tmp:
        (tmp / "old.txt").write_text("old")
    with pytest.raises(RuntimeError), atomic_folder(target, replace=True) as tmp:
        (tmp / "new.txt").write_text("new")
        raise RuntimeError("half-way")
    assert [p.name for p in target.iterdir()] == ["old.txt"]
    with atomic_folder(target, replace=True) as tmp:
        (tmp / "new.txt").write_text("new")
    assert [p.name for p in target.iterdir()] == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["study"]


def test_without_replace_an_occupied_folder_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "run"
    target.mkdir()
    (target / "x").write_text("x")
    with pytest.raises(OutputError), atomic_folder(target) as tmp:
        (tmp / "a.txt").write_text("a")
    assert [p.name for p in target.iterdir()] == ["x"]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_a_file_is_replaced_whole_and_readable_by_others(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "page.html"
    write_atomic(path, "first")
    write_atomic(path, b"second")
    assert path.read_text() == "second"
    assert path.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in path.parent.iterdir()] == ["page.html"]
