"""Scenario files: TOML parsed into typed, validated models.

A scenario is data. A what-if file names its `base` and overrides only what changes (deep merge).
Any problem is raised as one `ScenarioError` naming the file, the key path and what is wrong,
before anything runs.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

import tomli_w
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from sim.scenario.distributions import DISTRIBUTIONS, Beta, Distribution, Normal, Poisson

__all__ = [
    "Brand",
    "FreeParameter",
    "Scenario",
    "ScenarioError",
    "Touchpoint",
    "apply_overrides",
    "dump_scenario",
    "key_path_overrides",
    "load_scenario",
]


def _probability(x: float) -> float:
    if not 0 <= x <= 1:
        raise ValueError(f"must be a probability in [0, 1], got {x!r}")
    return x


Probability = Annotated[float, AfterValidator(_probability)]
NonNegative = Annotated[float, Field(ge=0)]


class ScenarioError(Exception):
    """A scenario that cannot be run; str() is the one line shown to the user."""

    def __init__(self, file: str | Path, path: str, problem: str) -> None:
        self.file, self.path, self.problem = str(file), path, problem
        where = f"{self.file}: {path}: " if path else f"{self.file}: "
        super().__init__(where + problem)


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


class Time(Section):
    """How long a step is and how many steps a run lasts. Every rate in a scenario is per step."""

    step: Literal["day", "week", "month"] = "day"
    steps: int = Field(730, ge=1)


class Segment(Section):
    """A group of consumers whose traits are drawn from the same distributions."""

    share: float = Field(1.0, gt=0, le=1)
    need_rate: Distribution = Beta(dist="beta", a=1, b=199)
    research: Distribution = Beta(dist="beta", a=8, b=2)
    reviews_read: Distribution = Poisson(dist="poisson", mean=10)
    susceptibility: Distribution = Beta(dist="beta", a=2, b=2)
    tolerance: Distribution = Normal(dist="normal", mean=0.5, sd=0.5)
    review_propensity: Distribution = Beta(dist="beta", a=1, b=9)
    price_sensitivity: Distribution = Normal(dist="normal", mean=0.1, sd=0.03, low=0)
    initial_attitude: Distribution = Normal(dist="normal", mean=3.0, sd=0.5, low=1, high=5)

    @field_validator("need_rate", "research", "susceptibility", "review_propensity")
    @classmethod
    def _probability(cls, v: Distribution) -> Distribution:
        lo, hi = v.bounds()
        if lo < 0 or hi > 1:
            problem = f"must be a probability in [0, 1], but this distribution gives [{lo}, {hi}]"
            raise ValueError(problem)
        return v

    @field_validator("reviews_read", "price_sensitivity")
    @classmethod
    def _non_negative(cls, v: Distribution) -> Distribution:
        lo, _ = v.bounds()
        if lo < 0:
            raise ValueError(f"must not be negative, but this distribution can give {lo}")
        return v


class Population(Section):
    consumers: int = Field(10_000, ge=1)
    segments: dict[str, Segment] = Field(default_factory=lambda: {"everyone": Segment()})


class Network(Section):
    """Who talks to whom. `fully_mixed` means anyone may talk to anyone (no ties are stored)."""

    kind: Literal["fully_mixed", "small_world", "scale_free"] = "small_world"
    mean_degree: float = Field(10, gt=0)
    rewire: Probability = 0.1
    exponent: float = Field(2.5, gt=2)


class Touchpoint(Section):
    """A brand's point of contact with consumers in one moment."""

    moment: Literal["pre_zmot", "zmot", "fmot", "smot"]
    channel: str = ""
    reach: Probability
    quality: float = Field(3.5, ge=1, le=5)
    quality_sd: NonNegative = 0.0
    weight: Probability = 0.1
    cost: NonNegative = 0.0
    trigger: Probability = 0.0
    audience: Literal["prospects", "customers", "new_customers", "all"] | None = None
    start: int | None = Field(None, ge=0)
    end: int | None = Field(None, ge=0)

    @field_validator("end")
    @classmethod
    def _after_start(cls, v: int | None, info: ValidationInfo) -> int | None:
        start = info.data.get("start")
        if v is not None and start is not None and v < start:
            raise ValueError(f"schedule ends (step {v}) before it starts (step {start})")
        return v

    @property
    def who(self) -> str:
        """The audience, defaulting to prospects before purchase and customers after."""
        if self.audience is not None:
            return self.audience
        return "customers" if self.moment == "smot" else "prospects"


