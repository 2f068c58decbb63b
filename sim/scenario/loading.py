"""Loading scenarios: TOML files, their base files (deep merge), overrides, validation, dumping.

A what-if file names its `base` and overrides only what changes. Any problem is raised as one
`ScenarioError` naming the file that set the key, the key path and what is wrong, before
anything runs.
"""

from __future__ import annotations

import os
import re
import tomllib
import typing
from datetime import date
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from sim.scenario.calendar import date_of
from sim.scenario.errors import ScenarioError, explain, hint, toml_value, unknown
from sim.scenario.schema import EDITABLE_BRAND, EDITABLE_TOUCHPOINT, NAME, Scenario, Section
from sim.scenario.units import Conversion, UnitError, resolve_units

__all__ = [
    "apply_overrides",
    "check_key_path",
    "conversions_of",
    "dump_scenario",
    "explanation",
    "key_path_overrides",
    "load_scenario",
    "points_in_time",
    "read_toml",
    "resized",
    "validate_scenario",
    "warnings_of",
]


MAX_BASES = 32  # base files in one chain: deeper is a mistake, not a design

Layer = tuple[str, dict[str, Any]]
"""One file of a scenario: the name to show for it and its TOML, without `base`."""


def read_toml(path: Path, shown: str, kind: str = "scenario file") -> dict[str, Any]:
    """A TOML file as a dictionary, or one ScenarioError naming `shown` (a `kind` of file)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(shown, "", "file does not exist") from None
    except OSError as exc:
        raise ScenarioError(shown, "", f"cannot read file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ScenarioError(shown, "", f"not a {kind}: not UTF-8 text") from None
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise ScenarioError(shown, "", f"not a {kind}: nested too deeply") from None
    except tomllib.TOMLDecodeError as exc:
        # Only where the TOML breaks, never the file's text: a base may point anywhere.
        where = re.search(r"\(at line \d+, column \d+\)|\(at end of document\)", str(exc))
        problem = f"not a {kind}: not valid TOML" + (f" {where[0]}" if where else "")
        raise ScenarioError(shown, "", problem) from None


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep merge: tables merge key by key, anything else in `override` replaces.

    A table naming another kind of distribution (`dist`) than the base's replaces it whole, and
    so does a rate with its unit (`{ rate, per }`) or a table put in place of one.
    """
    out = dict(base)
    for key, value in override.items():
        old = out.get(key)
        if (
            isinstance(value, dict)
            and isinstance(old, dict)
            and value.get("dist", old.get("dist")) == old.get("dist")
            and "per" not in value
            and "per" not in old
        ):
            out[key] = _merge(old, value)
        else:
            out[key] = value
    return out


def _layers(path: Path, shown: str, chain: tuple[Path, ...] = ()) -> list[Layer]:
    """The file and its base files, the deepest base first."""
    data = read_toml(path, shown)
    base = data.pop("base", None)
    if base is None:
        return [(shown, data)]
    if not isinstance(base, str):
        raise ScenarioError(shown, "base", f"must be a file name (a string), got {base!r}")
    chain = (*chain, path.resolve())
    if len(chain) > MAX_BASES:
        raise ScenarioError(shown, "base", f"more than {MAX_BASES} base files in a chain")
    base_path = (path.parent / base).resolve()
    if base_path in chain:
        loop = " -> ".join(p.name for p in (*chain[chain.index(base_path) :], base_path))
        raise ScenarioError(shown, "base", f"base files form a cycle: {loop}")
    if not base_path.is_file():
        raise ScenarioError(shown, "base", f"base file '{base}' does not exist")
    return [*_layers(base_path, os.path.normpath(Path(shown).parent / base), chain), (shown, data)]


