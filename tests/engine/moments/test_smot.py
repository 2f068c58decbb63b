from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import JourneyModel, Moment
from sim.engine import transitions
from sim.engine.moments import smot
from sim.engine.moments.smot import talk_chance, who_talks
from sim.engine.touchpoints import AUDIENCES, disconfirmation, encounter
from sim.scenario import load_scenario, validate_scenario

ROOT = Path(__file__).resolve().parents[3]


def test_disappointments_weigh_more_than_pleasant_surprises() -> None:
    d = disconfirmation(np.array([4.0, 2.0]), np.array([3.0, 3.0]), negativity=2.5)
    assert d.tolist() == [1.0, -2.5]


def test_an_encounter_moves_attitude_toward_its_quality_further_when_it_disappoints() -> None:
    up = encounter(np.array([3.0]), np.array([4.0]), 0.2, negativity=2.0)
    down = encounter(np.array([3.0]), np.array([2.0]), 0.2, negativity=2.0)
    assert 3.0 < up[0] < 4.0 and 2.0 < down[0] < 3.0
    assert 3.0 - down[0] == pytest.approx(2 * (up[0] - 3.0))
    # never overshoots, whatever the weight
    assert encounter(np.array([3.0]), np.array([1.0]), 0.9, negativity=4.0)[0] == 1.0


# --- word of mouth ----------------------------------------------------------------------------


def test_talk_is_u_shaped_in_satisfaction_and_louder_when_dissatisfied() -> None:
    sat = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    chance = talk_chance(sat, rate=0.1, intensity=1.0, negative_intensity=3.0)
    assert chance.tolist() == pytest.approx([0.7, 0.4, 0.1, 0.2, 0.3])
    assert talk_chance(np.array([-5.0]), 0.5, 1.0, 3.0)[0] == 1.0  # a chance, capped at 1
    # without intensity every customer talks at the plain rate
    assert (talk_chance(sat, 0.1, 0.0, 0.0) == 0.1).all()


def talking_model(**wom) -> JourneyModel:
    spec = {
        "time": {"steps": 10},
        "population": {"consumers": 2000},
        "brands": {"ours": {"share": 0.5}, "theirs": {"share": 0.0}},
        "wom": {"rate": 0.5, **wom},
    }
    return JourneyModel(validate_scenario(spec), rng=3)


def test_ex_customers_talk_about_their_former_brand_for_a_while() -> None:
    model = talking_model(after_churn=5)
    pop = model.population
    customer = pop.moment >= Moment.SMOT
    gone = np.flatnonzero(customer)[:300]
    transitions.churn(model, gone)
    assert (pop.former[gone] == 0).all() and (pop.left[gone] == model.t).all()
    start = pop.moment.copy()
    model.time += 1  # one step after leaving: still talking
    who, brand = who_talks(model, start >= Moment.SMOT)
    ex = np.isin(who, gone)
    assert 100 < ex.sum() < 200  # about half of 300 at rate 0.5
    assert (brand[ex] == 0).all()
    model.time += 5  # six steps after leaving: silent
    who, _ = who_talks(model, start >= Moment.SMOT)
    assert not np.isin(who, gone).any()


def test_by_default_only_customers_talk_at_the_plain_rate() -> None:
    model = talking_model()
    pop = model.population
    gone = np.flatnonzero(pop.moment >= Moment.SMOT)[:300]
    transitions.churn(model, gone)
    customer = pop.moment >= Moment.SMOT
    pop.satisfaction[customer] = -3.0  # feelings make no difference without intensity
    model.time += 1
    who, brand = who_talks(model, customer)
    assert customer[who].all() and (brand == pop.brand[who]).all()
    assert abs(who.size - 0.5 * customer.sum()) < 4 * np.sqrt(0.25 * customer.sum())


