"""Where everyone was when a step began, counted in one pass."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.engine.journey import Moment
from sim.engine.step import Start


@given(arrays(np.int8, st.integers(0, 300), elements=st.integers(0, len(Moment) - 1)))
def test_start_lists_who_was_where_as_numpy_would(moment: np.ndarray) -> None:
    start = Start.of(moment)
    assert start.moment is not moment and np.array_equal(start.moment, moment)
    customer = moment >= Moment.SMOT
    assert np.array_equal(start.customer, customer)
    assert np.array_equal(start.customers, np.flatnonzero(customer))
    for name, at in (("zmot", Moment.ZMOT), ("fmot", Moment.FMOT), ("umot", Moment.UMOT)):
        listed = getattr(start, name)
        assert listed.dtype == np.int64 and np.array_equal(listed, np.flatnonzero(moment == at))
