from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from sim import JourneyModel
from sim.engine.moments.umot import (
    answerable,
    asked_posting_probability,
    evaluation,
    herd,
    obliging,
    posting_probability,
    stars,
)
from sim.engine.reviews import ReviewPages, blend_expectation
from sim.scenario import validate_scenario


def test_evaluation_is_quality_plus_a_smaller_disconfirmation_heavier_for_shortfalls() -> None:
    quality, expected, quiet = np.array([2.0, 4.0, 3.0]), np.full(3, 3.0), np.zeros(3)
    felt = evaluation(quality, expected, quiet, weight=0.3, negativity=4.0)
    assert np.allclose(felt, [2.0 - 1.2, 4.0 + 0.3, 3.0])
    assert np.allclose(evaluation(quality, expected, np.full(3, 0.5), 0.3, 4.0), felt + 0.5)


def test_stars_round_the_evaluation_onto_one_to_five() -> None:
    assert stars(np.array([-2.0, 1.4, 2.6, 3.49, 4.51, 9.0])).tolist() == [1, 1, 3, 3, 5, 5]


def test_self_selected_posting_grows_with_how_strongly_one_feels_either_way() -> None:
    felt = np.array([0.5, 2.0, 3.0, 4.0, 5.5])
    p = posting_probability(np.full(5, 0.2), felt, scale=2.5, moderate=0.05, self_selected=True)
    assert p[2] == 0.2 * 0.05  # neutral: the moderate share of the propensity
    assert p[2] < p[1] == p[3] < p[0] == p[4] == 0.2  # symmetric in the distance, capped
    everyone = posting_probability(np.full(5, 0.2), felt, 2.5, 0.05, self_selected=False)
    assert (everyone == 0.2).all()


def test_herding_pulls_toward_the_page_more_up_than_down() -> None:
    own = np.array([3.0, 3.0, 3.0])
    shown = np.array([4.0, 2.0, np.nan])
    assert np.allclose(herd(own, shown, up=0.3, down=0.05), [3.3, 2.95, 3.0])
    assert np.allclose(herd(own, shown, up=0.0, down=0.0), own)


def test_review_pages_show_the_newest_first() -> None:
    pages = ReviewPages(brands=2, depth=3)
    pages.post(1, np.array([0, 0, 1]), np.array([5, 1, 4]), np.array([10, 11, 12]))
    pages.post(2, np.array([0]), np.array([2]), np.array([13]))
    assert pages.newest[0].tolist() == [2, 1, 5]
    assert pages.average().tolist() == [8 / 3, 4.0]
    assert pages.newest_means()[0, 2] == 1.5
    assert pages.count.tolist() == [3, 1]


def test_a_seeded_page_shows_its_reviews_but_keeps_them_out_of_the_log() -> None:
    pages = ReviewPages(brands=2, depth=3)
    pages.seed(1, np.array([2, 3, 4, 5]))  # oldest first
    assert pages.newest[1].tolist() == [5, 4, 3]
    assert pages.count.tolist() == [0, 4] and pages.average()[1] == 3.5
    assert pages.frame(["a", "b"]).height == 0


# --- UMOT touchpoints: asking for reviews, answering complaints -------------------------------


def test_asking_adds_posts_most_where_self_selection_left_few() -> None:
    felt = np.array([3.0, 4.0, 5.5])  # neutral, moderate, delighted
    propensity = np.full(3, 0.2)
    own = posting_probability(propensity, felt, scale=2.5, moderate=0.05, self_selected=True)
    once = np.ones(3, dtype=int)
    asked = asked_posting_probability(own, propensity, felt, solicited=1.0, asks=once)
    assert (asked > own).all()
    # granted with the propensity times how obliging the experience makes one
    assert asked == pytest.approx(1 - (1 - own) * (1 - 0.2 * np.array([0.5, 0.75, 1.0])))
    gain = asked / own  # Karaman 2021: the moderate gain more than the extreme
    assert gain[0] > gain[1] > gain[2]
    assert (asked - own)[1] > (asked - own)[0]  # in points, the satisfied most
    # not asked: the own chance to the bit; asked twice: more; a chance: capped at 1
    assert (asked_posting_probability(own, propensity, felt, 1.0, 0 * once) == own).all()
    assert (asked_posting_probability(own, propensity, felt, 1.0, 2 * once) > asked).all()
    assert asked_posting_probability(own, propensity, np.full(3, 5.0), 9.0, once) == (
        pytest.approx(1.0)
    )


def test_the_angry_are_not_moved_by_a_request_the_pleased_most() -> None:
    assert obliging(np.array([0.2, 1.0, 2.0, 3.0, 5.0, 6.1])).tolist() == [0, 0, 0.25, 0.5, 1, 1]
    angry = np.array([1.0])
    own = posting_probability(np.array([0.2]), angry, 2.5, 0.05, self_selected=True)
    assert (
        asked_posting_probability(own, np.array([0.2]), angry, 1.0, np.ones(1, int)) == own
    ).all()


def test_a_review_response_answers_complaints_up_to_its_stars() -> None:
    given = np.array([1, 2, 3, 4, 5])
    assert answerable(given, 2).tolist() == [True, True, False, False, False]
    assert answerable(given, 3).tolist() == [True, True, True, False, False]


