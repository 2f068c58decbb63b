"""What a run measures each step, kept as one row of numbers per step and then made tidy.

The series are fixed when the model is built (per moment, edge, brand and touchpoint), so a
step only adds into a preallocated row; `frame()` turns the rows into a long table with one
observation per (step, metric, brand, detail).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from sim.engine.journey import EDGES, SMOT, Moment, edge_name
from sim.engine.kernels import njit

__all__ = ["Columns", "Ledger", "measure", "satisfaction_sums"]

SCHEMA = {
    "step": pl.Int32,
    "metric": pl.String,
    "brand": pl.String,
    "detail": pl.String,
    "value": pl.Float64,
}


@dataclass(frozen=True)
class Columns:
    """Column numbers of every series, by what they measure."""

    consumers: np.ndarray  # [moment] consumers in each moment at the end of the step
    flow: np.ndarray  # [edge] consumers moving along each edge of the journey
    needs: dict[str, int]  # needs arising, by source
    researched: int  # in-market consumers who read reviews
    acquisitions: np.ndarray  # [brand]
    adoptions: np.ndarray  # [brand] first purchases in the category (never a customer before)
    churn: np.ndarray  # [brand]
    customers: np.ndarray  # [brand] active at the end of the step
    share: np.ndarray  # [brand] share of all active customers
    revenue: np.ndarray  # [brand]
    reviews: np.ndarray  # [brand] reviews posted
    rating: np.ndarray  # [brand] average rating shown on the page
    satisfaction: np.ndarray  # [brand] mean satisfaction of its customers
    awareness: np.ndarray  # [brand] share of all consumers who know the brand
    problems: np.ndarray  # [brand] service problems arising
    recovered: np.ndarray  # [brand] problems solved by a service encounter
    wom: dict[str, int]  # word-of-mouth talks by valence
    wom_former: dict[str, int]  # of those, talks by ex-customers about their former brand
    contacts: np.ndarray  # [touchpoint]
    cost: np.ndarray  # [touchpoint]
    # Only for a scenario with promotions (`sim.engine.promotions`), so that the frame of one
    # without is what it always was:
    takeup: np.ndarray | None = None  # [2 brand + k] customers taking a promotion, k: new, existing
    forgone: np.ndarray | None = None  # [brand] list price minus price paid, over payments
    rolloff: np.ndarray | None = None  # [2 brand + k] renewals at a discount's end, k: all, churned


class Ledger:
    def __init__(
        self,
        brands: list[str],
        touchpoints: list[tuple[str, str]],
        steps: int,
        promotions: bool = False,
    ) -> None:
        self.series: list[tuple[str, str | None, str | None]] = []

        def add(metric: str, keys: list, by_brand: bool = False) -> np.ndarray:
            first = len(self.series)
            for key in keys:
                brand, detail = (key, None) if by_brand else (None, key)
                if isinstance(key, tuple):
                    brand, detail = key
                self.series.append((metric, brand, detail))
            return np.arange(first, len(self.series))

        per_brand = {
            name: add(name, brands, by_brand=True)
            for name in (
                "acquisitions",
                "adoptions",
                "churn",
                "customers",
                "share",
                "revenue",
                "reviews",
                "rating",
                "satisfaction",
                "awareness",
                "problems",
                "recovered",
            )
        }

        def named(metric: str, keys: list[str]) -> dict[str, int]:
            return dict(zip(keys, add(metric, keys).tolist(), strict=True))

        self.cols = Columns(
            consumers=add("consumers", [m.label for m in Moment]),
            flow=add("flow", [edge_name(e) for e in EDGES]),
            needs=named("needs", ["own", "campaign", "word_of_mouth"]),
            researched=int(add("researched", [None])[0]),
            wom=named("wom", ["positive", "negative"]),
            wom_former=named("wom_former", ["positive", "negative"]),
            contacts=add("contacts", touchpoints),
            cost=add("cost", touchpoints),
            **per_brand,
        )
        if promotions:
            self.cols = replace(
                self.cols,
                takeup=add(
                    "promotion_takeup", [(b, k) for b in brands for k in ("new", "existing")]
                ),
                forgone=add("revenue_forgone", brands, by_brand=True),
                rolloff=add(
                    "promotion_rolloff", [(b, k) for b in brands for k in ("renewals", "churned")]
                ),
            )
        self.values = np.zeros((steps, len(self.series)))
        self.row = np.zeros(len(self.series))
        self.brands = len(brands)

    def add(self, col: int | np.ndarray, amount: float | np.ndarray) -> None:
        self.row[col] += amount

    def add_by_brand(
        self, cols: np.ndarray, brand: np.ndarray, weights: np.ndarray | None = None
    ) -> None:
        """Add to each brand's column in `cols` its count in `brand` (or the sum of `weights`):
        as `np.bincount`, to the bit, in one call."""
        _add_by_brand(self.row, cols, brand, weights, self.brands)

    def set(self, cols: np.ndarray, values: np.ndarray) -> None:
        self.row[cols] = values

    def close(self, step: int) -> None:
        """Store the step's row (steps count from 1) and start an empty one in the same array
        (the kernels' kept arguments hold it: `sim.engine.arguments`)."""
        self.values[step - 1] = self.row
        self.row.fill(0.0)

    def frame(self, steps: int | None = None) -> pl.DataFrame:
        """Tidy table of the first `steps` steps: step, metric, brand, detail, value."""
        values = self.values if steps is None else self.values[:steps]
        n_steps, n_series = values.shape
        metric, brand, detail = zip(*self.series, strict=True)
        return pl.DataFrame(
            {
                "step": np.repeat(np.arange(1, n_steps + 1, dtype=np.int32), n_series),
                "metric": list(metric) * n_steps,
                "brand": list(brand) * n_steps,
                "detail": list(detail) * n_steps,
                "value": values.ravel(),
            },
            schema=SCHEMA,
        )


@njit(cache=True)
def _add_by_brand(row, cols, brand, weights, brands):  # type: ignore[no-untyped-def]
    """`Ledger.add_by_brand`: the counts (or sums of `weights`) per brand, summed in order as
    `np.bincount` does, added into `row` at `cols`."""
    sums = np.zeros(brands)
    for k in range(brand.shape[0]):
        sums[brand[k]] += 1.0 if weights is None else weights[k]
    for b in range(brands):
        row[cols[b]] += sums[b]


def satisfaction_sums(
    moment: np.ndarray, brand: np.ndarray, satisfaction: np.ndarray, brands: int
) -> np.ndarray:
    """Per brand, the sum of its customers' satisfaction (customers: at SMOT or UMOT), in one
    pass over the population where numpy needs four."""
    return _satisfaction_sums(moment, brand, satisfaction, brands, SMOT)


@njit(cache=True)
def _satisfaction_sums(moment, brand, satisfaction, brands, smot):  # type: ignore[no-untyped-def]
    # summed in consumer order, as np.bincount does, so the figures are the same to the bit;
    # the customers are listed first without a branch (whether one is a customer is a coin
    # flip to the branch predictor, which a pass of `if` pays for at every other consumer)
    customers = np.empty(moment.shape[0], dtype=np.int64)
    k = 0
    for i in range(moment.shape[0]):
        customers[k] = i
        k += moment[i] >= smot
    sums = np.zeros(brands)
    for j in range(k):
        i = customers[j]
        sums[brand[i]] += satisfaction[i]
    return sums


def measure(
    ledger: Ledger,
    counts: np.ndarray,
    customers: np.ndarray,
    page_count: np.ndarray,
    page_total: np.ndarray,
    known: np.ndarray,
    moment: np.ndarray,
    brand: np.ndarray,
    satisfaction: np.ndarray,
) -> None:
    """The levels of the step into the ledger's row: consumers by moment, customers, share
    and mean satisfaction by brand, the average rating on each review page (`page_count`,
    `page_total`) and awareness (`known`); one kernel where numpy needs about twenty calls."""
    c = ledger.cols
    _measure(
        ledger.row,
        (c.consumers, c.customers, c.share, c.rating, c.awareness, c.satisfaction),
        counts,
        customers,
        page_count,
        page_total,
        known,
        moment,
        brand,
        satisfaction,
        SMOT,
    )


@njit(cache=True)
def _measure(  # type: ignore[no-untyped-def]
    row, cols, counts, customers, page_count, page_total, known, moment, brand, satisfaction,
    smot,
):  # fmt: skip
    """`measure`, with numpy's arithmetic: integers divided as doubles, NaN for a page
    without reviews and for a brand without customers."""
    consumers, customer_cols, share, rating, awareness, mean_satisfaction = cols
    for m in range(counts.shape[0]):
        row[consumers[m]] = counts[m]
    total = 0
    for b in range(customers.shape[0]):
        row[customer_cols[b]] = customers[b]
        total += customers[b]
    for b in range(customers.shape[0]):
        row[share[b]] = customers[b] / total if total else 0.0
        row[rating[b]] = page_total[b] / max(page_count[b], 1) if page_count[b] > 0 else np.nan
        row[awareness[b]] = known[b] / moment.shape[0]
    sums = _satisfaction_sums(moment, brand, satisfaction, customers.shape[0], smot)
    for b in range(customers.shape[0]):
        row[mean_satisfaction[b]] = sums[b] / customers[b] if customers[b] > 0 else np.nan
