"""The scenario schema: typed, validated sections of a scenario (pydantic models).

Every rate in a scenario is per step (a rate given with its unit is converted to the step
before validation: `sim.scenario.units`), and a point in time is a step or a date
(`sim.scenario.calendar`). Each section refuses unknown keys and values out of range; the
loader (`sim.scenario.loading`) turns a refusal into one line naming the key path.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.scenario.calendar import step_of
from sim.scenario.distributions import Beta, Distribution, Normal, Poisson

__all__ = [
    "EDITABLE_BRAND",
    "EDITABLE_TOUCHPOINT",
    "MAX_CONSUMERS",
    "MAX_STEPS",
    "Brand",
    "FreeParameter",
    "Network",
    "Promotion",
    "Scenario",
    "Section",
    "Touchpoint",
]

# Upper bounds: what a laptop can run (a million consumers take about 1 GB), stated up front so
# that a typo is refused before any work rather than failing after it.
MAX_CONSUMERS = 10_000_000
MAX_STEPS = 100_000

# The fields a dated event may change, for a brand and for a touchpoint.
EDITABLE_BRAND = ("price", "problem_rate", "quality", "quality_sd")
EDITABLE_TOUCHPOINT = ("cost", "quality", "quality_sd", "reach", "trigger", "weight")


def _probability(x: float) -> float:
    if not 0 <= x <= 1:
        raise ValueError(f"must be a probability in [0, 1], got {x!r}")
    return x


Probability = Annotated[float, AfterValidator(_probability)]


def _step_or_date(x: Any) -> Any:
    if isinstance(x, bool) or not isinstance(x, int | float | date) or isinstance(x, datetime):
        raise ValueError(f"must be a step (an integer) or a date (e.g. 2026-02-14), got {x!r}")
    if isinstance(x, int | float) and x < 0:
        raise ValueError(f"must not be negative, got {x!r}")
    return x


StepOrDate = Annotated[int | date, BeforeValidator(_step_or_date)]
"""A point in time: a step (counting from 1) or a date (the step it falls in, `time.start`)."""
NonNegative = Annotated[float, Field(ge=0)]
UmotKind = Literal["review_request", "review_response"]
DEFAULT_MAX_STARS = 2  # a review_response answers 1- and 2-star reviews unless told otherwise


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


class Time(Section):
    """How long a step is, how many steps a run lasts and, optionally, the date step 1 begins
    on. A rate is per step unless given with its unit (`sim.scenario.units`)."""

    step: Literal["day", "week", "month"] = "day"
    steps: int = Field(730, ge=1, le=MAX_STEPS)
    start: date | None = None
    """The date step 1 begins on (`sim.scenario.calendar`); then dates may stand for steps."""

    @field_validator("start", mode="before")
    @classmethod
    def _a_date(cls, v: Any) -> Any:
        if v is not None and (not isinstance(v, date) or isinstance(v, datetime)):
            raise ValueError(f"must be a date (e.g. 2026-01-01), got {v!r}")
        return v


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
    churn_propensity: Distribution | None = None
    """A consumer's own chance of leaving at a renewal, theta, entering the churn log-odds as
    logit(theta): with the other terms at zero the churn chance is theta itself, and with theta
    ~ Beta(a, b) the model is the shifted-beta-geometric (Fader & Hardie 2007). None: no such
    trait (log-odds 0 for everyone, as a theta of 0.5 would give)."""

    @field_validator(
        "need_rate", "research", "susceptibility", "review_propensity", "churn_propensity"
    )
    @classmethod
    def _probability(cls, v: Distribution | None) -> Distribution | None:
        if v is None:
            return v
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
    consumers: int = Field(10_000, ge=1, le=MAX_CONSUMERS)
    segments: dict[str, Segment] = Field(default_factory=lambda: {"everyone": Segment()})


class Network(Section):
    """Who talks to whom. `fully_mixed` means anyone may talk to anyone (no ties are stored)."""

    kind: Literal["fully_mixed", "small_world", "scale_free"] = "small_world"
    mean_degree: float = Field(10, gt=0, le=1000)
    rewire: Probability = 0.1
    exponent: float = Field(2.5, gt=2)


class Touchpoint(Section):
    """A brand's point of contact with consumers in one moment.

    `reach` is a chance per step of meeting the audience, except in FMOT: there it is the share
    of the brand's first encounters that happen at this touchpoint (the rest meet the product
    itself). An FMOT touchpoint may also stimulate, like a sample or a street demo: it then
    meets out-of-market prospects with chance `stimulus_reach` per step, as a <ZMOT stimulus.

    A UMOT touchpoint has a `kind`. A `review_request` asks its audience for a review right
    after an experience, with chance `reach` per step in which they have one. A
    `review_response` answers each review of at most `max_stars` stars with chance `reach` as
    it is posted (`sim.engine.moments.umot`).
    """

    moment: Literal["pre_zmot", "zmot", "fmot", "smot", "umot"]
    kind: Annotated[UmotKind | None, Field(validate_default=True)] = None
    channel: str = ""
    reach: Probability
    stimulus_reach: Probability = 0.0
    quality: float = Field(3.5, ge=1, le=5)
    quality_sd: NonNegative = 0.0
    weight: Probability = 0.1
    cost: NonNegative = 0.0
    trigger: Probability = 0.0
    # with_problem: customers with an open service problem, who reach it with chance `reach`
    audience: Literal["prospects", "customers", "new_customers", "with_problem", "all"] | None = (
        None
    )
    start: StepOrDate | None = None
    end: StepOrDate | None = None
    half_life: float | None = Field(None, ge=0)  # steps its trace lasts; default: [memory]
    # review_response: answers reviews of at most this many stars (complaints); default 2
    max_stars: int | None = Field(None, ge=1, le=3)

    @field_validator("kind")
    @classmethod
    def _kind_in_umot(cls, v: str | None, info: ValidationInfo) -> str | None:
        moment = info.data.get("moment")
        if moment == "umot" and v is None:
            raise ValueError(
                "a UMOT touchpoint needs a kind: review_request (ask customers for a review) "
                "or review_response (answer negative reviews)"
            )
        if moment is not None and moment != "umot" and v is not None:
            raise ValueError(f"only a UMOT touchpoint has a kind (this one's moment is {moment!r})")
        return v

    @field_validator("audience")
    @classmethod
    def _audience_of_umot(cls, v: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("kind")
        if kind == "review_response" and v is not None:
            raise ValueError("a review_response answers reviews as they are posted: no audience")
        if kind == "review_request" and v == "prospects":
            raise ValueError("a review_request asks customers: prospects have nothing to review")
        return v

    @field_validator("max_stars")
    @classmethod
    def _stars_of_responses(cls, v: int | None, info: ValidationInfo) -> int | None:
        if v is not None and info.data.get("kind") != "review_response":
            raise ValueError("only a review_response touchpoint answers reviews up to some stars")
        return v

    @field_validator("end")
    @classmethod
    def _after_start(cls, v: int | date | None, info: ValidationInfo) -> int | date | None:
        start = info.data.get("start")
        if v is not None and start is not None and type(v) is type(start) and v < start:
            shown = "step {}" if isinstance(v, int) else "{}"
            ends, starts = shown.format(v), shown.format(start)
            raise ValueError(f"schedule ends ({ends}) before it starts ({starts})")
        return v

    @model_validator(mode="after")
    def _stimulates_only_in_fmot(self) -> Touchpoint:
        if self.stimulus_reach > 0 and self.moment != "fmot":
            raise ValueError(
                "stimulus_reach: only a first-encounter (fmot) touchpoint also stimulates"
            )
        return self

    @property
    def who(self) -> str:
        """The audience, defaulting to prospects before purchase and customers after."""
        if self.audience is not None:
            return self.audience
        return "customers" if self.moment in ("smot", "umot") else "prospects"

    @property
    def answers_up_to(self) -> int:
        """Stars up to which a review_response answers reviews (2 unless set)."""
        return self.max_stars if self.max_stars is not None else DEFAULT_MAX_STARS


class Promotion(Section):
    """A price promotion: from `start` to `end` (steps or dates, both included) the brand offers
    `discount` off its price for `periods` renewal periods to each customer who takes it.

    New customers (`audience` "new" or "all") acquired in the window take it on purchase: they
    pay the discounted price for their first `periods` periods, and shoppers choose on the
    discounted price (the price term of the logit) while it runs. Existing customers
    ("existing" or "all") hear of it through the brand's <ZMOT and SMOT touchpoints running in
    the window, with each touchpoint's reach per step (a SMOT touchpoint only within its
    audience), or all at once on its first day if the brand runs none then; each decides once,
    taking it with chance `take_up`, and pays the discounted price at its next `periods`
    renewals (`sim.engine.promotions`).
    """

    start: StepOrDate
    end: StepOrDate
    audience: Literal["new", "existing", "all"] = "all"
    discount: float = Field(ge=0, lt=1)
    """Share off the price, in [0, 1)."""
    periods: int = Field(1, ge=1, le=MAX_STEPS)
    """Renewal periods the discounted price lasts for each customer who takes it."""
    take_up: Probability | None = None
    """Chance that an existing customer who hears of it takes it (needed for existing ones)."""

    @field_validator("end")
    @classmethod
    def _after_start(cls, v: int | date, info: ValidationInfo) -> int | date:
        start = info.data.get("start")
        if start is not None and type(v) is type(start) and v < start:
            raise ValueError(f"the promotion ends ({v}) before it starts ({start})")
        return v

    @model_validator(mode="after")
    def _take_up_for_existing(self) -> Promotion:
        if self.audience != "new" and self.take_up is None:
            raise ValueError(
                f"take_up: required for audience {self.audience!r} (the chance that an "
                "existing customer who hears of the promotion takes it)"
            )
        return self

    @property
    def for_new(self) -> bool:
        return self.audience in ("new", "all")

    @property
    def for_existing(self) -> bool:
        return self.audience in ("existing", "all")


class Brand(Section):
    """A brand: product quality (1-5 stars) and spread, price per period, initial reach, and
    its price promotions."""

    quality: float = Field(3.5, ge=1, le=5)
    quality_sd: NonNegative = 0.8
    price: NonNegative = 10.0
    awareness: Probability = 0.3
    share: Probability = 0.0
    problem_rate: Probability = 0.0  # chance per step a customer meets a fault, billing error...
    touchpoints: dict[str, Touchpoint] = Field(default_factory=dict)
    promotions: dict[str, Promotion] = Field(default_factory=dict)


class Market(Section):
    """Which brand is ours (the focal brand); the first brand when not given."""

    focal: str = ""


class Memory(Section):
    """Ad-stock: how fast awareness and attitude fade without contact, as a half-life in steps
    (0: never). A touchpoint's own `half_life` overrides it for the contacts it makes."""

    half_life: float = Field(0.0, ge=0)


