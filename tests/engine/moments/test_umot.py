from __future__ import annotations

import numpy as np

from sim.engine.moments.umot import evaluation, herd, posting_probability, stars
from sim.engine.reviews import ReviewPages


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
