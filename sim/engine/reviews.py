"""Review pages: every brand's reviews, newest first, as researchers in ZMOT read them."""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["ReviewPages", "blend_expectation"]


class ReviewPages:
    """The newest `depth` stars of each brand, its running average, and the full log."""

    def __init__(self, brands: int, depth: int) -> None:
        self.depth = max(depth, 1)
        self.newest = np.zeros((brands, self.depth))  # newest first
        self.count = np.zeros(brands, dtype=np.int64)
        self.total = np.zeros(brands)
        self._log: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []

    def average(self) -> np.ndarray:
        """The average rating each page shows (NaN while a page is empty)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.count > 0, self.total / np.maximum(self.count, 1), np.nan)

    def newest_means(self) -> np.ndarray:
        """[brand, n]: mean of the n newest reviews (n = 1..depth; column 0 is unused)."""
        sums = np.cumsum(self.newest, axis=1)
        n = np.arange(1, self.depth + 1)
        means = np.zeros((self.newest.shape[0], self.depth + 1))
        means[:, 1:] = sums / n
        return means

    def seed(self, brand: int, stars: np.ndarray) -> None:
        """Put reviews on a brand's page before the run (oldest first), outside the log: a page
        that already has a history, or a manipulated one (a herding experiment)."""
        new = np.asarray(stars, dtype=float)[::-1]
        self.newest[brand] = np.concatenate([new, self.newest[brand]])[: self.depth]
        self.count[brand] += new.size
        self.total[brand] += new.sum()

    def post(self, step: int, brand: np.ndarray, stars: np.ndarray, author: np.ndarray) -> None:
        """Add reviews posted in one step, in the order given."""
        if brand.size == 0:
            return
        self._log.append((step, brand.astype(np.int8), stars.astype(np.int8), author))
        for b in np.unique(brand):
            new = stars[brand == b][::-1].astype(float)
            self.newest[b] = np.concatenate([new, self.newest[b]])[: self.depth]
            self.count[b] += new.size
            self.total[b] += new.sum()

    def frame(self, brands: list[str]) -> pl.DataFrame:
        """Every review posted: step, brand, stars, author (the consumer's unique_id)."""
        if not self._log:
            steps = brand = stars = author = np.empty(0, dtype=np.int64)
        else:
            steps = np.concatenate([np.full(b.size, s) for s, b, _, _ in self._log])
            brand = np.concatenate([b for _, b, _, _ in self._log])
            stars = np.concatenate([x for _, _, x, _ in self._log])
            author = np.concatenate([a for *_, a in self._log])
        return pl.DataFrame(
            {
                "step": steps.astype(np.int32),
                "brand": pl.Series(
                    np.asarray(brands)[brand] if brand.size else [], dtype=pl.String
                ),
                "stars": stars.astype(np.int8),
                "author": (author + 1).astype(np.int64),
            }
        )


def blend_expectation(
    attitude: np.ndarray, review_mean: np.ndarray, n_read: np.ndarray, prior_weight: float
) -> np.ndarray:
    """Expected quality: own attitude worth `prior_weight` reviews, plus the reviews read.

    The more reviews read, the more they weigh against the prior.
    """
    read = np.where(n_read > 0, review_mean, 0.0)
    return (prior_weight * attitude + n_read * read) / np.maximum(prior_weight + n_read, 1e-12)
