"""<ZMOT, less than zero: a need arises and stimuli build awareness and attitude.

Needs come from the consumer's own need cycle, from campaign contacts that trigger them, and
from positive word of mouth heard in the same step. Ads, social posts and e-mails reach
their audience with their reach per step, make the brand known and move attitude.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine import transitions
from sim.engine.arguments import kept
from sim.engine.arrays import room
from sim.engine.draws import _GOLDEN, _base, _hash, _indices, _mix, _rung_picks
from sim.engine.journey import FMOT, PRE_ZMOT
from sim.engine.kernels import njit
from sim.engine.transitions import _touch

if TYPE_CHECKING:
    from sim.engine.model import JourneyModel

__all__ = ["step"]


def step(model: JourneyModel, start: np.ndarray, heard: np.ndarray) -> None:
    """Stimuli reach their audience; needs arise among those out of the market when the step
    began (`start`), from their need cycle, campaign triggers, and positive word of mouth heard
    this step (`heard`, from SMOT)."""
    needs = _needs(start, heard, model.t, *_needs_arguments(model))
    # Still out of the market: a consumer contacted twice counts once, and none moved yet.
    transitions.enter_market(model, needs)


@kept
def _needs_arguments(model: JourneyModel) -> tuple:
    """What `_needs` needs besides those out of the market, the word of mouth heard and the
    step."""
    pop, tps, draws, cols = model.population, model.touchpoints, model.draws, model.cols
    return (
        tps.moment,
        tps.active,
        tps.reach,
        tps.stimulus_reach,
        tps.trigger,
        tps.who,
        tps.stream_keys(draws, "reach"),
        tps.stream_keys(draws, "trigger"),
        transitions.contact_arguments(model),
        model.ledger.row,
        cols.needs["campaign"],
        cols.needs["own"],
        cols.needs["word_of_mouth"],
        pop.need_rate,
        draws.keys(pop.need_rungs.names, "need"),
        pop.need_rungs.members,
        pop.need_rungs.starts,
        pop.need_rungs.exponents,
        np.uint64(draws.key_of("need")),
        np.uint64(draws.key_of("wom.trigger")),
        model.spec.wom.trigger,
        pop.moment,
    )


@njit(cache=True)
def _needs(  # type: ignore[no-untyped-def]
    start, heard, t, tp_moment, active, reach, stimulus_reach, trigger, who, reach_keys,
    trigger_keys, contact, row, campaign_col, own_col, wom_col, need_rate, rung_keys,
    rung_members, rung_starts, rung_exponents, need_key, wom_key, wom_trigger, moment,
):  # fmt: skip
    """The step's stimuli and needs in one pass where numpy needs about ten calls a touchpoint:
    each running stimulus (the <ZMOT touchpoints, then the FMOT ones that stimulate) picks
    consumers by its reach (`Stream.indices` of "reach:<key>"), contacts those it is aimed at
    (`transitions._touch`) and sparks needs among those out of the market ("trigger:<key>");
    needs arise on their own (by the rung of each one's need rate, `Rungs.picks` of "need")
    and from word of mouth heard ("wom.trigger"). Returns the distinct consumers with a need,
    still <ZMOT, in increasing order."""
    n = start.shape[0]
    out = np.empty(64, dtype=np.int64)
    k = 0
    for stimulating in (False, True):
        for tp in range(tp_moment.shape[0]):
            if not active[tp]:
                continue
            if not stimulating and tp_moment[tp] == PRE_ZMOT:
                p = reach[tp]
            elif stimulating and tp_moment[tp] == FMOT and stimulus_reach[tp] > 0:
                p = stimulus_reach[tp]
            else:
                continue
            reached = _indices(_base(reach_keys[tp], t), n, p)
            met = _touch(tp, who[tp], reached, t, contact)
            if trigger[tp] > 0:
                sparked = 0
                trigger_base = _base(trigger_keys[tp], t)
                out = room(out, k + met.shape[0])
                for i in met:
                    if start[i] == PRE_ZMOT and _hash(trigger_base, i) < trigger[tp]:
                        out[k] = i
                        k += 1
                        sparked += 1
                row[campaign_col] += sparked

    thin = _mix(_base(need_key, t) + np.uint64(_GOLDEN))  # `Stream.part(0)` of "need"
    own = 0
    picks = _rung_picks(rung_keys, t, rung_members, rung_starts, rung_exponents, thin, need_rate)
    out = room(out, k + picks.shape[0])
    for i in picks:
        if start[i] == PRE_ZMOT:
            out[k] = i
            k += 1
            own += 1
    row[own_col] += own

    if heard.shape[0]:
        wom_base = _base(wom_key, t)
        spread = 0
        out = room(out, k + heard.shape[0])
        for i in heard:
            if start[i] == PRE_ZMOT and _hash(wom_base, np.int64(i)) < wom_trigger:
                out[k] = i
                k += 1
                spread += 1
        row[wom_col] += spread

    triggered = np.sort(out[:k])
    needs = np.empty(k, dtype=np.int64)
    m = 0
    for j in range(k):
        i = triggered[j]
        if (j == 0 or i != triggered[j - 1]) and moment[i] == PRE_ZMOT:
            needs[m] = i
            m += 1
    return needs[:m]