class Zmot(Section):
    """Research: the prior counts as `prior_weight` reviews; shoppers knowing no brand give up."""

    enabled: bool = True
    reviews: bool = True
    """Shoppers read reviews (false: they choose on attitude and price alone)."""
    prior_weight: NonNegative = 5.0
    give_up: Probability = 0.02
    answered_weight: Probability = 0.5
    """How much a shopper counts a complaint the brand has answered (a review_response), an
    unanswered review counting 1: a response makes readers blame the firm less (Sparks, So &
    Bradley 2016; Li, Cui & Peng 2018). No study gives the size; 0.5 is an assumption."""


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
    """Living with the product: usage experiences, loss weight, how long a customer is new;
    how satisfaction and expectations form; service problems and their recovery."""

    usage_rate: Probability = 0.3
    usage_weight: Probability = 0.03
    negativity: float = Field(2.0, ge=1)
    onboarding_steps: int = Field(30, ge=0)
    # Satisfaction responds to performance (quality against `neutral`) as well as to
    # disconfirmation (quality against expectation): Churchill & Surprenant 1982; Anderson &
    # Sullivan 1993. Expectations move toward the quality met (adaptive expectations).
    neutral: float = Field(3.0, ge=1, le=5)
    performance_weight: Probability = 0.5
    expectation_learning: Probability = 0.05
    # Service problems (faults, billing, outages) arise at each brand's `problem_rate`; a
    # `with_problem` touchpoint (a support line) recovers them with a logistic chance in its
    # encounter quality against `neutral` (Smith & Bolton 1998); an unrecovered contact is a
    # second failure. A recovered problem may leave the customer slightly happier than before
    # (the recovery paradox, debated: Maxham & Netemeyer 2002), hence a small default.
    problem_severity: NonNegative = 1.0
    problem_weight: Probability = 0.3
    self_resolve: Probability = 0.02
    recovery_slope: NonNegative = 2.0
    recovery_paradox: NonNegative = 0.1


