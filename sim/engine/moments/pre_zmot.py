"""<ZMOT, less than zero: a need arises and stimuli build awareness and attitude.

Needs come from the consumer's own need cycle, from campaign contacts that trigger them, and
from positive word of mouth heard in the same step. Ads, social posts and e-mails reach
their audience with their reach per step, make the brand known and move attitude.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine import transitions
from sim.engine.arrays import distinct
from sim.engine.journey import Moment

if TYPE_CHECKING:
    from sim.engine.model import JourneyModel

__all__ = ["step"]


def step(model: JourneyModel, start: np.ndarray, heard: np.ndarray) -> None:
    """Stimuli reach their audience; needs arise among those out of the market when the step
    began (`start`), from their need cycle, campaign triggers, and positive word of mouth heard
    this step (`heard`, from SMOT)."""
    pop, n, tps = model.population, model.population.size, model.touchpoints
    out_of_market = start == Moment.PRE_ZMOT
    triggered = []

    for tp, reach in tps.stimuli():
        reached = model.stream(f"reach:{tps.keys[tp]}").indices(n, reach)
        met = transitions.audience(model, tp, reached)
        transitions.contact(model, tp, met)
        trigger = tps.trigger[tp]
        if trigger > 0:
            met = met[out_of_market[met]]
            sparked = met[model.stream(f"trigger:{tps.keys[tp]}").below(met, trigger)]
            model.ledger.add(model.cols.needs["campaign"], sparked.size)
            triggered.append(sparked)

    own = model.stream("need").thinned(pop.need_rate, model.max_need_rate)
    own = own[out_of_market[own]]
    model.ledger.add(model.cols.needs["own"], own.size)
    triggered.append(own)

    if heard.size:
        sparked = model.stream("wom.trigger").below(heard, model.spec.wom.trigger)
        keep = out_of_market[heard] & sparked
        model.ledger.add(model.cols.needs["word_of_mouth"], int(keep.sum()))
        triggered.append(heard[keep])

    needs = distinct(np.concatenate(triggered))
    # Still out of the market: a consumer contacted twice counts once, and none moved yet.
    transitions.enter_market(model, needs[pop.moment[needs] == Moment.PRE_ZMOT])
