"""Every Python example in the README runs as shown: a reader who pastes one gets no error."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def python_blocks(text: str) -> list[str]:
    """The ```python blocks of a Markdown text, in order."""
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.M | re.S)


BLOCKS = python_blocks(README.read_text(encoding="utf-8"))


def test_the_readme_has_python_examples_and_they_parse() -> None:
    assert len(BLOCKS) >= 2
    for block in BLOCKS:
        compile(block, "README.md", "exec")


@pytest.mark.slow
@pytest.mark.parametrize("block", BLOCKS, ids=[f"example-{i}" for i in range(1, len(BLOCKS) + 1)])
def test_every_python_example_in_the_readme_runs(
    block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run in a fresh folder beside a link to the scenarios, as from a clone's root; what it
    writes (results/) stays in the temporary folder."""
    os.symlink(ROOT / "scenarios", tmp_path / "scenarios")
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "README.md", "exec"), {"__name__": "__readme__"})
    if "write_report" in block:
        assert (tmp_path / "results" / "base" / "compare-onboarding" / "report.html").is_file()