def _origin(layers: list[Layer], key_path: str) -> str:
    """The file that sets `key_path` (or the nearest table above it), the last one to do so."""
    keys = key_path.split(".") if key_path else []
    for n in range(len(keys), 0, -1):
        for shown, data in reversed(layers):
            node: Any = data
            for key in keys[:n]:
                node = node.get(key) if isinstance(node, dict) else None
            if node is not None:
                return shown
    return layers[-1][0]


def name_from_file(path: Path) -> str:
    """A safe scenario name from a file's name: other characters become '_' (see `NAME`)."""
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", path.stem)[:100]
    return name if NAME.fullmatch(name) else f"s{name}"[:100]


def resized(scenario: Scenario, consumers: int | None = None, steps: int | None = None) -> Scenario:
    """The scenario with another population size or number of steps (None: as it is)."""
    overrides: dict[str, Any] = {}
    if consumers is not None:
        overrides["population"] = {"consumers": consumers}
    if steps is not None:
        overrides["time"] = {"steps": steps}
    return apply_overrides(scenario, overrides) if overrides else scenario


def _merged(
    path: Path, overrides: dict[str, Any] | None = None
) -> tuple[list[Layer], dict[str, Any]]:
    """A scenario file's layers (its base files first) and their deep merge."""
    layers = _layers(path, str(path))
    data: dict[str, Any] = {}
    for _, layer in layers[:-1]:  # a base's name and description are not the what-if's
        data = _merge(data, {k: v for k, v in layer.items() if k not in ("name", "description")})
    data = _merge(data, layers[-1][1])
    data.setdefault("name", name_from_file(path))
    if overrides:
        layers.append((str(path), overrides))
        data = _merge(data, overrides)
    return layers, data


def conversions_of(path: str | Path) -> list[Conversion]:
    """The rates a scenario file (with its base files) gives with a unit, converted to its
    step (`sim.scenario.units`); the file is assumed valid (`load_scenario` first)."""
    return resolve_units(_merged(Path(path))[1])[1]


