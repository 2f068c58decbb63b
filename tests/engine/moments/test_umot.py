from __future__ import annotations

import numpy as np

from sim.engine.moments.umot import posting_probability
from sim.engine.reviews import ReviewPages, star_rating


def test_self_selected_posting_grows_with_the_size_of_the_surprise() -> None:
    surprise = np.array([-3.0, -1.0, 0.0, 1.0, 3.0])
    p = posting_probability(np.full(5, 0.2), surprise, scale=3.0, self_selected=True)
    assert p[2] == 0 and p[1] == p[3] < p[0] == p[4] == 0.2
    everyone = posting_probability(np.full(5, 0.2), surprise, scale=3.0, self_selected=False)
    assert (everyone == 0.2).all()


def test_stars_follow_experience_and_herd_toward_the_shown_average() -> None:
    quality, expected = np.array([1.0, 3.0, 4.6]), np.array([3.0, 3.0, 3.0])
    alone = star_rating(quality, expected, np.full(3, np.nan), herding=0.3)
    assert alone.tolist() == [1, 3, 5]
    assert star_rating(np.array([3.2]), np.array([3.0]), np.array([5.0]), 0.3)[0] == 4
    assert star_rating(np.array([3.2]), np.array([3.0]), np.array([5.0]), 0.0)[0] == 3


def test_review_pages_show_the_newest_first() -> None:
    pages = ReviewPages(brands=2, depth=3)
    pages.post(1, np.array([0, 0, 1]), np.array([5, 1, 4]), np.array([10, 11, 12]))
    pages.post(2, np.array([0]), np.array([2]), np.array([13]))
    assert pages.newest[0].tolist() == [2, 1, 5]
    assert pages.average().tolist() == [8 / 3, 4.0]
    assert pages.newest_means()[0, 2] == 1.5
    assert pages.count.tolist() == [3, 1]
