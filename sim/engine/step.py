"""The order of one step, written in one place, and what the moments hand each other in it.

The moments do not read each other's results from the model: `advance` passes them on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.engine import memory, promotions, retention
from sim.engine.moments import fmot, pre_zmot, smot, umot, zmot

if TYPE_CHECKING:
    from sim.engine.model import JourneyModel

__all__ = ["advance"]


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
    start = pop.moment.copy()
    handed = smot.step(model, start)
    if len(model.promotions):
        promotions.step(model, start)
    retention.step(model, start)
    umot.step(model, start, handed.experiences)
    pre_zmot.step(model, start, handed.heard)
    zmot.step(model, start)
    fmot.step(model, start)
