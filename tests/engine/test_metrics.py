"""The ledger's per-brand sums: kernels that give what `np.bincount` gives, to the bit."""

from __future__ import annotations

import numpy as np

from sim.engine.journey import Moment
from sim.engine.metrics import Ledger, satisfaction_sums


def test_satisfaction_sums_are_the_bincount_of_the_customers() -> None:
    rng = np.random.default_rng(2)
    n = 2000
    moment = rng.integers(0, len(Moment), n).astype(np.int8)
    brand = rng.integers(0, 3, n).astype(np.int8)
    brand[moment < Moment.SMOT] = -1  # no brand before a purchase
    satisfaction = rng.normal(size=n)
    customer = moment >= Moment.SMOT
    expected = np.bincount(brand[customer], satisfaction[customer], minlength=3)
    assert satisfaction_sums(moment, brand, satisfaction, 3).tobytes() == expected.tobytes()


def test_adding_by_brand_is_adding_the_bincount() -> None:
    rng = np.random.default_rng(4)
    ledger = Ledger(["a", "b", "c"], [], 1)
    brand = rng.integers(0, 3, 500)
    weights = rng.uniform(0, 20, 500)
    ledger.add_by_brand(ledger.cols.revenue, brand, weights)
    ledger.add_by_brand(ledger.cols.revenue, brand[:7], weights[:7])
    ledger.add_by_brand(ledger.cols.churn, brand.astype(np.int8))
    revenue = np.zeros(3)
    revenue += np.bincount(brand, weights, minlength=3)
    revenue += np.bincount(brand[:7], weights[:7], minlength=3)
    assert ledger.row[ledger.cols.revenue].tobytes() == revenue.tobytes()
    assert ledger.row[ledger.cols.churn].tolist() == np.bincount(brand, minlength=3).tolist()
