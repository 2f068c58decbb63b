"""Review pages: every brand's reviews, newest first, as researchers in ZMOT read them.

A review may carry the brand's answer (a UMOT `review_response`); a shopper counts an answered
review `zmot.answered_weight` of an unanswered one (`newest_read`, `blend_expectation`).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sim.engine.arrays import distinct
from sim.engine.kernels import njit

__all__ = ["ReviewPages", "blend_expectation"]


class ReviewPages:
    """The newest `depth` stars of each brand (and which of them the brand answered), its
    running average, and the full log."""

    def __init__(self, brands: int, depth: int) -> None:
        self.depth = max(depth, 1)
        self.newest = np.zeros((brands, self.depth))  # newest first
        self.answered = np.zeros((brands, self.depth), dtype=bool)  # beside `newest`
        self.count = np.zeros(brands, dtype=np.int64)
        self.total = np.zeros(brands)
        # (step, brand, stars, author, answered, asked) per step with reviews
        self._log: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def average(self) -> np.ndarray:
        """The average rating each page shows (NaN while a page is empty)."""
        return np.where(self.count > 0, self.total / np.maximum(self.count, 1), np.nan)

    def newest_means(self) -> np.ndarray:
        """[brand, n]: mean of the n newest reviews (n = 1..depth; column 0 is unused)."""
        return _newest_means(self.newest)

    def newest_read(self, answered_weight: float) -> tuple[np.ndarray, np.ndarray]:
        """[brand, n]: how many reviews the n newest count as for a reader, an answered one
        counting `answered_weight`, and their mean weighted so (n = 1..depth; column 0 unused).

        With nothing answered these are n and `newest_means()`, to the bit.
        """
        return _newest_read(self.newest, self.answered, answered_weight)

    def _push(self, brand: int, stars: np.ndarray, answered: np.ndarray) -> None:
        """Put `stars` (newest first) on top of a brand's page."""
        self.newest[brand] = np.concatenate([stars, self.newest[brand]])[: self.depth]
        self.answered[brand] = np.concatenate([answered, self.answered[brand]])[: self.depth]
        self.count[brand] += stars.size
        self.total[brand] += stars.sum()

    def seed(self, brand: int, stars: np.ndarray) -> None:
        """Put reviews on a brand's page before the run (oldest first), outside the log: a page
        that already has a history, or a manipulated one (a herding experiment)."""
        new = np.asarray(stars, dtype=float)[::-1]
        self._push(brand, new, np.zeros(new.size, dtype=bool))

    def post(
        self,
        step: int,
        brand: np.ndarray,
        stars: np.ndarray,
        author: np.ndarray,
        answered: np.ndarray | None = None,
        asked: np.ndarray | None = None,
    ) -> None:
        """Add reviews posted in one step, in the order given: which the brand `answered`, and
        whose author had been `asked` for it (none when not given)."""
        if brand.size == 0:
            return
        none = np.zeros(brand.size, dtype=bool)
        answered = none if answered is None else answered.astype(bool)
        asked = none if asked is None else asked.astype(bool)
        self._log.append(
            (step, brand.astype(np.int8), stars.astype(np.int8), author, answered, asked)
        )
        if stars.dtype.kind in "iu":  # whole stars: their sum is exact in any order
            _post(self.newest, self.answered, self.count, self.total, brand, stars, answered)
            return
        for b in distinct(brand):
            mine = brand == b
            self._push(int(b), stars[mine][::-1].astype(float), answered[mine][::-1])

    def frame(self, brands: list[str]) -> pl.DataFrame:
        """Every review posted: step, brand, stars, author (the consumer's unique_id), whether
        the brand answered it and whether its author had been asked for it."""
        if not self._log:
            steps = brand = stars = author = np.empty(0, dtype=np.int64)
            answered = asked = np.empty(0, dtype=bool)
        else:
            steps = np.concatenate([np.full(entry[1].size, entry[0]) for entry in self._log])
            brand, stars, author, answered, asked = (
                np.concatenate([entry[k] for entry in self._log]) for k in range(1, 6)
            )
        return pl.DataFrame(
            {
                "step": steps.astype(np.int32),
                "brand": pl.Series(
                    np.asarray(brands)[brand] if brand.size else [], dtype=pl.String
                ),
                "stars": stars.astype(np.int8),
                "author": (author + 1).astype(np.int64),
                "answered": answered.astype(bool),
                "asked": asked.astype(bool),
            }
        )


def blend_expectation(
    attitude: np.ndarray, review_mean: np.ndarray, n_read: np.ndarray, prior_weight: float
) -> np.ndarray:
    """Expected quality: own attitude worth `prior_weight` reviews, plus the reviews read
    (`n_read` of them, or what they count as: answered complaints count less).

    The more reviews read, the more they weigh against the prior.
    """
    read = np.where(n_read > 0, review_mean, 0.0)
    return (prior_weight * attitude + n_read * read) / np.maximum(prior_weight + n_read, 1e-12)


@njit(cache=True)
def _newest_read(newest, answered, answered_weight):  # type: ignore[no-untyped-def]
    """`ReviewPages.newest_read` in one call (running sums, left to right, as `np.cumsum`), so
    ZMOT's research kernel reads the pages without a dozen numpy calls."""
    brands, depth = newest.shape
    weights = np.zeros((brands, depth + 1))
    means = np.zeros((brands, depth + 1))
    for b in range(brands):
        weight = 0.0
        total = 0.0
        for n in range(depth):
            w = answered_weight if answered[b, n] else 1.0
            weight += w
            total += w * newest[b, n]
            weights[b, n + 1] = weight
            if weight > 0:
                means[b, n + 1] = total / weight
    return weights, means


@njit(cache=True)
def _newest_means(newest):  # type: ignore[no-untyped-def]
    """`ReviewPages.newest_means` in one call (running sums, left to right, as `np.cumsum`)."""
    brands, depth = newest.shape
    means = np.zeros((brands, depth + 1))
    for b in range(brands):
        total = 0.0
        for n in range(depth):
            total += newest[b, n]
            means[b, n + 1] = total / (n + 1)
    return means


@njit(cache=True)
def _post(newest, answered, count, total, brand, stars, said):  # type: ignore[no-untyped-def]
    """`ReviewPages.post` of whole stars onto the pages in one call: each brand's reviews go on
    top of its page newest first (the last posted first), `said` beside them in `answered`."""
    brands, depth = newest.shape
    for b in range(brands):
        m = 0
        for r in range(brand.shape[0]):
            m += brand[r] == b
        if m == 0:
            continue
        for j in range(depth - 1, m - 1, -1):  # the older reviews move down the page
            newest[b, j] = newest[b, j - m]
            answered[b, j] = answered[b, j - m]
        j = 0
        added = 0.0
        for r in range(brand.shape[0] - 1, -1, -1):
            if brand[r] == b:
                if j < depth:
                    newest[b, j] = stars[r]
                    answered[b, j] = said[r]
                j += 1
                added += stars[r]
        count[b] += m
        total[b] += added