class Brand(Section):
    """A brand: product quality (1-5 stars) and spread, price per period, initial reach."""

    quality: float = Field(3.5, ge=1, le=5)
    quality_sd: NonNegative = 0.8
    price: NonNegative = 10.0
    awareness: Probability = 0.3
    share: Probability = 0.0
    touchpoints: dict[str, Touchpoint] = Field(default_factory=dict)


class Market(Section):
    """Which brand is ours (the focal brand); the first brand when not given."""

    focal: str = ""


class Zmot(Section):
    """Research: the prior counts as `prior_weight` reviews; shoppers knowing no brand give up."""

    enabled: bool = True
    prior_weight: NonNegative = 5.0
    give_up: Probability = 0.02


class Choice(Section):
    """Logit weights on attitude, review score (stars above 3) and price x price sensitivity."""

    attitude: NonNegative = 2.0
    reviews: NonNegative = 1.0
    price: NonNegative = 1.0


class Fmot(Section):
    """First encounter: conversion log-odds `base` at par, `slope` per star above expectation."""

    enabled: bool = True
    base: float = 0.5
    slope: NonNegative = 2.0
    retry: Probability = 0.5


class Smot(Section):
    """Living with the product: usage experiences, loss weight, how long a customer is new."""

    usage_rate: Probability = 0.3
    usage_weight: Probability = 0.03
    negativity: float = Field(2.0, ge=1)
    onboarding_steps: int = Field(30, ge=0)


class Wom(Section):
    """Word of mouth: talk rate per customer, pull on the listener, chance to spark a need."""

    enabled: bool = True
    rate: Probability = 0.02
    weight: Probability = 0.2
    trigger: Probability = 0.1


class Umot(Section):
    """Reviews: self-selected by surprise (or by everyone), with herding toward the average."""

    enabled: bool = True
    self_selected: bool = True
    surprise_scale: float = Field(3.0, gt=0)
    herding: Probability = 0.1


class Retention(Section):
    """Renewal every `period` steps (or a repurchase hazard) and the churn log-odds."""

    enabled: bool = True
    mode: Literal["subscription", "repurchase"] = "subscription"
    period: int = Field(30, ge=1)
    base: float = -3.0
    slope: NonNegative = 2.0
    competition: NonNegative = 1.0
    reenter: Probability = 0.5


class Event(Section):
    """A dated change to a brand or one of its touchpoints, e.g. a quality change on day 90."""

    at: int = Field(ge=0)
    brand: str
    touchpoint: str | None = None
    set: dict[str, float]


class FreeParameter(Section):
    """A scenario field left free for calibration: its bounds, searched on a log scale or not."""

    low: float
    high: float
    log: bool = False

    @model_validator(mode="after")
    def _bounds(self) -> FreeParameter:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        if self.log and self.low <= 0:
            raise ValueError(f"a log scale needs low > 0, got {self.low:g}")
        return self


class Scenario(Section):
    name: str = ""
    description: str = ""
    time: Time = Field(default_factory=Time)
    population: Population = Field(default_factory=Population)
    network: Network = Field(default_factory=Network)
    market: Market = Field(default_factory=Market)
    brands: dict[str, Brand] = Field(min_length=1)
    zmot: Zmot = Field(default_factory=Zmot)
    choice: Choice = Field(default_factory=Choice)
    fmot: Fmot = Field(default_factory=Fmot)
    smot: Smot = Field(default_factory=Smot)
    wom: Wom = Field(default_factory=Wom)
    umot: Umot = Field(default_factory=Umot)
    retention: Retention = Field(default_factory=Retention)
    events: dict[str, Event] = Field(default_factory=dict)
    calibration: dict[str, FreeParameter] = Field(default_factory=dict)

    @property
    def brand_names(self) -> list[str]:
        return list(self.brands)

    @property
    def focal(self) -> str:
        return self.market.focal or next(iter(self.brands))


# --- loading -------------------------------------------------------------------------------

Layer = tuple[str, dict[str, Any]]
"""One file of a scenario: the name to show for it and its TOML, without `base`."""


