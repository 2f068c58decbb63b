"""The model as a Mesa model: agents, time, scheduled events, and the moments wired together."""

from __future__ import annotations

import mesa
import numpy as np
import polars as pl
import pytest
from mesa.time import Priority, Schedule

from sim import Consumer, JourneyModel, Moment
from sim.scenario import EDITABLE_BRAND, validate_scenario


def small(**extra) -> dict:
    spec = {
        "time": {"steps": 60},
        "population": {"consumers": 500},
        "brands": {
            "ours": {
                "awareness": 0.5,
                "share": 0.2,
                "touchpoints": {
                    "ad": {"moment": "pre_zmot", "reach": 0.05, "trigger": 0.2, "cost": 1.0},
                    "help": {"moment": "smot", "reach": 0.1, "quality": 4.0},
                },
            },
            "theirs": {"awareness": 0.5, "share": 0.2},
        },
    }
    for key, value in extra.items():
        spec[key] = value
    return spec


def test_every_consumer_is_a_mesa_agent_reading_its_own_row() -> None:
    model = JourneyModel(validate_scenario(small()), rng=1)
    consumers = model.agents_by_type[Consumer]
    assert isinstance(model, mesa.Model) and len(consumers) == 500 == len(model.agents)
    agent = next(a for a in consumers if a.row == 7)
    assert agent.unique_id == model.first_id + 7
    model.population.moment[7] = Moment.ZMOT
    assert agent.moment is Moment.ZMOT
    agent.satisfaction = 0.25
    assert model.population.satisfaction[7] == 0.25
    assert set(agent.traits) >= {"tolerance", "need_rate", "reviews_read"}
    assert set(agent.attitude) == {"ours", "theirs"}


def test_consumers_built_in_bulk_are_ordinary_mesa_agents() -> None:
    """`Consumer.populate` registers agents as `Agent.__init__` would: ids from the model's
    counter, in both agent sets, removable, and an agent made later gets the next id."""
    model = JourneyModel(validate_scenario(small()), rng=1)
    ids = sorted(a.unique_id for a in model.agents)
    assert ids == list(range(model.first_id, model.first_id + 500))
    assert all(a.model is model and a.pos is None for a in model.agents)
    gone = next(a for a in model.agents if a.row == 3)
    gone.remove()
    assert gone not in model.agents and gone not in model.agents_by_type[Consumer]
    assert len(model.agents) == 499
    late = Consumer(model, 3)
    assert late.unique_id == model.first_id + 500 and late in model.agents_by_type[Consumer]


def test_time_advances_by_run_for_one_step_per_unit() -> None:
    model = JourneyModel(validate_scenario(small()), rng=1)
    model.run_for(25)
    assert model.time == 25 and model.t == 25
    assert model.metrics()["step"].max() == 25


def contacts(model: JourneyModel, name: str) -> np.ndarray:
    m = model.metrics().filter((pl.col("metric") == "contacts") & (pl.col("detail") == name))
    return m.sort("step")["value"].to_numpy()


def test_a_campaign_runs_exactly_between_its_start_and_end() -> None:
    spec = small()
    spec["brands"]["ours"]["touchpoints"]["ad"].update(start=10, end=20)
    model = JourneyModel(validate_scenario(spec), rng=1)
    model.run_for(30)
    c = contacts(model, "ad")
    on = np.zeros(30, bool)
    on[9:20] = True  # steps 10..20
    assert (c[~on] == 0).all() and (c[on] > 0).all()


def test_a_dated_event_changes_the_brand_from_its_day_on() -> None:
    spec = small(events={"cut": {"at": 15, "brand": "ours", "set": {"price": 1.0}}})
    model = JourneyModel(validate_scenario(spec), rng=1)
    model.run_for(14)
    assert model.prices[0] == 10.0 and model.offer_prices()[0] == 10.0
    model.run_for(1)
    assert model.prices[0] == 1.0
    assert model.offer_prices()[0] == 1.0  # what shoppers weigh, kept, follows the change


def test_each_editable_brand_field_lands_in_its_own_array_and_no_other_field_does() -> None:
    change = {"price": 1.0, "problem_rate": 0.5, "quality": 2.0, "quality_sd": 0.25}
    assert set(change) == set(EDITABLE_BRAND)
    spec = small(events={"shift": {"at": 5, "brand": "theirs", "set": change}})
    model = JourneyModel(validate_scenario(spec), rng=1)
    arrays = ("prices", "problem_rates", "brand_quality", "brand_quality_sd")
    before = tuple(getattr(model, a).copy() for a in arrays)
    model.run_for(5)
    after = tuple(getattr(model, a) for a in arrays)
    assert [a[1] for a in after] == [1.0, 0.5, 2.0, 0.25]
    assert all(a[0] == b[0] for a, b in zip(after, before, strict=True))
    with pytest.raises(KeyError):  # never a silent change of price
        model._apply("theirs", None, {"colour": 9.0})
    assert model.prices[1] == 1.0


