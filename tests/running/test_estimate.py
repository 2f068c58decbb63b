from __future__ import annotations

from pathlib import Path

import pytest

import sim.running.estimate as estimates
from sim.running.estimate import (
    Probe,
    estimate,
    estimate_from,
    human_bytes,
    human_seconds,
    memory_needed,
    probe,
    too_big,
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


def test_memory_needed_grows_with_consumers_and_network() -> None:
    s = load_scenario(MARKET)
    small, large = memory_needed(resized(s, consumers=1_000)), memory_needed(resized(s, 100_000))
    assert large - small == pytest.approx(99_000 * estimates.BYTES_PER_CONSUMER, rel=0.01)


def test_the_probe_agrees_with_the_static_estimate_within_a_factor_of_two() -> None:
    s = resized(load_scenario(MARKET), consumers=20_000)
    measured = estimates.probe(s).memory - estimates._resident()
    static = memory_needed(s) - estimates.BASE_MEMORY
    assert static / 2 < measured < static * 2


def test_too_big_names_the_room_left(monkeypatch: pytest.MonkeyPatch) -> None:
    s = resized(load_scenario(MARKET), consumers=2_000_000)
    monkeypatch.setattr(estimates, "memory_available", lambda: 1_000_000_000)
    problem = too_big(s)
    assert problem is not None and "2,000,000 consumers need about" in problem
    room = int(problem.split("at most about ")[1].split(" ")[0].replace(",", ""))
    assert memory_needed(resized(s, consumers=room)) <= 1_000_000_000
    assert too_big(resized(s, consumers=room)) is None
    assert too_big(resized(s, consumers=room), workers=2) is not None
    monkeypatch.setattr(estimates, "memory_available", lambda: None)  # cannot tell: let it run
    assert too_big(s) is None
