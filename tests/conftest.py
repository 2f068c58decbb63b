"""Fixtures shared by the scenario and command-line tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.fixture
def baseline_file() -> Path:
    return SCENARIOS / "baseline.toml"


@pytest.fixture
def whatif(tmp_path: Path, baseline_file: Path) -> Callable[..., Path]:
    """Write a what-if on the baseline with `body` as its overrides; returns its path."""

    def write(body: str, name: str = "whatif.toml") -> Path:
        path = tmp_path / name
        path.write_text(f'base = "{baseline_file.as_posix()}"\n{body}\n', encoding="utf-8")
        return path

    return write
