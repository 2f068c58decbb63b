"""Touchpoints compiled into arrays, and what one encounter does to a consumer.

Each touchpoint belongs to a brand and a moment. Its numbers live in arrays so that dated events
(scheduled through Mesa) can change them in place, and a step can read them without lookups.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.engine.draws import Draws
from sim.engine.journey import Moment
from sim.engine.kernels import njit, ufunc
from sim.engine.memory import fade_factor
from sim.scenario import EDITABLE_TOUCHPOINT, Scenario

__all__ = ["Touchpoints", "disconfirmation", "encounter", "felt", "recovery_probability"]

_MOMENT = {m.label: m for m in Moment}
# audiences by their code in `Touchpoints.who`, as kernels test them (`transitions._aimed`)
AUDIENCES = ("all", "prospects", "customers", "new_customers", "with_problem")


@dataclass(eq=False)
class Touchpoints:
    names: list[str]  # touchpoint names as in the scenario
    keys: list[str]  # "brand/touchpoint": names its random streams (`sim.engine.draws`)
    brand: np.ndarray  # int: index of the owning brand
    moment: np.ndarray  # int: Moment
    audience: list[str]
    kind: list[str]  # UMOT: "review_request" or "review_response"; "" elsewhere
    max_stars: np.ndarray  # int: a review_response answers reviews of at most these stars
    reach: np.ndarray
    quality: np.ndarray
    quality_sd: np.ndarray
    weight: np.ndarray
    cost: np.ndarray
    trigger: np.ndarray
    stimulus_reach: np.ndarray  # FMOT touchpoints: chance per step of meeting a prospect
    fade: np.ndarray  # what is left of a contact's trace after a step (1: never fades)
    active: np.ndarray  # bool: inside its schedule now
    who: np.ndarray = field(init=False)  # int: `audience` as its index in `AUDIENCES`
    _live: dict = field(init=False, repr=False, default_factory=dict)  # `live`, kept
    _kinds: dict = field(init=False, repr=False, default_factory=dict)  # `of_kind`, kept
    _streams: dict = field(init=False, repr=False, default_factory=dict)  # `stream_keys`, kept

    def __post_init__(self) -> None:
        self.who = np.array([AUDIENCES.index(a) for a in self.audience], dtype=np.int64)

    def stream_keys(self, draws: Draws, prefix: str) -> np.ndarray:
        """The keys (`Draws.keys`) of the streams `f"{prefix}:{key}"` of every touchpoint:
        kernels turn them into this step's bases (`sim.engine.draws._base`). Kept by prefix
        (a step asks some dozen times, and `Draws.keys` hashes every name each time)."""
        kept = self._streams.get(prefix)
        if kept is None or kept[0] is not draws:
            kept = self._streams[prefix] = (draws, draws.keys(self.keys, prefix))
        return kept[1]

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Touchpoints:
        default = scenario.memory.half_life
        brands = scenario.brand_names
        rows = [
            (b, name, tp)
            for b, brand in enumerate(scenario.brands.values())
            for name, tp in brand.touchpoints.items()
        ]
        values = {
            f: np.array([getattr(tp, f) for *_, tp in rows], float) for f in EDITABLE_TOUCHPOINT
        }
        return cls(
            names=[name for _, name, _ in rows],
            keys=[f"{brands[b]}/{name}" for b, name, _ in rows],
            brand=np.array([b for b, *_ in rows], dtype=np.int64),
            moment=np.array([_MOMENT[tp.moment] for *_, tp in rows], dtype=np.int64),
            audience=[tp.who for *_, tp in rows],
            kind=[tp.kind or "" for *_, tp in rows],
            max_stars=np.array([tp.answers_up_to for *_, tp in rows], dtype=np.int64),
            active=np.array([tp.start is None for *_, tp in rows], dtype=bool),
            stimulus_reach=np.array([tp.stimulus_reach for *_, tp in rows], float),
            fade=np.array(
                [
                    fade_factor(tp.half_life if tp.half_life is not None else default)
                    for *_, tp in rows
                ],
                dtype=np.float32,
            ),
            **values,
        )

    def __len__(self) -> int:
        return len(self.names)

    def index(self, brand: int, name: str) -> int:
        return next(i for i in range(len(self)) if self.brand[i] == brand and self.names[i] == name)

    def live(self, moment: Moment) -> np.ndarray:
        """Indices of the touchpoints of a moment that are running now (read-only: kept, by
        moment and which are running, for the next step)."""
        key = (int(moment), self.active.tobytes())
        live = self._live.get(key)
        if live is None:
            live = self._live[key] = np.flatnonzero((self.moment == moment) & self.active)
            live.flags.writeable = False
        return live

    def of_kind(self, kind: str) -> list[int]:
        """The running UMOT touchpoints of a kind (`review_request`, ...), in plain Python (a
        touchpoint's moment and kind are fixed once built; only whether it runs changes)."""
        kinds = self._kinds.get(kind)
        if kinds is None:
            kinds = self._kinds[kind] = [
                tp
                for tp in range(len(self))
                if self.moment[tp] == Moment.UMOT and self.kind[tp] == kind
            ]
        return [tp for tp in kinds if self.active[tp]]


# The formulas of one encounter are scalar kernels (`_encounter`, ...): the moments' kernels
# call them on one consumer at a time, and the public functions (which take keyword arguments,
# as a ufunc does not) on arrays through their `ufunc`, broadcasting as numpy's would.


def disconfirmation(quality: np.ndarray, expected: np.ndarray, negativity: float) -> np.ndarray:
    """Quality minus expectation, with shortfalls weighing `negativity` times more (Oliver 1980)."""
    return ufunc(_disconfirmation)(quality, expected, negativity)


@njit(cache=True)
def _disconfirmation(quality: float, expected: float, negativity: float) -> float:
    surprise = quality - expected
    return negativity * surprise if surprise < 0 else surprise


def felt(
    quality: np.ndarray,
    expected: np.ndarray,
    neutral: float,
    performance_weight: float,
    negativity: float,
) -> np.ndarray:
    """What an experience does to satisfaction: performance (quality against the `neutral`
    level) and disconfirmation (quality against expectation), weighted `performance_weight` and
    the rest; a net shortfall weighs `negativity` times more.

    Satisfaction responds to both (Churchill & Surprenant 1982; Anderson & Sullivan 1993), so
    a better product satisfies more even once expectations have caught up with it.
    """
    return ufunc(_felt)(quality, expected, neutral, performance_weight, negativity)


@njit(cache=True)
def _felt(
    quality: float, expected: float, neutral: float, performance_weight: float, negativity: float
) -> float:
    signal = performance_weight * (quality - neutral) + (1 - performance_weight) * (
        quality - expected
    )
    return negativity * signal if signal < 0 else signal


def recovery_probability(quality: np.ndarray, neutral: float, slope: float) -> np.ndarray:
    """Chance that a service encounter of this quality solves the customer's problem:
    logistic in the quality above the `neutral` level (even odds at neutral)."""
    return ufunc(_recovery)(quality, neutral, slope)


@njit(cache=True)
def _recovery(quality: float, neutral: float, slope: float) -> float:
    return 1.0 / (1.0 + np.exp(-slope * (quality - neutral)))


def encounter(
    attitude: np.ndarray, quality: np.ndarray, weight: np.ndarray | float, negativity: float
) -> np.ndarray:
    """Attitude after an encounter: moved toward its quality, further when it disappoints."""
    return ufunc(_encounter)(attitude, quality, weight, negativity)


@njit(cache=True)
def _encounter(attitude: float, quality: float, weight: float, negativity: float) -> float:
    surprise = quality - attitude
    step = min(1.0, weight * (negativity if surprise < 0 else 1.0))
    return attitude + step * surprise
