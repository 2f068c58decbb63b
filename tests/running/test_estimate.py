from __future__ import annotations

from pathlib import Path

import pytest

from sim.running.estimate import (
    Probe,
    estimate,
    estimate_from,
    human_bytes,
    human_seconds,
    probe,
)
from sim.scenario import load_scenario, resized

MARKET = Path(__file__).resolve().parents[1] / "experiments" / "moments.toml"


def test_runs_go_in_waves_over_the_workers() -> None:
    one = Probe(seconds=2.0, memory=100)
    assert estimate_from(one, 10, 1).seconds == 20.0
    assert estimate_from(one, 10, 4).seconds == 3 * 2.0 + 4.0  # 3 waves, then workers' start
    assert estimate_from(one, 10, 4).memory == 100


def test_a_probe_times_and_weighs_a_run() -> None:
    p = probe(load_scenario(MARKET))
    assert 0 < p.seconds < 60 and p.memory > 0
    assert estimate(load_scenario(MARKET), 3, 1).seconds > 0


def test_memory_grows_with_the_population() -> None:
    s = load_scenario(MARKET)
    small = probe(resized(s, consumers=1_000)).memory
    large = probe(resized(s, consumers=100_000)).memory
    assert large > small + 10_000_000  # well over 100 bytes per consumer


@pytest.mark.parametrize(
    ("seconds", "text"), [(0.2, "1 s"), (42, "42 s"), (200, "3 min"), (9000, "2.5 h")]
)
def test_human_seconds(seconds: float, text: str) -> None:
    assert human_seconds(seconds) == text


def test_human_bytes() -> None:
    assert human_bytes(35e6) == "35 MB"
    assert human_bytes(1.24e9) == "1.2 GB"
