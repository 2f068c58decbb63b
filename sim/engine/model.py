"""The journey model: a Mesa model whose consumers are agents backed by struct-of-arrays.

`JourneyModel` owns all state and the schedule. A step (`sim.engine.step.advance`) runs the
moments and retention, each with array operations over the consumers concerned, moving them by
the functions of `sim.engine.transitions`; dated changes (campaign starts and ends, quality or
price changes) are Mesa events; the renewals due on a step run after it (a calendar the step
reads).
"""

from __future__ import annotations

import gc
from collections import deque
from functools import partial
from itertools import repeat
from typing import Any

import mesa
import numpy as np
import polars as pl
from mesa.time import Priority

from sim.engine import arguments, promotions, retention, transitions
from sim.engine.cohorts import cohort_retention
from sim.engine.draws import Draws, Stream
from sim.engine.journey import CUSTOMER, SMOT, Moment
from sim.engine.kernels import njit
from sim.engine.memory import fade_factor, lasting
from sim.engine.metrics import Ledger, measure
from sim.engine.network import build_ties
from sim.engine.population import NO_BRAND, TRAITS, draw_population
from sim.engine.reviews import ReviewPages
from sim.engine.step import advance
from sim.engine.touchpoints import Touchpoints
from sim.scenario import EDITABLE_TOUCHPOINT, Scenario

__all__ = ["Consumer", "JourneyModel"]

_MAX_PAGE_DEPTH = 200  # nobody reads further back than this many reviews
SATISFACTION_BIN = 0.25  # width of a bin in the satisfaction distribution at the end


class Consumer(mesa.Agent):
    """One consumer. Its state is row `row` of the model's population arrays."""

    # What Mesa's agent keeps in a dict of its own, in slots: a million consumers take some
    # 150 MiB less and are built about a sixth faster.
    __slots__ = ("model", "pos", "row", "unique_id")

    def __init__(self, model: JourneyModel, row: int) -> None:
        super().__init__(model)
        self.row = row

    @classmethod
    def populate(cls, model: JourneyModel, n: int) -> int:
        """Create the consumers of rows 0..n-1 in `model.agents`; returns the first unique_id.

        In bulk: what `Agent.__init__` does for each (an id from the model's counter, a place
        in the model's agent sets) done once for all, about ten times faster at a million.
        Only while the model is being built, when nothing can observe it yet (no signal is
        missed) and `Consumer` feeds no data registry; otherwise one by one.
        """
        first = model.agent_id_counter
        by_type = getattr(model, "_agents_by_type", None)
        every = getattr(getattr(model, "_all_agents", None), "_agents", None)
        if cls._datasets or not isinstance(every, dict) or not isinstance(by_type, dict):
            for row in range(n):
                cls(model, row)
            return first
        # A million agents hold no reference cycles worth collecting while they are created.
        collecting = gc.isenabled()
        gc.disable()
        try:
            agents = list(map(object.__new__, repeat(cls, n)))
            for name, values in (
                ("model", repeat(model, n)),
                ("unique_id", range(first, first + n)),
                ("pos", repeat(None, n)),
                ("row", range(n)),
            ):
                deque(map(setattr, agents, repeat(name), values), maxlen=0)  # set, in C
        finally:
            if collecting:
                gc.enable()
        model.agent_id_counter = first + n
        every.update(dict.fromkeys(agents))
        if cls in by_type:
            by_type[cls]._agents.update(dict.fromkeys(agents))
        elif agents:
            by_type[cls] = mesa.agentset._HardKeyAgentSet(agents, random=model.random)
        return first

    @property
    def moment(self) -> Moment:
        return Moment(int(self.model.population.moment[self.row]))

    @moment.setter
    def moment(self, value: Moment) -> None:
        self.model.population.moment[self.row] = value

    @property
    def brand(self) -> str | None:
        b = int(self.model.population.brand[self.row])
        return None if b == NO_BRAND else self.model.brands[b]

    @property
    def segment(self) -> str:
        return self.model.segments[int(self.model.population.segment[self.row])]

    @property
    def traits(self) -> dict[str, float]:
        return {name: float(getattr(self.model.population, name)[self.row]) for name in TRAITS}

    @property
    def attitude(self) -> dict[str, float]:
        row = self.model.population.attitude[self.row]
        return dict(zip(self.model.brands, row.tolist(), strict=True))

    @property
    def aware(self) -> list[str]:
        known = self.model.population.aware[self.row]
        return [b for b, k in zip(self.model.brands, known, strict=True) if k]

    @property
    def satisfaction(self) -> float:
        return float(self.model.population.satisfaction[self.row])

    @satisfaction.setter
    def satisfaction(self, value: float) -> None:
        self.model.population.satisfaction[self.row] = value

    @property
    def expectation(self) -> float:
        return float(self.model.population.expectation[self.row])


