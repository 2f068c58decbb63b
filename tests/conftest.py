"""Fixtures shared by the scenario and command-line tests."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

import pytest

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def pytest_configure(config: pytest.Config) -> None:
    """A test run started in the background (`uv run pytest &`) inherits Ctrl-C ignored, and so
    would every command the Ctrl-C tests start; a Python handler is reset to the default in a
    child, so installing Python's own makes them hear it again."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


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