def explanation(path: str | Path, s: Scenario) -> list[str]:
    """What `journey validate` explains on request: each rate given with a unit as converted to
    the step, and each point in time as the step (and date) it means."""
    lines = [c.line() for c in conversions_of(path)]
    if s.time.start is not None:
        lines.append(f"time.start: step 1 begins on {s.time.start} (a step is a {s.time.step})")
    for key, when in points_in_time(s):
        step = s.step_at(when)
        begins = (
            f", begins {date_of(step, s.time.start, s.time.step)}"
            if s.time.start is not None and step >= 1
            else ""
        )
        lines.append(f"{key}: {when} -> step {step}{begins}")
    return lines


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read, merge (with its base files) and validate a scenario file."""
    path = Path(path)
    layers, data = _merged(path, overrides)
    try:
        return validate_scenario(data, path)
    except ScenarioError as exc:
        raise ScenarioError(_origin(layers, exc.path), exc.path, exc.problem) from None


def validate_scenario(
    data: dict[str, Any], file: str | Path = "<scenario>", *, strict: bool = True
) -> Scenario:
    """Validate a plain dictionary as a scenario, or raise one ScenarioError.

    Strict (the default, as for a file) refuses a value of the wrong type instead of converting
    it, e.g. the string "0.5" or the float 10.0 for a count.
    """
    try:
        data, _ = resolve_units(data)
    except UnitError as exc:
        raise ScenarioError(file, exc.path, exc.problem) from None
    try:
        scenario = Scenario.model_validate(data, strict=strict)
    except ValidationError as exc:
        raise explain(exc.errors()[0], file) from None
    _check_times(scenario, file)
    _check_references(scenario, file)
    _check_calibration(scenario, file)
    return scenario


def apply_overrides(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """A validated copy of `scenario` with `overrides` deep-merged into it.

    The overrides come from code (the command line, a calibration), so numbers of a related
    type (a NumPy integer, say) are converted rather than refused.
    """
    data = _merge(scenario.model_dump(), overrides)
    return validate_scenario(data, scenario.name, strict=False)


def key_path_overrides(values: typing.Mapping[str, Any]) -> dict[str, Any]:
    """{"retention.base": -2.0} -> {"retention": {"base": -2.0}}, for `apply_overrides`."""
    out: dict[str, Any] = {}
    for path, value in values.items():
        *tables, key = path.split(".")
        node = out
        for table in tables:
            node = node.setdefault(table, {})
        node[key] = value
    return out


def dump_scenario(scenario: Scenario) -> str:
    """The resolved scenario as TOML (what `journey run` writes beside its results)."""
    return tomli_w.dumps(scenario.model_dump(exclude_none=True))


def points_in_time(s: Scenario) -> list[tuple[str, int | date]]:
    """Every point in time the scenario names (key path, step or date), for checks and to
    explain a scenario."""
    found: list[tuple[str, int | date]] = [
        (f"brands.{b}.touchpoints.{name}.{key}", getattr(tp, key))
        for b, brand in s.brands.items()
        for name, tp in brand.touchpoints.items()
        for key in ("start", "end")
        if getattr(tp, key) is not None
    ]
    found += [(f"events.{name}.at", ev.at) for name, ev in s.events.items()]
    found += [
        (f"brands.{b}.promotions.{name}.{key}", getattr(promo, key))
        for b, brand in s.brands.items()
        for name, promo in brand.promotions.items()
        for key in ("start", "end")
    ]
    return found


def _check_times(s: Scenario, file: str | Path) -> None:
    """Dates need `time.start` and fall on or after it; a schedule ends after it starts."""
    for path, when in points_in_time(s):
        if not isinstance(when, date):
            continue
        if s.time.start is None:
            problem = f"the date {when} needs a calendar: set time.start (the date of step 1)"
            raise ScenarioError(file, path, problem)
        if when < s.time.start:
            problem = f"the date {when} is before time.start ({s.time.start})"
            raise ScenarioError(file, path, problem)
    for b, brand in s.brands.items():
        for name, tp in brand.touchpoints.items():
            if tp.start is not None and tp.end is not None:
                where = f"brands.{b}.touchpoints.{name}.end"
                _check_order(s, file, where, "schedule", tp.start, tp.end)
        for name, promo in brand.promotions.items():
            where = f"brands.{b}.promotions.{name}.end"
            _check_order(s, file, where, "the promotion", promo.start, promo.end)


def _check_order(
    s: Scenario, file: str | Path, where: str, what: str, first: int | date, last: int | date
) -> None:
    """Refuse a window whose end (a step or a date) comes before its start."""
    start, end = s.step_at(first), s.step_at(last)
    if end < start:
        problem = f"{what} ends ({last}, step {end}) before it starts ({first}, step {start})"
        raise ScenarioError(file, where, problem)


def _check_references(s: Scenario, file: str | Path) -> None:
    brands = s.brand_names
    if s.market.focal and s.market.focal not in brands:
        raise ScenarioError(file, "market.focal", unknown("brand", s.market.focal, brands))
    total = sum(seg.share for seg in s.population.segments.values())
    if abs(total - 1) > 1e-9:
        raise ScenarioError(file, "population.segments", f"shares sum to {total:g}, not 1")
    if sum(b.share for b in s.brands.values()) > 1 + 1e-9:
        raise ScenarioError(file, "brands", "initial customer shares sum to more than 1")
    for key, ev in s.events.items():
        where = f"events.{key}"
        if ev.brand not in s.brands:
            raise ScenarioError(file, f"{where}.brand", unknown("brand", ev.brand, brands))
        target: Section = s.brands[ev.brand]
        editable = EDITABLE_BRAND
        if ev.touchpoint is not None:
            tps = list(s.brands[ev.brand].touchpoints)
            if ev.touchpoint not in tps:
                problem = f"unknown touchpoint '{ev.touchpoint}' of brand '{ev.brand}'"
                problem += hint(ev.touchpoint, tps)
                raise ScenarioError(file, f"{where}.touchpoint", problem)
            target = s.brands[ev.brand].touchpoints[ev.touchpoint]
            editable = EDITABLE_TOUCHPOINT
        for field, value in ev.set.items():
            if field not in editable:
                problem = f"an event cannot set '{field}'" + hint(field, editable, "it can set")
                raise ScenarioError(file, f"{where}.set.{field}", problem)
            try:  # the same checks as in the file: assign to a copy (validate_assignment)
                setattr(target.model_copy(), field, value)
            except ValidationError as exc:
                problem = explain(exc.errors()[0], file, type(target)).problem
                raise ScenarioError(file, f"{where}.set.{field}", problem) from None


def _check_calibration(s: Scenario, file: str | Path) -> None:
    """Each free parameter names a numeric field, and both its bounds make a valid scenario."""
    for path, free in s.calibration.items():
        check_key_path(s, path, {"low": free.low, "high": free.high}, file, f'calibration."{path}"')


def check_key_path(
    s: Scenario,
    path: str,
    values: typing.Mapping[str, float],
    file: str | Path,
    where: str,
    what: str = "bounds",
) -> type[int] | type[float]:
    """Check that `path` names a numeric field of `s` and that each of `values` (named, e.g.
    low and high) set there makes a valid scenario; return the field's type (int or float).

    A problem is one ScenarioError at `where` (or `where.<name>` for a refused value).
    """
    data = s.model_dump(exclude={"calibration"})
    node: Any = data
    for i, key in enumerate(path.split(".")):
        if not isinstance(node, dict) or key not in node:
            known = list(node) if isinstance(node, dict) else []
            above = ".".join(path.split(".")[:i]) or "the scenario"
            raise ScenarioError(file, where, f"no field '{key}' in {above}" + hint(key, known))
        node = node[key]
    if isinstance(node, bool) or not isinstance(node, int | float):
        raise ScenarioError(file, where, f"not a numeric field (it holds {toml_value(node)})")
    kind = int if isinstance(node, int) else float
    if kind is int and not all(float(v).is_integer() for v in values.values()):
        raise ScenarioError(file, where, f"an integer field needs whole-number {what}")
    for name, value in values.items():
        try:
            trial = Scenario.model_validate(_merge(data, key_path_overrides({path: value})))
            _check_references(trial, file)
        except ValidationError as exc:
            problem = explain(exc.errors()[0], file).problem
            raise ScenarioError(
                file, f"{where}.{name}", f"{value:g} is refused: {problem}"
            ) from None
        except ScenarioError as exc:
            problem = f"{value:g} is refused: {exc.problem}"
            raise ScenarioError(file, f"{where}.{name}", problem) from None
    return kind


def warnings_of(s: Scenario) -> list[str]:
    """What in a valid scenario probably does not mean what its author wants, one line each."""
    found = []
    for name, brand in s.brands.items():
        fmot = {k: tp.reach for k, tp in brand.touchpoints.items() if tp.moment == "fmot"}
        if sum(fmot.values()) > 1 + 1e-9:
            found.append(
                f"brands.{name}.touchpoints: first-encounter (fmot) reaches sum to "
                f"{sum(fmot.values()):g} ({', '.join(fmot)}); a reach there is a share of the "
                "brand's first encounters, so they are scaled to sum to 1"
            )
        for key, promo in brand.promotions.items():
            first, last = s.step_at(promo.start), s.step_at(promo.end)
            carried = [
                tp
                for tp in brand.touchpoints.values()
                if tp.moment in ("pre_zmot", "smot")
                and (tp.start is None or s.step_at(tp.start) <= last)
                and (tp.end is None or s.step_at(tp.end) >= first)
            ]
            if promo.for_existing and not carried:
                found.append(
                    f"brands.{name}.promotions.{key}: no <ZMOT or SMOT touchpoint of {name} "
                    "runs in its window, so every existing customer hears of it on its first day"
                )
    return found
