"""The sentence on each scenario of a comparison: what it is worth, then what it moved most.

An executive reading eight what-ifs wants the money first, not the effect with the tightest
interval (a campaign that adds 9,719 of revenue is not "a 0.11 higher acquisition cost"). So a
scenario's sentence leads with one KPI — margin, unless the reader names another — and then
gives its largest other effects, largest first by size relative to the baseline (a 4-point gain
on 49 % retention is 8 %), each with its 90 % interval and whether it is better, worse or within
the noise (its interval holds zero) for that KPI's good direction (`sim.report.kpis`).

Everything here is a pure function of the effects given, so the choice is tested on made-up
differences; `sim.report.page` feeds it the comparison's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sim.report.kpis import KPIS, SAME_AS, better_way, format_diff, kpi_title, verdict
from sim.scenario import Scenario

__all__ = ["LARGEST", "Effect", "largest", "lead_effect", "scenario_sentence"]

LARGEST = 2
"""How many effects the sentence names after the lead KPI."""


@dataclass(frozen=True)
class Effect:
    """A scenario's difference from the baseline on one KPI of one brand: the mean, its 90 %
    interval, and the baseline's mean (to size it against)."""

    kpi: str
    mean: float
    lower: float | None
    upper: float | None
    base: float | None = None

    @property
    def verdict(self) -> str:
        """'better', 'worse', or 'noise' when the interval holds zero."""
        return verdict(self.kpi, self.lower, self.upper)

    @property
    def relative(self) -> float | None:
        """The difference as a share of the baseline's value (None when that is 0 or
        unknown): what makes a change in customers comparable with one in rating."""
        if self.base is None or self.base != self.base or self.base == 0:
            return None
        return self.mean / abs(self.base)


def _name(kpi: str) -> str:
    return SAME_AS.get(kpi, kpi)


def lead_effect(effects: Sequence[Effect], lead: str) -> Effect | None:
    """The effect on the lead KPI, if it was measured."""
    return next((e for e in effects if _name(e.kpi) == _name(lead)), None)


def largest(effects: Sequence[Effect], lead: str, n: int = LARGEST) -> list[Effect]:
    """The `n` effects other than the lead KPI's that are largest relative to the baseline;
    effects that cannot be sized that way (baseline 0) come after, in the order of `KPIS`."""
    order = {k: i for i, k in enumerate(KPIS)}
    others = [e for e in effects if _name(e.kpi) != _name(lead) and e.mean == e.mean]

    def size(e: Effect) -> tuple[int, float, int]:
        rel = e.relative
        return (rel is None, -abs(rel) if rel is not None else 0.0, order.get(_name(e.kpi), 99))

    return sorted(others, key=size)[:n]


def _interval(e: Effect) -> str:
    if e.lower is None or e.upper is None:
        return ""
    low, high = format_diff(e.kpi, e.lower, unit=False), format_diff(e.kpi, e.upper, unit=False)
    return f"90 %: {low} to {high}"


def _judged(e: Effect) -> str:
    """'90 %: +3.2 to +5.0, better' or '..., within the noise'."""
    word = {"better": "better", "worse": "worse", "noise": "within the noise"}[e.verdict]
    interval = _interval(e)
    return f"{interval}, {word}" if interval else word


def _lead_clause(who: str, brand: str, e: Effect | None, lead: str, s: Scenario) -> str:
    title = kpi_title(lead, s).lower()
    if e is None:
        return f"{who}: {brand}'s {title} cannot be measured in these runs"
    if e.verdict == "noise":
        return (
            f"{who} leaves {brand}'s {title} within the noise: {format_diff(e.kpi, e.mean)} "
            f"({_interval(e)})"
        )
    way = "raises" if e.mean > 0 else "lowers"
    amount = format_diff(e.kpi, abs(e.mean)).lstrip("+")
    judged = f", {e.verdict}" if better_way(e.kpi) < 0 else ""
    return f"{who} {way} {brand}'s {title} by {amount} ({_interval(e)}{judged})"


def _effect_clause(e: Effect, s: Scenario) -> str:
    """'revenue over the run +6.2 % (+12,340; 90 %: ..., better)'."""
    title = kpi_title(e.kpi, s).lower()
    amount = format_diff(e.kpi, e.mean)
    rel = e.relative
    if rel is None:
        return f"{title} {amount} ({_judged(e)})"
    sign = "+" if rel >= 0 else "\u2212"
    return f"{title} {sign}{abs(rel) * 100:.1f} % ({amount}; {_judged(e)})"


def scenario_sentence(
    who: str,
    brand: str,
    effects: Sequence[Effect],
    s: Scenario,
    lead: str = "margin",
    n: int = LARGEST,
) -> str:
    """One sentence on a scenario: its effect on `brand`'s `lead` KPI, then its `n` largest
    other effects relative to the baseline, each with its interval and verdict; or that it
    moves nothing beyond the noise."""
    first = lead_effect(effects, lead)
    rest = largest(effects, lead, n)
    said = _lead_clause(who, brand, first, lead, s)
    if rest:
        listed = [_effect_clause(e, s) for e in rest]
        joined = listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " and " + listed[-1]
        said += f"; largest other effects: {joined}"
    if effects and all(e.verdict == "noise" for e in effects):
        said += "; every difference is within the noise of the simulation"
    return said + "."
