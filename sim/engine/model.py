"""The journey model: a Mesa model whose consumers are agents backed by struct-of-arrays.

`JourneyModel` owns all state. A step runs the five moments in journey order, then retention,
each with array operations over the consumers concerned; dated changes (campaign starts and
ends, quality or price changes) are Mesa events scheduled when the model is built.
"""

from __future__ import annotations

import gc
from functools import partial
from typing import Any

import mesa
import numpy as np
import polars as pl
from mesa.time import Priority, Schedule

from sim.engine import retention
from sim.engine.cohorts import cohort_retention
from sim.engine.journey import EDGE_INDEX, Moment
from sim.engine.metrics import Ledger
from sim.engine.moments import fmot, pre_zmot, smot, umot, zmot
from sim.engine.network import build_ties
from sim.engine.population import NO_BRAND, TRAITS, draw_population
from sim.engine.reviews import ReviewPages
from sim.engine.touchpoints import Touchpoints, encounter
from sim.scenario import Scenario

__all__ = ["Consumer", "JourneyModel"]

_MAX_PAGE_DEPTH = 200  # nobody reads further back than this many reviews
SATISFACTION_BIN = 0.25  # width of a bin in the satisfaction distribution at the end


class Consumer(mesa.Agent):
    """One consumer. Its state is row `row` of the model's population arrays."""

    def __init__(self, model: JourneyModel, row: int) -> None:
        super().__init__(model)
        self.row = row

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
        rng: seed or numpy Generator; every random draw of the model comes from it.
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
        self.population = pop = draw_population(spec, n, self.rng)
        self.ties = build_ties(spec.network, n, self.rng)
        first_id = self.agent_id_counter
        # A million agents hold no reference cycles worth collecting while they are created;
        # pausing the cyclic collector saves about a second of the build.
        collecting = gc.isenabled()
        gc.disable()
        try:
            for row in range(n):
                Consumer(self, row)
        finally:
            if collecting:
                gc.enable()
        self.first_id = first_id  # Consumer in row i has unique_id first_id + i

        brands = list(spec.brands.values())
        self.brand_quality = np.array([b.quality for b in brands])
        self.brand_quality_sd = np.array([b.quality_sd for b in brands])
        self.prices = np.array([b.price for b in brands])
        self.touchpoints = Touchpoints.from_scenario(spec)
        depth = int(min(pop.reviews_read.max(initial=1), _MAX_PAGE_DEPTH))
        self.pages = ReviewPages(len(brands), depth)
        self.ledger = Ledger(
            self.brands,
            [
                (self.brands[b], name)
                for b, name in zip(self.touchpoints.brand, self.touchpoints.names, strict=True)
            ],
            spec.time.steps,
        )
        self.cols = self.ledger.cols
        self.max_need_rate = float(pop.need_rate.max(initial=0))

        self.start = pop.moment.copy()  # moments at the start of the current step
        self.heard = np.empty(0, dtype=np.int64)  # heard positive word of mouth this step
        self.counts = np.bincount(pop.moment, minlength=len(Moment)).astype(np.int64)
        customers = pop.brand[pop.moment >= Moment.SMOT]
        self.customer_counts = np.bincount(customers, minlength=len(brands)).astype(np.int64)
        self._scheduled: list[Any] = []  # Mesa holds events by weak reference
        self._calendar: dict[int, list[np.ndarray]] = {}  # renewal step -> who renews then
        initial = np.flatnonzero(pop.moment >= Moment.SMOT)
        for due in np.unique(pop.next_renewal[initial]):
            self._book_renewals(initial[pop.next_renewal[initial] == due], int(due))
        self._spells: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._schedule_changes()
        # Measured after the step and the renewals of the same time (lowest priority runs last).
        self.schedule_recurring(self._record, Schedule(interval=1, start=1), Priority.LOW)

    # --- time -------------------------------------------------------------------------------

    @property
    def t(self) -> int:
        """The current step, counting from 1."""
        return int(self.time)

    def step(self) -> None:
        """One step. Customers act first (experience, talk, post), then the market, so word of
        mouth and reviews of a step reach shoppers in the same step. Each moment acts only on
        those who were in it when the step began. Renewals falling on this step are Mesa events
        that run after it."""
        self.start = self.population.moment.copy()
        experiences = smot.step(self)
        umot.step(self, experiences)
        retention.step(self)
        pre_zmot.step(self)
        zmot.step(self)
        fmot.step(self)

    def _at(self, time: int, change: partial, priority: Priority = Priority.HIGH) -> None:
        self._scheduled.append(change)
        self.schedule_event(change, at=time, priority=priority)

    def _schedule_changes(self) -> None:
        """Campaign starts and ends and the scenario's dated events, as Mesa events.

        Scheduled now, they carry lower ids than the step events of the same time and with the
        same priority run first, so a change dated `at` already holds during step `at`.
        """
        tps = [tp for brand in self.spec.brands.values() for tp in brand.touchpoints.values()]
        for i, tp in enumerate(tps):
            if tp.start is not None:
                self._at(tp.start, partial(self._set_active, i, True))
            if tp.end is not None:
                self._at(tp.end + 1, partial(self._set_active, i, False))
        for event in self.spec.events.values():
            self._at(event.at, partial(self._apply, event.brand, event.touchpoint, event.set))

    def _set_active(self, tp: int, active: bool) -> None:
        self.touchpoints.active[tp] = active

    def _apply(self, brand: str, touchpoint: str | None, values: dict[str, float]) -> None:
        b = self.brands.index(brand)
        for field, value in values.items():
            if touchpoint is not None:
                getattr(self.touchpoints, field)[self.touchpoints.index(b, touchpoint)] = value
            else:
                target = {"quality": self.brand_quality, "quality_sd": self.brand_quality_sd}
                target.get(field, self.prices)[b] = value

    # --- moves along the journey ------------------------------------------------------------

    def move(self, idx: np.ndarray, to: Moment) -> None:
        """Move consumers to a moment, counting the flow along each edge they take."""
        if idx.size == 0:
            return
        pop = self.population
        came_from = np.bincount(pop.moment[idx], minlength=len(Moment))
        for m in np.flatnonzero(came_from):
            self.ledger.add(self.cols.flow[EDGE_INDEX[(Moment(m), to)]], came_from[m])
        self.counts -= came_from
        self.counts[to] += idx.size
        pop.moment[idx] = to

    def enter_market(self, idx: np.ndarray) -> None:
        """A need has arisen: research, or with ZMOT off choose at once on attitude and price."""
        if self.spec.zmot.enabled:
            self.move(idx, Moment.ZMOT)
            return
        pop, c = self.population, self.spec.choice
        u = zmot.utilities(
            pop.attitude[idx],
            np.zeros((idx.size, len(self.brands))),
            self.prices,
            pop.price_sensitivity[idx],
            pop.aware[idx],
            (c.attitude, c.reviews, c.price),
        )
        brand = zmot.choose(self.rng, u)
        ok = brand >= 0
        self.to_first_encounter(idx[ok], brand[ok], pop.attitude[idx[ok], brand[ok]])

    def to_first_encounter(self, idx: np.ndarray, brand: np.ndarray, expected: np.ndarray) -> None:
        """A brand is chosen with an expectation of its quality: meet it, or buy with FMOT off."""
        self.population.brand[idx] = brand
        self.population.expectation[idx] = expected
        if self.spec.fmot.enabled:
            self.move(idx, Moment.FMOT)
        else:
            self.acquire(idx, brand)

    def acquire(self, idx: np.ndarray, brand: np.ndarray) -> None:
        pop, t = self.population, self.t
        pop.brand[idx] = brand
        pop.aware[idx, brand] = True
        pop.acquired[idx] = t
        pop.satisfaction[idx] = 0.0
        self._book_renewals(idx, t + self.spec.retention.period)
        self.ledger.add_by_brand(self.cols.acquisitions, brand)
        self.ledger.add_by_brand(self.cols.revenue, brand, self.prices[brand])
        self.customer_counts += np.bincount(brand, minlength=len(self.brands))
        self.move(idx, Moment.SMOT)

    def leave(self, idx: np.ndarray, to: Moment) -> None:
        """A shopper who did not buy drops its chosen brand."""
        self.population.brand[idx] = NO_BRAND
        self.move(idx, to)

    def churn(self, idx: np.ndarray) -> None:
        if idx.size == 0:
            return
        pop = self.population
        brand = pop.brand[idx].astype(np.int64)
        self._spells.append((brand, pop.acquired[idx].copy(), np.full(idx.size, self.t)))
        self.ledger.add_by_brand(self.cols.churn, brand)
        self.customer_counts -= np.bincount(brand, minlength=len(self.brands))
        pop.brand[idx] = NO_BRAND
        pop.acquired[idx] = -1
        shop = self.rng.random(idx.size) < self.spec.retention.reenter
        if not self.spec.zmot.enabled:
            shop[:] = False
        self.move(idx[shop], Moment.ZMOT)
        self.move(idx[~shop], Moment.PRE_ZMOT)

    def _book_renewals(self, idx: np.ndarray, due: int) -> None:
        """Put customers in the renewal calendar; each renewal day is one Mesa event."""
        self.population.next_renewal[idx] = due
        if due not in self._calendar:
            self._calendar[due] = []
            # default priority: after the step of the same time, before it is measured
            self._at(due, partial(self._renewal_day, due), Priority.DEFAULT)
        self._calendar[due].append(idx)

    def _renewal_day(self, due: int) -> None:
        # A consumer enters a day's list at most once (acquisition and renewal never fall in
        # the same step for one consumer); those who churned since are filtered out.
        idx = np.concatenate(self._calendar.pop(due))
        pop = self.population
        retention.renewals(
            self, idx[(pop.next_renewal[idx] == due) & (pop.moment[idx] >= Moment.SMOT)]
        )

    def renew(self, idx: np.ndarray) -> None:
        """Customers who stay pay for the next period."""
        brand = self.population.brand[idx].astype(np.int64)
        self.ledger.add_by_brand(self.cols.revenue, brand, self.prices[brand])
        self._book_renewals(idx, self.t + self.spec.retention.period)

    # --- touchpoints ------------------------------------------------------------------------

    def audience(self, tp: int, idx: np.ndarray) -> np.ndarray:
        """The consumers in `idx` that touchpoint `tp` is aimed at."""
        who = self.touchpoints.audience[tp]
        if who == "all":
            return idx
        pop = self.population
        mine = (pop.moment[idx] >= Moment.SMOT) & (pop.brand[idx] == self.touchpoints.brand[tp])
        if who == "prospects":
            return idx[~mine]
        if who == "new_customers":
            age = self.t - pop.acquired[idx]
            mine &= (pop.acquired[idx] >= 1) & (age < self.spec.smot.onboarding_steps)
        return idx[mine]

    def contact(self, tp: int, idx: np.ndarray, *, attitude: bool = True) -> np.ndarray:
        """Record contacts and their cost; with `attitude`, the brand becomes known and the
        encounter moves attitude toward its quality."""
        tps = self.touchpoints
        self.ledger.add(self.cols.contacts[tp], idx.size)
        self.ledger.add(self.cols.cost[tp], idx.size * tps.cost[tp])
        if attitude and idx.size:
            b, pop = int(tps.brand[tp]), self.population
            pop.aware[idx, b] = True
            quality = tps.quality[tp] + tps.quality_sd[tp] * self.rng.standard_normal(idx.size)
            pop.attitude[idx, b] = encounter(
                pop.attitude[idx, b], quality, tps.weight[tp], self.spec.smot.negativity
            )
        return idx

    # --- measurement ------------------------------------------------------------------------

    def _record(self) -> None:
        pop, c, ledger = self.population, self.cols, self.ledger
        ledger.set(c.consumers, self.counts)
        ledger.set(c.customers, self.customer_counts)
        total = self.customer_counts.sum()
        ledger.set(c.share, self.customer_counts / total if total else 0.0)
        ledger.set(c.rating, self.pages.average())
        customers = np.flatnonzero(pop.moment >= Moment.SMOT)
        brand = pop.brand[customers]
        sums = np.bincount(brand, pop.satisfaction[customers], minlength=len(self.brands))
        with np.errstate(invalid="ignore", divide="ignore"):
            ledger.set(c.satisfaction, sums / self.customer_counts)
        ledger.close(self.t)

    def metrics(self) -> pl.DataFrame:
        """Tidy time series of the steps run so far."""
        return self.ledger.frame(self.t)

    def cohorts(self) -> pl.DataFrame:
        """Retention by acquisition cohort and period since acquisition."""
        pop = self.population
        active = np.flatnonzero(pop.moment >= Moment.SMOT)
        parts = [
            *self._spells,
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
        customers = np.flatnonzero(pop.moment >= Moment.SMOT)
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
