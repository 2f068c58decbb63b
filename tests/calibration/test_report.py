"""The printed summary's parameter names: short, yet never two alike."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from calibration.report import short_names


def test_key_paths_are_named_by_their_shortest_distinct_tail() -> None:
    paths = [
        "retention.base",
        "population.segments.members.tolerance.median",
        "population.segments.members.tolerance.sigma",
        "brands.meridian.quality",
        "brands.harbor.touchpoints.ad.quality",
    ]
    assert short_names(paths) == {
        "retention.base": "retention.base",
        "population.segments.members.tolerance.median": "tolerance.median",
        "population.segments.members.tolerance.sigma": "tolerance.sigma",
        "brands.meridian.quality": "meridian.quality",
        "brands.harbor.touchpoints.ad.quality": "ad.quality",
    }


def test_a_path_that_ends_another_keeps_its_whole_name() -> None:
    names = short_names(["x.b.c", "b.c"])
    assert names == {"x.b.c": "x.b.c", "b.c": "b.c"}


@given(
    st.lists(
        st.lists(st.sampled_from("abc"), min_size=1, max_size=4).map(".".join),
        unique=True,
        max_size=8,
    )
)
def test_names_are_distinct_tails_of_their_paths(paths: list[str]) -> None:
    names = short_names(paths)
    assert set(names) == set(paths)
    assert len(set(names.values())) == len(paths)
    for path, name in names.items():
        assert ("." + path).endswith("." + name)