def test_dissatisfied_customers_talk_more_and_the_ledger_counts_ex_customers() -> None:
    model = talking_model(rate=0.05, intensity=1.0, negative_intensity=3.0, after_churn=10)
    pop = model.population
    customer = np.flatnonzero(pop.moment >= Moment.SMOT)
    angry, calm = customer[: customer.size // 2], customer[customer.size // 2 :]
    pop.satisfaction[angry], pop.satisfaction[calm] = -1.0, 0.0
    talked = np.zeros(pop.size)
    for _ in range(20):
        who, _ = who_talks(model, pop.moment >= Moment.SMOT)
        talked[who] += 1
    ratio = talked[angry].mean() / talked[calm].mean()
    assert 3.0 < ratio < 5.0  # 4 x the indifferent rate
    transitions.churn(model, angry)
    model.time += 1
    smot.word_of_mouth(model, pop.moment >= Moment.SMOT)
    row = model.ledger.row
    assert row[model.cols.wom_former["negative"]] > 0
    assert row[model.cols.wom_former["positive"]] == 0
    assert row[model.cols.wom["negative"]] >= row[model.cols.wom_former["negative"]]


def aimed_at(who: str, steps: int) -> tuple[JourneyModel, int, np.ndarray, np.ndarray]:
    """The baseline at 3,000 consumers after `steps` steps, its first running SMOT touchpoint
    aimed at `who`, and its customers (a mask and their indices)."""
    model = JourneyModel(load_scenario(ROOT / "scenarios" / "baseline.toml"), consumers=3000, rng=4)
    model.run_for(steps)
    tps = model.touchpoints
    tp = int(tps.live(Moment.SMOT)[0])
    tps.audience[tp] = who
    tps.who[tp] = AUDIENCES.index(who)
    customer = model.population.moment >= Moment.SMOT
    return model, tp, customer, np.flatnonzero(customer)


@pytest.mark.parametrize("who", ["all", "prospects", "customers", "new_customers", "with_problem"])
@pytest.mark.parametrize("reach", [0.01, 0.05, 0.1, 0.2, 0.5, 1.0])
def test_a_touchpoint_meets_whom_its_audience_and_reach_pick(who: str, reach: float) -> None:
    """Those of its audience its reach picks: by their own uniform above `_MEMBERWISE`, below
    it those of the audience that gaps over everyone pick (`Stream.indices`)."""
    model, tp, customer, customers = aimed_at(who, 40)
    pop, tps = model.population, model.touchpoints
    pop.problem[::7] = True
    tps.reach[tp] = reach
    aimed = transitions.audience(model, tp, customers)
    stream = model.stream(f"reach:{tps.keys[tp]}")
    if smot._MEMBERWISE < reach < 1:
        want = aimed[stream.uniform(aimed) < reach]
    else:
        want = np.intersect1d(stream.indices(pop.size, reach), aimed)
    assert (smot.meet(model, tp, customer, customers) == want).all()


@pytest.mark.parametrize("reach", [0.02, 0.1, 0.3])
def test_whether_a_touchpoint_meets_a_customer_does_not_depend_on_the_rest_of_its_audience(
    reach: float,
) -> None:
    """More customers with a problem leave support's draw for each of the others as it was,
    whether its reach draws by gaps over everyone or per member."""
    model, tp, customer, customers = aimed_at("with_problem", 40)
    pop = model.population
    model.touchpoints.reach[tp] = reach
    pop.problem[:] = False
    pop.problem[customers[::3]] = True
    few = smot.meet(model, tp, customer, customers)
    pop.problem[customers[1::3]] = True
    more = smot.meet(model, tp, customer, customers)
    assert few.size > 0
    assert np.array_equal(np.intersect1d(more, customers[::3]), few)


@pytest.mark.parametrize("who", ["new_customers", "with_problem"])
def test_support_and_onboarding_draw_among_a_narrowed_list_and_meet_the_same_customers(
    who: str,
) -> None:
    """`_narrow` keeps every customer the audience check of any brand's touchpoint would keep
    (and no one else of the kind), so meeting among it meets whom meeting among all customers
    meets, at a reach drawn per member and one drawn by gaps over everyone."""
    model, tp, customer, customers = aimed_at(who, 60)
    pop, tps = model.population, model.touchpoints
    pop.problem[::5] = True
    live = tps.live(Moment.SMOT)
    fresh, open_ = smot._narrow(
        live,
        tps.who,
        customers,
        pop.acquired,
        pop.problem,
        model.t,
        model.spec.smot.onboarding_steps,
    )
    narrowed = fresh if who == "new_customers" else open_
    assert 0 < narrowed.size < customers.size / 4
    for b in np.unique(tps.brand):
        tps.brand[tp] = b
        assert np.isin(transitions.audience(model, tp, customers), narrowed).all()
    for reach in (0.02, 0.3):
        tps.reach[tp] = reach
        assert np.array_equal(
            smot.meet(model, tp, customer, narrowed),
            smot.meet(model, tp, customer, customers),
        )