class Wom(Section):
    """Word of mouth: who talks and how often, pull on the listener, chance to spark a need.

    The chance to talk grows with how strongly one feels, more when dissatisfied (Anderson
    1998); ex-customers talk about their former brand for a while. The defaults (no intensity,
    no talk after churn) are the plain rate per customer.
    """

    enabled: bool = True
    rate: Probability = 0.02  # chance per step that an indifferent customer talks
    intensity: NonNegative = 0.0  # talk rises by `rate` times this per point of satisfaction
    negative_intensity: NonNegative = 0.0  # the same per point of dissatisfaction
    after_churn: int = Field(0, ge=0)  # steps an ex-customer keeps talking about its old brand
    weight: Probability = 0.2  # how far one talk moves a listener (times susceptibility)
    trigger: Probability = 0.1  # chance a positive talk sparks the listener's need


class Umot(Section):
    """Reviews: self-selected by how strongly the customer feels (or by everyone), with stars
    that herd toward the newest reviews the reviewer sees."""

    enabled: bool = True
    self_selected: bool = True
    """Post by how strongly one feels either way (J-shaped ratings); false: everyone reviews."""
    disconfirmation: NonNegative = 0.3
    """Stars per star of surprise added to the experienced quality in a reviewer's evaluation."""
    negativity: float = Field(4.0, ge=1)
    """A disappointment weighs this many times a pleasant surprise in the evaluation."""
    rating_noise: NonNegative = 0.25
    """Standard deviation (stars) of how reviewers differ in using the scale."""
    extremity_scale: float = Field(2.5, gt=0)
    """Distance of an evaluation from neutral (3 stars) at which posting is as likely as it gets."""
    moderate_posting: Probability = 0.05
    """Share of that chance with which a customer who feels neutral still posts."""
    herding: Probability = 0.3
    """Pull of the evaluation toward the newest reviews shown when they are higher."""
    herding_negative: Probability = 0.05
    """The same pull when they are lower: weaker, raters correct negative priors."""
    herding_window: int = Field(10, ge=1)
    """How many of the newest reviews a reviewer sees on the page when posting."""
    solicited_posting: NonNegative = 1.0
    """A customer asked for a review (a review_request) who would not have posted grants the
    request with this many times its review propensity (capped at 1), times how good it found
    the experience (none at 1 star, fully at 5): asking brings in the moderate and satisfied
    experiences self-selection leaves out (Karaman 2021; Brandes, Godes & Mayzlin 2022). 1 is
    an assumption: a delighted customer asked is then about as likely to post again as unasked."""


