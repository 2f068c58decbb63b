"""Scenario files: TOML parsed into typed, validated models.

A scenario is data. A what-if file names its `base` and overrides only what changes (deep merge).
Any problem is raised as one `ScenarioError` naming the file, the key path and what is wrong,
before anything runs.
"""

from __future__ import annotations

import difflib
import tomllib
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

import tomli_w
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails

from sim.distributions import DIST_TAGS, Beta, Distribution, Normal, Poisson

__all__ = [
    "Brand",
    "Scenario",
    "ScenarioError",
    "Touchpoint",
    "apply_overrides",
    "dump_scenario",
    "load_scenario",
]

Probability = Annotated[float, Field(ge=0, le=1)]
NonNegative = Annotated[float, Field(ge=0)]
MOMENTS = ("pre_zmot", "zmot", "fmot", "smot")


class ScenarioError(Exception):
    """A scenario that cannot be run; str() is the one line shown to the user."""

    def __init__(self, file: str | Path, path: str, problem: str) -> None:
        self.file, self.path, self.problem = str(file), path, problem
        where = f"{self.file}: {path}: " if path else f"{self.file}: "
        super().__init__(where + problem)


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Time(Section):
    """How long a step is and how many steps a run lasts. Every rate in a scenario is per step."""

    step: Literal["day", "week", "month"] = "day"
    steps: int = Field(730, ge=1)


def _within(dist: Distribution, low: float, high: float, info: ValidationInfo) -> Distribution:
    lo, hi = dist.bounds()
    if lo < low or hi > high:
        kind = "a probability in [0, 1]" if (low, high) == (0, 1) else f"in [{low}, {high}]"
        raise ValueError(f"must be {kind}, but this distribution gives values in [{lo}, {hi}]")
    return dist


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
    def _probability(cls, v: Distribution, info: ValidationInfo) -> Distribution:
        return _within(v, 0.0, 1.0, info)

    @field_validator("reviews_read", "price_sensitivity")
    @classmethod
    def _non_negative(cls, v: Distribution, info: ValidationInfo) -> Distribution:
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
    quality: float = Field(3.5, ge=1, le=5)
    quality_sd: NonNegative = 0.8
    price: NonNegative = 10.0
    awareness: Probability = 0.3
    share: Probability = 0.0
    touchpoints: dict[str, Touchpoint] = Field(default_factory=dict)


class Market(Section):
    focal: str = ""


class Zmot(Section):
    enabled: bool = True
    prior_weight: NonNegative = 5.0
    give_up: Probability = 0.02


class Choice(Section):
    attitude: NonNegative = 2.0
    reviews: NonNegative = 1.0
    price: NonNegative = 1.0


class Fmot(Section):
    enabled: bool = True
    base: float = 0.5
    slope: NonNegative = 2.0
    retry: Probability = 0.5


class Smot(Section):
    usage_rate: Probability = 0.1
    usage_weight: Probability = 0.2
    negativity: float = Field(2.0, ge=1)
    onboarding_steps: int = Field(30, ge=0)


class Wom(Section):
    enabled: bool = True
    rate: Probability = 0.02
    weight: Probability = 0.2
    trigger: Probability = 0.1


class Umot(Section):
    enabled: bool = True
    self_selected: bool = True
    surprise_scale: float = Field(1.0, gt=0)
    herding: Probability = 0.1


class Retention(Section):
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

    @property
    def brand_names(self) -> list[str]:
        return list(self.brands)

    @property
    def focal(self) -> str:
        return self.market.focal or next(iter(self.brands))


# --- loading -------------------------------------------------------------------------------


