from __future__ import annotations

from pathlib import Path

import pytest

from sim.running.estimate import estimate, human_bytes, human_seconds
from sim.scenario import load_scenario, resized

MARKET = Path(__file__).resolve().parents[1] / "experiments" / "moments.toml"


def test_more_runs_and_fewer_workers_take_longer() -> None:
    s = load_scenario(MARKET)
    one = estimate(s, 10, 1)
    assert one.seconds > 0 and one.memory > 0
    assert estimate(s, 40, 1).seconds > 3 * one.seconds
    assert estimate(s, 40, 4).seconds < estimate(s, 40, 1).seconds


def test_memory_grows_with_the_population() -> None:
    s = load_scenario(MARKET)
    small = estimate(resized(s, consumers=1_000), 1, 1).memory
    large = estimate(resized(s, consumers=100_000), 1, 1).memory
    assert large > small + 10_000_000  # well over 100 bytes per consumer


@pytest.mark.parametrize(
    ("seconds", "text"), [(0.2, "1 s"), (42, "42 s"), (200, "3 min"), (9000, "2.5 h")]
)
def test_human_seconds(seconds: float, text: str) -> None:
    assert human_seconds(seconds) == text


def test_human_bytes() -> None:
    assert human_bytes(35e6) == "35 MB"
    assert human_bytes(1.24e9) == "1.2 GB"
