"""Shared helpers for the verification tests (Rand & Rust 2011: verification and validation)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import Scenario, load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    return load_scenario(SCENARIOS / "baseline.toml")


@pytest.fixture(scope="session")
def scenarios_dir() -> Path:
    return SCENARIOS
