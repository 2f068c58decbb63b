"""Rates with their unit: `reach = { rate = 0.3, per = "week" }` converted to the step.

A plain number is a rate per step, as always. A table `{ rate = r, per = UNIT }` (UNIT: day,
week, month, year) is converted to the scenario's step (`time.step`) when the scenario is
validated, by what the field is:

- a *chance* (a touchpoint's `reach` and `stimulus_reach`, `zmot.give_up`,
  `smot.self_resolve`): the chance of at least one occurrence in a step,
  1 - (1 - r) ** (step / unit), so that 0.3 a week is 0.0497 a day;
- a *rate* of recurring events (a segment's `need_rate`, a brand's `problem_rate`,
  `smot.usage_rate`, `wom.rate`): scaled, r * step / unit, so that 1.2 a year is 0.00329 a
  day; the engine takes at most one such event per consumer and step, so the result must not
  exceed 1 (use a shorter step).

A month is 365.25 / 12 days and a year 365.25 days. The resolved scenario (`scenario.toml` of
a run) holds the converted numbers; validating the file with an explanation lists each conversion.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any

__all__ = ["CHANCES", "RATES", "UNIT_DAYS", "Conversion", "convert", "resolve_units"]

UNIT_DAYS = {"day": 1.0, "week": 7.0, "month": 365.25 / 12, "year": 365.25}
"""Length of each unit in days (a step of `month` is a calendar month, about this long)."""

CHANCES = (
    "brands.*.touchpoints.*.reach",
    "brands.*.touchpoints.*.stimulus_reach",
    "zmot.give_up",
    "smot.self_resolve",
)
"""Fields whose unit table is a chance of an occurrence in the unit of time."""

RATES = (
    "population.segments.*.need_rate",
    "brands.*.problem_rate",
    "smot.usage_rate",
    "wom.rate",
)
"""Fields whose unit table is a rate of recurring events per unit of time."""


@dataclass(frozen=True)
class Conversion:
    """One value given with its unit and what it became per step."""

    path: str
    rate: float
    per: str
    kind: str  # "chance" or "rate"
    value: float
    step: str

    def line(self) -> str:
        """The conversion in one line, for the explanation of `journey validate`."""
        ratio = UNIT_DAYS[self.step] / UNIT_DAYS[self.per]
        how = (
            f"1 - (1 - {self.rate:g}) ^ {ratio:.4g}"
            if self.kind == "chance"
            else f"{self.rate:g} x {ratio:.4g}"
        )
        return (
            f"{self.path}: {self.rate:g} per {self.per} -> {self.value:.6g} per {self.step} "
            f"({self.kind}: {how})"
        )


class UnitError(ValueError):
    """A unit table that cannot be converted: the key path and the problem."""

    def __init__(self, path: str, problem: str) -> None:
        self.path, self.problem = path, problem
        super().__init__(f"{path}: {problem}")


def convert(rate: float, per: str, step: str, kind: str) -> float:
    """`rate` per `per` as a chance (`kind` "chance") or a rate ("rate") per `step`."""
    ratio = UNIT_DAYS[step] / UNIT_DAYS[per]
    if kind == "chance":
        return 1.0 if rate >= 1 else -math.expm1(ratio * math.log1p(-rate))
    return rate * ratio


def _matches(path: tuple[str, ...], pattern: str) -> bool:
    parts = pattern.split(".")
    return len(parts) == len(path) and all(p in ("*", k) for p, k in zip(parts, path, strict=True))


def _kind(path: tuple[str, ...]) -> str | None:
    if any(_matches(path, p) for p in CHANCES):
        return "chance"
    if any(_matches(path, p) for p in RATES):
        return "rate"
    return None


def _is_unit_table(value: Any) -> bool:
    return isinstance(value, dict) and "per" in value and "dist" not in value


def _one(path: tuple[str, ...], table: dict[str, Any], step: str) -> Conversion:
    shown = ".".join(path)
    kind = _kind(path)
    if kind is None:
        problem = "takes no unit ({ rate, per }): only rates per step do, namely " + ", ".join(
            (*CHANCES, *RATES)
        )
        raise UnitError(shown, problem)
    extra = sorted(set(table) - {"rate", "per"})
    if extra:
        raise UnitError(f"{shown}.{extra[0]}", f"unknown key '{extra[0]}'; known: rate, per")
    if "rate" not in table:
        raise UnitError(f"{shown}.rate", "required key is missing")
    rate, per = table["rate"], table["per"]
    if isinstance(per, bool) or per not in UNIT_DAYS:
        raise UnitError(f"{shown}.per", f"unknown unit {per!r}; one of: {', '.join(UNIT_DAYS)}")
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not math.isfinite(rate):
        raise UnitError(f"{shown}.rate", f"must be a finite number, got {rate!r}")
    if rate < 0:
        raise UnitError(f"{shown}.rate", f"must not be negative, got {rate!r}")
    if kind == "chance" and rate > 1:
        raise UnitError(f"{shown}.rate", f"a chance per {per} must be at most 1, got {rate!r}")
    value = convert(float(rate), per, step, kind)
    if value > 1:
        problem = (
            f"{rate:g} per {per} is {value:.3g} per {step}, more than one event a step: "
            "use a shorter step"
        )
        raise UnitError(f"{shown}.rate", problem)
    return Conversion(shown, float(rate), per, kind, value, step)


def resolve_units(data: dict[str, Any]) -> tuple[dict[str, Any], list[Conversion]]:
    """The scenario data with every unit table replaced by its value per step, and the
    conversions made; raises UnitError for a table it cannot convert. Data of another shape
    is left for the schema to refuse."""
    time = data.get("time")
    step = time.get("step", "day") if isinstance(time, dict) else "day"
    if not isinstance(step, str) or step not in UNIT_DAYS or step == "year":
        return data, []
    found: list[tuple[tuple[str, ...], dict[str, Any]]] = []

    def walk(node: Any, path: tuple[str, ...]) -> None:
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            if _is_unit_table(value):
                found.append(((*path, str(key)), value))
            else:
                walk(value, (*path, str(key)))

    walk(data, ())
    if not found:
        return data, []
    out = copy.deepcopy(data)
    conversions = []
    for path, table in found:
        c = _one(path, table, step)
        node = out
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = c.value
        conversions.append(c)
    return out, conversions