def test_readers_count_an_answered_review_less() -> None:
    pages = ReviewPages(brands=2, depth=3)
    pages.post(1, np.array([0, 0]), np.array([5, 1]), np.array([1, 2]))
    pages.post(2, np.array([0, 1]), np.array([2, 4]), np.array([3, 4]), np.array([True, False]))
    # brand 0, newest first: 2 (answered), 1, 5
    assert pages.newest[0].tolist() == [2, 1, 5]
    assert pages.answered[0].tolist() == [True, False, False]
    weights, means = pages.newest_read(answered_weight=0.5)
    assert weights[0, 1:].tolist() == [0.5, 1.5, 2.5]
    assert means[0, 1:] == pytest.approx([2.0, (1.0 + 1.0) / 1.5, (1.0 + 1.0 + 5.0) / 2.5])
    assert means[0, 3] > pages.newest_means()[0, 3]  # the complaint weighs less
    # the rating shown still counts every review in full
    assert pages.average()[0] == pytest.approx(8 / 3)
    # counting an answered complaint for nothing: a page of answered complaints reads as empty
    weights, means = pages.newest_read(answered_weight=0.0)
    assert (weights[0, 1], means[0, 1]) == (0.0, 0.0)


def test_with_nothing_answered_reading_is_the_plain_mean_to_the_bit() -> None:
    rng = np.random.default_rng(1)
    pages = ReviewPages(brands=3, depth=7)
    for step in range(4):
        pages.post(step, rng.integers(0, 3, 5), rng.integers(1, 6, 5), np.arange(5))
    weights, means = pages.newest_read(answered_weight=0.3)
    assert (weights[:, 1:] == np.arange(1, 8)).all()
    assert (means == pages.newest_means()).all()


def test_answered_complaints_lift_the_expectation_formed_from_them() -> None:
    attitude, read = np.array([3.0]), np.array([2.0])
    plain = blend_expectation(attitude, read, np.array([4.0]), prior_weight=4.0)
    answered = blend_expectation(attitude, read, np.array([2.0]), prior_weight=4.0)
    assert plain[0] == 2.5 and answered[0] == pytest.approx((12 + 4) / 6)


def test_the_review_log_says_which_reviews_were_answered_and_asked_for() -> None:
    pages = ReviewPages(brands=2, depth=3)
    pages.post(1, np.array([0, 1]), np.array([1, 5]), np.array([7, 8]), None, np.array([0, 1]))
    pages.post(2, np.array([0]), np.array([2]), np.array([9]), np.array([True]))
    frame = pages.frame(["a", "b"])
    assert frame["answered"].to_list() == [False, False, True]
    assert frame["asked"].to_list() == [False, True, False]
    assert frame.schema["answered"] == pl.Boolean


def umot_market(request: float, response: float) -> JourneyModel:
    """Everyone a customer of a middling brand "a" who reviews readily; "b" answers nothing."""
    spec = {
        "time": {"steps": 5},
        "population": {"consumers": 3000, "segments": {"all": {"review_propensity": 0.3}}},
        "brands": {
            "a": {
                "share": 0.9,
                "quality": 3.0,
                "quality_sd": 1.5,
                "touchpoints": {
                    "ask": {"moment": "umot", "kind": "review_request", "reach": request},
                    "answer": {"moment": "umot", "kind": "review_response", "reach": response},
                },
            },
            "b": {"share": 0.1, "quality": 3.0, "quality_sd": 1.5},
        },
        "smot": {"usage_rate": 0.5},
    }
    return JourneyModel(validate_scenario(spec), rng=11)


def test_requests_and_responses_act_only_for_their_brand_and_count_as_contacts() -> None:
    model = umot_market(request=0.5, response=1.0)
    model.run_for(5)
    reviews = model.reviews()
    a, b = (reviews.filter(pl.col("brand") == x) for x in ("a", "b"))
    # every complaint of a answered, nothing else; b neither asks nor answers
    assert a["answered"].to_list() == (a["stars"] <= 2).to_list()
    assert a["answered"].sum() > 50 and not b["answered"].any() and not b["asked"].any()
    assert a["asked"].sum() > 50
    contacts = model.metrics().filter(pl.col("metric") == "contacts")
    total = dict(contacts.group_by("detail").agg(pl.col("value").sum()).iter_rows())
    assert total["answer"] == a["answered"].sum()
    assert total["ask"] >= a["asked"].sum()  # some asked customers still do not post


def test_asking_only_adds_reviews_and_reach_zero_changes_nothing() -> None:
    quiet, asked = umot_market(0.0, 0.0), umot_market(1.0, 0.0)
    quiet.run_for(1)
    asked.run_for(1)
    r0, r1 = quiet.reviews(), asked.reviews()
    # the same draws: every review posted unasked is posted when asked, with the same stars
    both = r0.join(r1, on=["author", "brand"], suffix="_asked")
    assert both.height == r0.height and (both["stars"] == both["stars_asked"]).all()
    assert r1.height > 1.5 * r0.height
    assert not r0["asked"].any()