class JourneyModel(mesa.Model):
    """A market of consumers moving through the moments of truth.

    Args:
        scenario: a validated scenario (see `load_scenario`).
        consumers: population size, overriding the scenario's.
        rng: seed or numpy Generator; it draws the run's key, from which every random number
            of the model is derived (`sim.engine.draws`).
    """

    def __init__(
        self, scenario: Scenario, *, consumers: int | None = None, rng: Any = None
    ) -> None:
        super().__init__(rng=rng)
        # `scenario` is Mesa's own attribute; the journey's scenario is `spec`.
        self.spec = spec = scenario
        n = consumers if consumers is not None else spec.population.consumers
        self.brands = spec.brand_names
        self.segments = list(spec.population.segments)
        self.touchpoints = Touchpoints.from_scenario(spec)
        # How traces fade, by code (`memory`): 0 the `[memory]` half-life (word of mouth, a
        # purchase, what is known at the start), 1 + k touchpoint k's; factors as kept in float32.
        self.factors = np.array(
            [fade_factor(spec.memory.half_life), *self.touchpoints.fade], dtype=np.float32
        ).astype(np.float64)
        self.lasts = np.array([lasting(f) for f in self.factors], dtype=np.int64)
        self.draws = Draws(int(self.rng.integers(2**63)))
        self.population = pop = draw_population(
            spec,
            n,
            self.draws.generator("population"),
            int(self.lasts[0]),
            self.draws.generator("population.churn_propensity"),
            fades=len(self.factors),
        )
        self.ties = build_ties(spec.network, n, self.draws.generator("network"))
        self.tally = np.zeros(n, dtype=np.int64)  # scratch counts per consumer, kept at zero
        self.first_id = Consumer.populate(self, n)  # Consumer in row i: unique_id first_id + i

        brands = list(spec.brands.values())
        self.brand_quality = np.array([b.quality for b in brands])
        self.brand_quality_sd = np.array([b.quality_sd for b in brands])
        self.prices = np.array([b.price for b in brands])
        self.problem_rates = np.array([b.problem_rate for b in brands])
        self.kept_arguments: dict = {}  # the kernels' arguments (`sim.engine.arguments`)
        self.promotions = promotions.Promotions.from_scenario(spec)
        # what new customers get now, per brand: share off and discounted periods
        self.offer = np.zeros(len(brands))
        self.offer_periods = np.zeros(len(brands), dtype=np.int64)
        self._price_offers()
        # whether each consumer has heard of (and decided on) each promotion
        self.promotion_heard = np.zeros((n, len(self.promotions)), dtype=bool)
        self.forgets = bool((self.factors < 1).any())
        # deep enough for the longest read in ZMOT and for what a reviewer sees in UMOT
        depth = int(
            min(max(pop.reviews_read.max(initial=1), spec.umot.herding_window), _MAX_PAGE_DEPTH)
        )
        self.pages = ReviewPages(len(brands), depth)
        self.ledger = Ledger(
            self.brands,
            [
                (self.brands[b], name)
                for b, name in zip(self.touchpoints.brand, self.touchpoints.names, strict=True)
            ],
            spec.time.steps,
            promotions=len(self.promotions) > 0,
        )
        self.cols = self.ledger.cols
        self.flow_cols = transitions.flow_columns(self.cols.flow)  # [from, to] -> column
        # whether churn odds carry each consumer's own propensity (a segment declares one)
        self.has_propensity = any(
            seg.churn_propensity is not None for seg in spec.population.segments.values()
        )

        self.known = pop.aware.sum(axis=0).astype(np.int64)  # consumers aware of each brand
        self.counts = np.bincount(pop.moment, minlength=len(Moment)).astype(np.int64)
        customers = pop.brand[pop.moment >= CUSTOMER]
        self.customer_counts = np.bincount(customers, minlength=len(brands)).astype(np.int64)
        self._scheduled: list[Any] = []  # Mesa holds events by weak reference
        self._calendar: dict[int, list[np.ndarray]] = {}  # renewal step -> who renews then
        initial = np.flatnonzero(pop.moment >= CUSTOMER)
        for due in np.unique(pop.next_renewal[initial]):
            self.book_renewals(initial[pop.next_renewal[initial] == due], int(due))
        # Ended customer spells, one entry per churn: (brand, acquired, ended), for the cohorts.
        self.spells: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._schedule_changes()

    # --- time -------------------------------------------------------------------------------

    @property
    def t(self) -> int:
        """The current step, counting from 1.

        Read where Mesa's signal descriptor `time` keeps it (`_time`, as a test checks) rather
        than through the descriptor, a Python call of its own: a step reads it some forty times.
        """
        return int(self._time)

    def stream(self, name: str) -> Stream:
        """This step's random numbers for the mechanism `name` (see `sim.engine.draws`)."""
        return self.draws.stream(name, int(self._time))  # `t`, without its call

    def step(self) -> None:
        """One step, in the order `sim.engine.step.advance` writes down, then the renewals
        falling on it, then measuring.

        Both were Mesa events after the step (a renewal day at default priority, measuring a
        recurring one at low); run here they keep that order and cost a dict lookup where
        booking and running the two events cost some 25 us a step, an eighth of a small
        market's step. Dated changes stay Mesa events, run before the step of their time.
        """
        advance(self)
        due = int(self._time)
        if due in self._calendar:
            self._renewal_day(due)
        self._record()

    def _at(self, time: int, change: partial) -> None:
        self._scheduled.append(change)
        self.schedule_event(change, at=time, priority=Priority.HIGH)

    def _schedule_changes(self) -> None:
        """Campaign starts and ends and the scenario's dated events, as Mesa events.

        Scheduled now, they carry lower ids than the step events of the same time and with the
        same priority run first, so a change dated `at` already holds during step `at`.
        """
        tps = [tp for brand in self.spec.brands.values() for tp in brand.touchpoints.values()]
        for i, tp in enumerate(tps):
            if tp.start is not None:
                self._at(self.spec.step_at(tp.start), partial(self._set_active, i, True))
            if tp.end is not None:
                self._at(self.spec.step_at(tp.end) + 1, partial(self._set_active, i, False))
        for event in self.spec.events.values():
            self._at(
                self.spec.step_at(event.at),
                partial(self._apply, event.brand, event.touchpoint, event.set),
            )
        for k in range(len(self.promotions)):
            self._at(int(self.promotions.start[k]), partial(self._promote, k, True))
            self._at(int(self.promotions.end[k]) + 1, partial(self._promote, k, False))

    def _promote(self, k: int, running: bool) -> None:
        """A promotion starts or ends: the offers to new customers change, and existing
        customers it reaches directly hear of it (`sim.engine.promotions`)."""
        self.promotions.running[k] = running
        self.offer, self.offer_periods = promotions.offers(self.promotions, len(self.brands))
        self._price_offers()
        if running:
            promotions.on_start(self, k)

    def offer_prices(self) -> np.ndarray:
        """What shoppers choose on now, per brand: the price, less a running new-customer
        discount (read-only: kept until a price or an offer changes)."""
        return self._offered

    def _price_offers(self) -> None:
        self._offered = self.prices * (1.0 - self.offer)
        self._offered.flags.writeable = False
        arguments.forget(self)  # kept tuples may hold the offers or what they were priced at

    def _set_active(self, tp: int, active: bool) -> None:
        self.touchpoints.active[tp] = active
        arguments.forget(self)  # kept tuples may hold the running touchpoints

    def _apply(self, brand: str, touchpoint: str | None, values: dict[str, float]) -> None:
        """A dated event: set fields of a brand or of one of its touchpoints from now on."""
        b = self.brands.index(brand)
        if touchpoint is None:
            row = b
            arrays = {
                "price": self.prices,
                "problem_rate": self.problem_rates,
                "quality": self.brand_quality,
                "quality_sd": self.brand_quality_sd,
            }
        else:
            row = self.touchpoints.index(b, touchpoint)
            arrays = {f: getattr(self.touchpoints, f) for f in EDITABLE_TOUCHPOINT}
        for field, value in values.items():
            arrays[field][row] = value  # the loader refuses other fields; here a KeyError
        if touchpoint is None:  # a price may have changed (and the kept tuples are forgotten)
            self._price_offers()
        else:
            arguments.forget(self)  # kept tuples may hold what a touchpoint's figures made

    # --- renewal calendar -------------------------------------------------------------------

    def book_renewals(self, idx: np.ndarray, due: int) -> None:
        """Put customers in the renewal calendar, which the step of day `due` reads (`step`)."""
        self.population.next_renewal[idx] = due
        self._calendar.setdefault(due, []).append(idx)

    def deciding(self, idx: np.ndarray) -> np.ndarray:
        """Which customers in `idx` decide to renew or churn at a renewal this step.

        A subscription renewal may move a customer (churn), so the moments leave these
        customers where they are this step (no review, no return from UMOT): the renewal is
        their one move. Repurchase renewals only take payment and never hold anyone.
        """
        return self.population.next_renewal[idx] == self.held()

    def held(self) -> int:
        """The renewal day whose customers `deciding` holds still this step: this step in a
        subscription market, else -1, no one's (a renewal day is never negative). For the
        moments' kernels, which compare it with `population.next_renewal` themselves."""
        r = self.spec.retention
        return int(self._time) if r.enabled and r.mode == "subscription" else -1

    def _renewal_day(self, due: int) -> None:
        # A consumer enters a day's list at most once (acquisition and renewal never fall in
        # the same step for one consumer); those who churned since are filtered out.
        idx = np.concatenate(self._calendar.pop(due))
        pop = self.population
        retention.renewals(self, _still_due(idx, pop.next_renewal, pop.moment, due, SMOT))

    # --- measurement ------------------------------------------------------------------------

    def _record(self) -> None:
        pop = self.population
        measure(
            self.ledger,
            self.counts,
            self.customer_counts,
            self.pages.count,
            self.pages.total,
            self.known,
            pop.moment,
            pop.brand,
            pop.satisfaction,
        )
        self.ledger.close(self.t)

    def metrics(self) -> pl.DataFrame:
        """Tidy time series of the steps run so far."""
        return self.ledger.frame(self.t)

    def cohorts(self) -> pl.DataFrame:
        """Retention by acquisition cohort and period since acquisition."""
        pop = self.population
        active = np.flatnonzero(pop.moment >= CUSTOMER)
        parts = [
            *self.spells,
            (
                pop.brand[active].astype(np.int64),
                pop.acquired[active],
                np.full(active.size, self.t + 1),
            ),
        ]
        brand, acquired, ended = (np.concatenate(x) for x in zip(*parts, strict=True))
        return cohort_retention(
            brand, acquired, ended, self.brands, self.spec.retention.period, self.t
        )

    def satisfaction(self) -> pl.DataFrame:
        """Customers now by brand and satisfaction bin: brand, bin (lower edge), customers."""
        pop = self.population
        customers = np.flatnonzero(pop.moment >= CUSTOMER)
        return (
            pl.DataFrame(
                {
                    "brand": pl.Series(
                        np.asarray(self.brands, dtype=object)[pop.brand[customers]],
                        dtype=pl.String,
                    ),
                    "bin": np.floor(pop.satisfaction[customers] / SATISFACTION_BIN)
                    * SATISFACTION_BIN,
                }
            )
            .group_by("brand", "bin")
            .agg(customers=pl.len().cast(pl.Int64))
            .sort("brand", "bin")
        )

    def reviews(self) -> pl.DataFrame:
        """Every review posted so far: step, brand, stars, author (a Consumer's unique_id)."""
        frame = self.pages.frame(self.brands)
        return frame.with_columns(pl.col("author") + (self.first_id - 1))


@njit(cache=True)
def _still_due(idx, next_renewal, moment, due, smot):  # type: ignore[no-untyped-def]
    """Those of `idx` still due to renew at `due` and still customers (at `smot` or after):
    one call where numpy needs six."""
    out = np.empty_like(idx)
    k = 0
    for i in idx:
        out[k] = i
        k += (next_renewal[i] == due) & (moment[i] >= smot)
    return out[:k]