def _read_toml(path: Path, shown: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(shown, "", "file does not exist") from None
    except OSError as exc:
        raise ScenarioError(shown, "", f"cannot read file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ScenarioError(shown, "", "not valid TOML: not UTF-8 text") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(shown, "", f"not valid TOML: {exc}") from None


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep merge: tables merge key by key, anything else in `override` replaces.

    A table naming another kind of distribution (`dist`) than the base's replaces it whole.
    """
    out = dict(base)
    for key, value in override.items():
        old = out.get(key)
        if (
            isinstance(value, dict)
            and isinstance(old, dict)
            and value.get("dist", old.get("dist")) == old.get("dist")
        ):
            out[key] = _merge(old, value)
        else:
            out[key] = value
    return out


def _layers(path: Path, shown: str, chain: tuple[Path, ...] = ()) -> list[Layer]:
    """The file and its base files, the deepest base first."""
    data = _read_toml(path, shown)
    base = data.pop("base", None)
    if base is None:
        return [(shown, data)]
    if not isinstance(base, str):
        raise ScenarioError(shown, "base", f"must be a file name (a string), got {base!r}")
    chain = (*chain, path.resolve())
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


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read, merge (with its base files) and validate a scenario file."""
    path = Path(path)
    layers = _layers(path, str(path))
    data: dict[str, Any] = {}
    for _, layer in layers[:-1]:  # a base's name and description are not the what-if's
        data = _merge(data, {k: v for k, v in layer.items() if k not in ("name", "description")})
    data = _merge(data, layers[-1][1])
    data.setdefault("name", path.stem)
    if overrides:
        layers.append((str(path), overrides))
        data = _merge(data, overrides)
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
        scenario = Scenario.model_validate(data, strict=strict)
    except ValidationError as exc:
        raise _explain(exc.errors()[0], file) from None
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


_EDITABLE_BRAND = ("price", "quality", "quality_sd")
_EDITABLE_TOUCHPOINT = ("cost", "quality", "quality_sd", "reach", "trigger", "weight")


def _check_references(s: Scenario, file: str | Path) -> None:
    brands = s.brand_names
    if s.market.focal and s.market.focal not in brands:
        raise ScenarioError(file, "market.focal", _unknown("brand", s.market.focal, brands))
    total = sum(seg.share for seg in s.population.segments.values())
    if abs(total - 1) > 1e-9:
        raise ScenarioError(file, "population.segments", f"shares sum to {total:g}, not 1")
    if sum(b.share for b in s.brands.values()) > 1 + 1e-9:
        raise ScenarioError(file, "brands", "initial customer shares sum to more than 1")
    for key, ev in s.events.items():
        where = f"events.{key}"
        if ev.brand not in s.brands:
            raise ScenarioError(file, f"{where}.brand", _unknown("brand", ev.brand, brands))
        target: Section = s.brands[ev.brand]
        editable = _EDITABLE_BRAND
        if ev.touchpoint is not None:
            tps = list(s.brands[ev.brand].touchpoints)
            if ev.touchpoint not in tps:
                problem = f"unknown touchpoint '{ev.touchpoint}' of brand '{ev.brand}'"
                problem += _hint(ev.touchpoint, tps)
                raise ScenarioError(file, f"{where}.touchpoint", problem)
            target = s.brands[ev.brand].touchpoints[ev.touchpoint]
            editable = _EDITABLE_TOUCHPOINT
        for field, value in ev.set.items():
            if field not in editable:
                problem = f"an event cannot set '{field}'" + _hint(field, editable, "it can set")
                raise ScenarioError(file, f"{where}.set.{field}", problem)
            try:  # the same checks as in the file: assign to a copy (validate_assignment)
                setattr(target.model_copy(), field, value)
            except ValidationError as exc:
                problem = _explain(exc.errors()[0], file, type(target)).problem
                raise ScenarioError(file, f"{where}.set.{field}", problem) from None


def _check_calibration(s: Scenario, file: str | Path) -> None:
    """Each free parameter names a numeric field, and both its bounds make a valid scenario."""
    data = s.model_dump(exclude={"calibration"})
    for path, free in s.calibration.items():
        where = f'calibration."{path}"'
        node: Any = data
        for i, key in enumerate(path.split(".")):
            if not isinstance(node, dict) or key not in node:
                known = list(node) if isinstance(node, dict) else []
                above = ".".join(path.split(".")[:i]) or "the scenario"
                raise ScenarioError(file, where, f"no field '{key}' in {above}" + _hint(key, known))
            node = node[key]
        if isinstance(node, bool) or not isinstance(node, int | float):
            raise ScenarioError(file, where, f"not a numeric field (it holds {_toml_value(node)})")
        if isinstance(node, int) and not (free.low.is_integer() and free.high.is_integer()):
            raise ScenarioError(file, where, "an integer field needs whole-number bounds")
        for bound in ("low", "high"):
            value = getattr(free, bound)
            try:
                trial = Scenario.model_validate(_merge(data, key_path_overrides({path: value})))
                _check_references(trial, file)
            except ValidationError as exc:
                problem = _explain(exc.errors()[0], file).problem
                raise ScenarioError(
                    file, f"{where}.{bound}", f"{value:g} is refused: {problem}"
                ) from None
            except ScenarioError as exc:
                problem = f"{value:g} is refused: {exc.problem}"
                raise ScenarioError(file, f"{where}.{bound}", problem) from None


def _hint(name: str, known: typing.Sequence[str], listing: str = "known") -> str:
    """' (did you mean ...?)' for a close match, else the list of what is known."""
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f"; {listing}: {', '.join(known)}" if known else ""


def _unknown(what: str, name: str, known: typing.Sequence[str]) -> str:
    return f"unknown {what} '{name}'" + _hint(name, known)


# --- turning pydantic's errors into one line -----------------------------------------------

_LIMITS = {
    "greater_than_equal": ("ge", "must be at least"),
    "greater_than": ("gt", "must be greater than"),
    "less_than_equal": ("le", "must be at most"),
    "less_than": ("lt", "must be less than"),
}
_EXPECTED = {
    "int_type": "an integer",
    "int_from_float": "an integer",
    "int_parsing": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "a string",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a number or a distribution table",
}
_TOML_TYPES = {
    bool: "a boolean",
    int: "an integer",
    float: "a float",
    str: "a string",
    dict: "a table",
    list: "an array",
}


def _walk(loc: tuple[int | str, ...], root: type[BaseModel]) -> tuple[str, Any]:
    """Follow an error location through the schema.

    Returns the key path to show, without the tag pydantic adds for a distribution's kind, and
    the model holding the last key (None if that is not a model's field).
    """
    tp: Any = root
    owner = None
    shown: list[str] = []
    for part in loc:
        owner = None
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            owner = tp
            field = tp.model_fields.get(str(part))
            tp = field.annotation if field else None
        elif typing.get_origin(tp) is dict:
            tp = typing.get_args(tp)[1]
        elif part in DISTRIBUTIONS and typing.get_origin(tp) in (typing.Union, types.UnionType):
            tp = DISTRIBUTIONS[str(part)]  # the tag: pydantic's, not a key in the file
            continue
        else:
            tp = None
        shown.append(f'"{part}"' if "." in str(part) else str(part))
    return ".".join(shown), owner


def _toml_value(value: Any) -> str:
    kind = _TOML_TYPES.get(type(value), type(value).__name__)
    if isinstance(value, dict | list):
        return kind
    return f"{kind} {str(value).lower() if isinstance(value, bool) else repr(value)}"


def _explain(
    err: ErrorDetails, file: str | Path, root: type[BaseModel] = Scenario
) -> ScenarioError:
    loc = tuple(err["loc"])
    path, owner = _walk(loc, root)
    kind, msg, value, ctx = err["type"], err["msg"], err.get("input"), err.get("ctx", {})
    if kind == "extra_forbidden":
        known = [k for k in owner.model_fields if k != "dist"] if owner else []
        problem = _unknown("key", str(loc[-1]), known)
    elif kind == "missing":
        problem = "required key is missing"
    elif kind == "greater_than_equal" and ctx.get("ge") == 0:
        problem = f"must not be negative, got {value!r}"
    elif kind in _LIMITS:
        bound, text = _LIMITS[kind]
        problem = f"{text} {ctx[bound]}, got {value!r}"
    elif kind == "finite_number":
        problem = f"must be a finite number, got {value!r}"
    elif kind == "union_tag_invalid":
        problem = _unknown("distribution", str(ctx["tag"]), sorted(DISTRIBUTIONS))
    elif kind == "union_tag_not_found":
        problem = f"a distribution needs a 'dist' key ({', '.join(sorted(DISTRIBUTIONS))})"
    elif kind == "literal_error":
        options = re.findall(r"'([^']*)'", ctx.get("expected", ""))
        problem = f"unknown {loc[-1]} {value!r}" + _hint(str(value), options, "one of")
    elif kind in _EXPECTED or kind.endswith(("_type", "_parsing")):
        expected = _EXPECTED.get(kind) or msg.lower().removeprefix("input should be ")
        problem = f"wrong type: expected {expected}, got {_toml_value(value)}"
    elif kind == "value_error":  # our own validators: the message is written to be shown
        problem = msg.removeprefix("Value error, ")
    else:
        problem = msg[:1].lower() + msg[1:]
        if not isinstance(value, dict | list):
            problem += f", got {value!r}"
    return ScenarioError(file, path, problem)