def test_touchpoint_cost_is_contacts_times_cost_per_contact() -> None:
    model = JourneyModel(validate_scenario(small()), rng=1)
    model.run_for(20)
    m = model.metrics().filter(pl.col("detail") == "ad")
    by = {k: g.sort("step")["value"].to_numpy() for (k,), g in m.group_by("metric")}
    assert by["contacts"].sum() > 0
    assert np.array_equal(by["cost"], by["contacts"] * 1.0)


def test_flows_account_for_every_change_in_the_moment_counts() -> None:
    model = JourneyModel(validate_scenario(small()), rng=3)
    start = model.counts.copy()
    model.run_for(40)
    m = model.metrics()
    flows = m.filter(pl.col("metric") == "flow").group_by("detail").agg(pl.col("value").sum())
    net = np.zeros(len(Moment))
    for edge, amount in flows.iter_rows():
        a, b = edge.split(">")
        net[Moment[a.upper()]] -= amount
        net[Moment[b.upper()]] += amount
    assert np.array_equal(start + net, model.counts)


def test_same_seed_same_run_other_seed_other_run() -> None:
    spec = validate_scenario(small())

    def metrics(seed: int) -> pl.DataFrame:
        model = JourneyModel(spec, rng=seed)
        model.run_for(30)
        return model.metrics()

    assert metrics(4).equals(metrics(4))
    assert not metrics(4).equals(metrics(5))


@pytest.mark.parametrize("kind", ["fully_mixed", "small_world", "scale_free"])
def test_word_of_mouth_travels_on_every_network(kind: str) -> None:
    model = JourneyModel(validate_scenario(small(network={"kind": kind})), rng=2)
    model.run_for(30)
    wom = model.metrics().filter(pl.col("metric") == "wom")["value"].sum()
    assert wom > 0


def test_every_subscriber_renews_and_pays_once_per_period() -> None:
    spec = {
        "time": {"steps": 30},
        "population": {"consumers": 400},
        "brands": {"only": {"share": 1.0, "price": 2.0}},
        "retention": {"enabled": False, "period": 10},
    }
    model = JourneyModel(validate_scenario(spec), rng=1)
    model.run_for(30)
    revenue = model.metrics().filter(pl.col("metric") == "revenue").sort("step")["value"]
    per_period = revenue.to_numpy().reshape(3, 10).sum(axis=1)
    assert per_period.tolist() == [800.0, 800.0, 800.0]


def test_t_is_mesa_time_at_every_event_of_a_step() -> None:
    """`t` reads Mesa's time where its descriptor keeps it (`_time`), not through it: the same
    number in the step, at a renewal and when the step is measured."""
    assert vars(mesa.Model)["time"].private_name == "_time"
    model = JourneyModel(validate_scenario(small()), rng=1)
    seen: list[tuple[int, float]] = []

    def look() -> None:  # Mesa holds events by weak reference: kept alive here
        seen.append((model.t, model.time))

    model.schedule_event(look, at=3)
    model.schedule_recurring(look, Schedule(interval=1, start=1), Priority.LOW)
    model.run_for(4)
    assert seen and all(t == int(time) for t, time in seen)
    assert [t for t, _ in seen] == [1, 2, 3, 3, 4]
    assert model.t == 4 and model.stream("usage").base == model.draws.stream("usage", 4).base


def test_held_is_the_renewal_day_deciding_holds_still_and_none_without_subscriptions() -> None:
    """The moments' kernels compare `held()` with each consumer's next renewal themselves:
    the same customers `deciding` names, and nobody in a repurchase market."""
    idx = np.arange(300)
    for mode, held in (("subscription", 3), ("repurchase", -1)):
        spec = validate_scenario(small(retention={"enabled": True, "mode": mode}))
        model = JourneyModel(spec, consumers=300, rng=2)
        model.run_for(3)
        assert model.held() == held
        expected = model.population.next_renewal == 3 if held > 0 else np.zeros(300, bool)
        assert (model.deciding(idx) == expected).all()