class Retention(Section):
    """Renewal every `period` steps (or a repurchase hazard) and the churn log-odds."""

    enabled: bool = True
    mode: Literal["subscription", "repurchase"] = "subscription"
    period: int = Field(30, ge=1, le=MAX_STEPS)
    base: float = -3.0
    slope: NonNegative = 2.0
    competition: NonNegative = 1.0
    unresolved: NonNegative = 1.5  # churn log-odds added while a service problem is open
    reenter: Probability = 0.5
    # Prices after purchase (`sim.engine.retention.price_logit`), each times the customer's
    # price sensitivity: churn log-odds per unit the price due rises above the price last paid
    # (the reference price; the end of a discount is such a rise), per unit it falls below it,
    # and per unit it is above the price of the best known competitor. 0: prices play no part.
    reference_loss: NonNegative = 0.0
    reference_gain: NonNegative = 0.0
    price_gap: NonNegative = 0.0


class Event(Section):
    """A dated change to a brand or one of its touchpoints, e.g. a quality change on day 90."""

    at: StepOrDate
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


NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
"""A scenario's name: it names run folders, so letters, digits, '_', '-', '.' and at most 100."""


def _safe_name(name: str) -> str:
    if name and not NAME.fullmatch(name):
        raise ValueError(
            f"{name[:40]!r} cannot name a run folder: use letters, digits, '_', '-' and '.', "
            "starting with a letter or digit, at most 100 characters"
        )
    return name


class Scenario(Section):
    name: Annotated[str, AfterValidator(_safe_name)] = ""
    description: str = ""
    time: Time = Field(default_factory=Time)
    population: Population = Field(default_factory=Population)
    network: Network = Field(default_factory=Network)
    market: Market = Field(default_factory=Market)
    brands: dict[str, Brand] = Field(min_length=1)
    memory: Memory = Field(default_factory=Memory)
    zmot: Zmot = Field(default_factory=Zmot)
    choice: Choice = Field(default_factory=Choice)
    fmot: Fmot = Field(default_factory=Fmot)
    smot: Smot = Field(default_factory=Smot)
    wom: Wom = Field(default_factory=Wom)
    umot: Umot = Field(default_factory=Umot)
    retention: Retention = Field(default_factory=Retention)
    events: dict[str, Event] = Field(default_factory=dict)
    calibration: dict[str, FreeParameter] = Field(default_factory=dict)

    def step_at(self, when: int | date) -> int:
        """The step a point in time means: a step as it is, a date the step it falls in (the
        loader has checked that dates come with `time.start` and fall on or after it)."""
        if isinstance(when, date):
            if self.time.start is None:
                raise ValueError(f"the date {when} needs time.start")
            return step_of(when, self.time.start, self.time.step)
        return when

    @property
    def brand_names(self) -> list[str]:
        return list(self.brands)

    @property
    def focal(self) -> str:
        return self.market.focal or next(iter(self.brands))