def _read_toml(path: Path, shown: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(shown, "", "file does not exist") from None
    except OSError as exc:
        raise ScenarioError(shown, "", f"cannot read file ({exc.strerror})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(shown, "", f"not valid TOML: {exc}") from None


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep merge: tables merge key by key, anything else in `override` replaces."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _resolve(path: Path, shown: str, chain: tuple[Path, ...]) -> dict[str, Any]:
    data = _read_toml(path, shown)
    base = data.pop("base", None)
    if base is None:
        return data
    if not isinstance(base, str):
        raise ScenarioError(shown, "base", "must be a file name (a string)")
    base_path = (path.parent / base).resolve()
    if base_path in chain or base_path == path.resolve():
        raise ScenarioError(shown, "base", f"'{base}' forms a cycle of base files")
    if not base_path.is_file():
        raise ScenarioError(shown, "base", f"base file '{base}' does not exist")
    parent = _resolve(base_path, str(base_path), (*chain, path.resolve()))
    parent.pop("name", None)
    parent.pop("description", None)
    return _merge(parent, data)


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read, merge (with its base files) and validate a scenario file."""
    path = Path(path)
    data = _resolve(path, str(path), ())
    data.setdefault("name", path.stem)
    if overrides:
        data = _merge(data, overrides)
    return validate_scenario(data, path)


def validate_scenario(data: dict[str, Any], file: str | Path = "<scenario>") -> Scenario:
    """Validate a plain dictionary as a scenario, or raise one ScenarioError."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _explain(exc.errors()[0], file) from None
    _check_references(scenario, file)
    return scenario


def apply_overrides(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """A validated copy of `scenario` with `overrides` deep-merged into it."""
    return validate_scenario(_merge(scenario.model_dump(), overrides), scenario.name)


def dump_scenario(scenario: Scenario) -> str:
    """The resolved scenario as TOML (what `journey run` writes beside its results)."""
    return tomli_w.dumps(scenario.model_dump(exclude_none=True))


_EDITABLE_BRAND = {"quality", "quality_sd", "price"}
_EDITABLE_TOUCHPOINT = {"reach", "quality", "quality_sd", "weight", "cost", "trigger"}


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
        allowed = _EDITABLE_BRAND
        if ev.touchpoint is not None:
            tps = list(s.brands[ev.brand].touchpoints)
            if ev.touchpoint not in tps:
                problem = _unknown(f"touchpoint of brand '{ev.brand}'", ev.touchpoint, tps)
                raise ScenarioError(file, f"{where}.touchpoint", problem)
            allowed = _EDITABLE_TOUCHPOINT
        for field, value in ev.set.items():
            if field not in allowed:
                problem = _unknown("field an event can set", field, sorted(allowed))
                raise ScenarioError(file, f"{where}.set.{field}", problem)
            owner = Touchpoint if ev.touchpoint is not None else Brand
            target = owner.model_fields[field].metadata
            try:
                _check_value(target, value)
            except ValueError as exc:
                raise ScenarioError(file, f"{where}.set.{field}", str(exc)) from None


def _check_value(metadata: list[Any], value: float) -> None:
    for m in metadata:
        ge, le = getattr(m, "ge", None), getattr(m, "le", None)
        if ge is not None and value < ge:
            raise ValueError(f"must be at least {ge}, got {value}")
        if le is not None and value > le:
            raise ValueError(f"must be at most {le}, got {value}")


def _unknown(what: str, name: str, known: list[str]) -> str:
    hint = difflib.get_close_matches(name, known, n=1)
    text = f"unknown {what} '{name}'"
    if hint:
        text += f" (did you mean '{hint[0]}'?)"
    elif known:
        text += f"; known: {', '.join(known)}"
    return text


# --- turning pydantic's errors into one line -----------------------------------------------


def _unwrap(tp: Any) -> Any:
    """Strip Annotated and Optional so the walk sees the model or container underneath."""
    while typing.get_origin(tp) is Annotated:
        tp = typing.get_args(tp)[0]
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return _unwrap(args[0])
    return tp


def _walk(loc: tuple[int | str, ...]) -> tuple[list[str], Any]:
    """Follow an error location through the schema: the path to show and the type it ends at."""
    tp: Any = Scenario
    shown: list[str] = []
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(str(part))
            shown.append(str(part))
            tp = field.annotation if field else None
        elif typing.get_origin(tp) is dict:
            shown.append(str(part))
            tp = typing.get_args(tp)[1]
        elif typing.get_origin(tp) in (typing.Union, types.UnionType) and part in DIST_TAGS:
            tp = next(
                a
                for a in typing.get_args(tp)
                if typing.get_args(a.model_fields["dist"].annotation) == (part,)
            )
        else:
            shown.append(str(part))
            tp = None
    return shown, tp


def _explain(err: ErrorDetails, file: str | Path) -> ScenarioError:
    loc = tuple(err["loc"])
    shown, _ = _walk(loc)
    kind, msg, value = err["type"], err["msg"], err.get("input")
    if kind == "extra_forbidden":
        _, parent = _walk(loc[:-1])
        parent = _unwrap(parent)
        known = list(parent.model_fields) if isinstance(parent, type) else []
        known = [k for k in known if k != "dist"]
        problem = _unknown("key", str(loc[-1]), known)
    elif kind == "missing":
        problem = "required key is missing"
    elif kind in ("greater_than_equal", "less_than_equal") and _is_unit_interval(err):
        problem = f"must be a probability in [0, 1], got {value}"
    elif kind == "greater_than_equal" and err.get("ctx", {}).get("ge") == 0:
        problem = f"must not be negative, got {value}"
    elif kind == "union_tag_invalid":
        problem = f"unknown distribution '{err['ctx']['tag']}'; use one of: {_tags()}"
    elif kind == "union_tag_not_found":
        problem = f"a distribution needs a 'dist' key (one of: {_tags()}) or a plain number"
    elif kind == "literal_error":
        problem = f"{msg.lower()}, got {value!r}"
    elif kind.endswith("_type") or kind.endswith("_parsing"):
        problem = f"wrong type: {msg.lower()}, got {type(value).__name__} {value!r}"
    else:
        problem = msg.removeprefix("Value error, ")
        if value is not None and not isinstance(value, dict) and "got" not in problem:
            problem += f", got {value!r}"
    return ScenarioError(file, ".".join(shown), problem)


def _is_unit_interval(err: ErrorDetails) -> bool:
    _, parent = _walk(tuple(err["loc"])[:-1])
    parent = _unwrap(parent)
    if not (isinstance(parent, type) and issubclass(parent, BaseModel)):
        return False
    field = parent.model_fields.get(str(err["loc"][-1]))
    if field is None:
        return False
    bounds = {(getattr(m, "ge", None), getattr(m, "le", None)) for m in field.metadata}
    ge = next((g for g, _ in bounds if g is not None), None)
    le = next((x for _, x in bounds if x is not None), None)
    return ge == 0 and le == 1


def _tags() -> str:
    return ", ".join(sorted(DIST_TAGS))


def override_path(key: str, value: Any) -> dict[str, Any]:
    """`{"a": {"b": value}}` from `"a.b"`: how the command line overrides one field."""
    out: dict[str, Any] = value
    for part in reversed(key.split(".")):
        out = {part: out}
    return out
