"""Fixtures of the experiment tests: a tiny market (`tiny.toml`) and experiment files on it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import tomli_w

TINY = Path(__file__).resolve().parent / "tiny.toml"
DOMINANT = "brands.a.quality"  # drives brand a's customers
IDLE = "brands.a.touchpoints.idle.quality"  # a touchpoint that reaches no one

FACTORS = {DOMINANT: {"low": 1.5, "high": 4.5}, IDLE: {"low": 1.0, "high": 5.0}}


def experiment_text(**fields: object) -> str:
    """An experiment on tiny.toml (beside it) with the two factors, `fields` overriding."""
    data: dict[str, object] = {
        "scenario": "tiny.toml",
        "design": "sobol",
        "samples": 16,
        "reps": 1,
        "seed": 1,
        "kpis": ["customers_end", "margin"],
        "factors": FACTORS,
    }
    data.update(fields)
    return tomli_w.dumps({k: v for k, v in data.items() if v is not None})


@pytest.fixture
def experiment_file(tmp_path: Path) -> Callable[..., Path]:
    """Write an experiment file (and tiny.toml beside it) in tmp_path; returns its path."""
    shutil.copy(TINY, tmp_path / "tiny.toml")

    def write(name: str = "exp.toml", **fields: object) -> Path:
        path = tmp_path / name
        path.write_text(experiment_text(**fields), encoding="utf-8")
        return path

    return write
