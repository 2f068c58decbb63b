"""The order of one step, written in one place, and what the moments hand each other in it.

The moments do not read each other's results from the model: `advance` passes them on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine import memory, promotions, retention
from sim.engine.journey import CUSTOMER, FMOT, UMOT, ZMOT
from sim.engine.kernels import njit
from sim.engine.moments import fmot, pre_zmot, smot, umot, zmot

if TYPE_CHECKING:
    from sim.engine.model import JourneyModel

__all__ = ["Start", "advance"]


@dataclass(frozen=True)
class Start:
    """Where everyone was when the step began (`moment`, a copy), and who was where, each list
    in increasing order: customers (at SMOT or UMOT, a mask and a list), shoppers at ZMOT,
    at FMOT, at UMOT. Made in one pass over everyone (`of`), where each moment made its own."""

    moment: np.ndarray
    customer: np.ndarray
    customers: np.ndarray
    zmot: np.ndarray
    fmot: np.ndarray
    umot: np.ndarray

    @classmethod
    def of(cls, moment: np.ndarray) -> Start:
        start = moment.copy()
        return cls(start, *_where(start))


@njit(cache=True)
def _where(moment):  # type: ignore[no-untyped-def]
    """`Start`'s mask and lists, in one pass: customers without a branch (about half of
    everyone, a coin flip to the branch predictor), the moments few are in with one."""
    n = moment.shape[0]
    customer = np.empty(n, dtype=np.bool_)
    customers = np.empty(n, dtype=np.int64)
    zmot = np.empty(n, dtype=np.int64)
    fmot = np.empty(n, dtype=np.int64)
    umot = np.empty(n, dtype=np.int64)
    c = z = f = u = 0
    for i in range(n):
        m = moment[i]
        mine = m >= CUSTOMER
        customer[i] = mine
        customers[c] = i
        c += mine
        if m == ZMOT:
            zmot[z] = i
            z += 1
        elif m == FMOT:
            fmot[f] = i
            f += 1
        elif m == UMOT:
            umot[u] = i
            u += 1
    return customer, customers[:c], zmot[:z], fmot[:f], umot[:u]


def advance(model: JourneyModel) -> None:
    """One step: memories fade, then SMOT, promotions reaching customers, the retention
    hazard, UMOT, <ZMOT, ZMOT, FMOT.

    Customers act before the market (they use the product and talk, in repurchase markets may
    churn on the satisfaction just updated, and post reviews), so the word of mouth and the
    reviews of a step reach shoppers in that same step. Each moment acts only on those who were
    in it when the step began (`start`) and have not moved yet, so a consumer moves at most one
    edge of the journey per step: the hazard runs before UMOT, so a customer who churns does
    not also post, and one who posts does not also churn. SMOT hands on its experiences, which
    UMOT may turn into reviews, and the listeners who heard positive word of mouth, whose need
    <ZMOT may spark. Renewals due this step run after it, and measuring after them
    (`JourneyModel.step`); customers deciding at such a renewal hold still in UMOT this step
    (`JourneyModel.deciding`), so the renewal is their one move.
    """
    pop = model.population
    if model.forgets:
        memory.forget(
            pop.forget_at, pop.fade, model.factors, pop.attitude, pop.prior, pop.aware,
            pop.brand, model.t, model.known,
        )  # fmt: skip
    start = Start.of(pop.moment)
    handed = smot.step(model, start)
    if len(model.promotions):
        promotions.step(model, start.moment)
    retention.step(model, start.moment)
    umot.step(model, start, handed.experiences)
    pre_zmot.step(model, start.moment, handed.heard)
    zmot.step(model, start)
    fmot.step(model, start)
