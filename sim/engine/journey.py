"""The journey as a graph: the moments a consumer can be in and the edges it can move along."""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "CUSTOMER", "EDGES", "EDGE_INDEX", "FMOT", "PRE_ZMOT", "SMOT", "UMOT", "ZMOT", "Moment",
    "edge_name",
]  # fmt: skip


class Moment(IntEnum):
    """Where a consumer is in its journey; stored as int8 in the population arrays."""

    PRE_ZMOT = 0  # less than zero: out of the market, exposed to stimuli
    ZMOT = 1  # in the market, researching and choosing
    FMOT = 2  # meeting the chosen brand for the first time
    SMOT = 3  # a customer living with the product
    UMOT = 4  # a customer posting a review (for one step), then back to SMOT

    @property
    def label(self) -> str:
        return self.name.lower()


PRE_ZMOT, ZMOT, FMOT, SMOT, UMOT = (int(m) for m in Moment)
"""The moments as plain ints: constants to the kernels (numba compiles in a global int, not an
enum member), and what arrays are compared with (numpy compares an array with an `IntEnum`
member by first casting the array to int64, some fifteen times slower at 100,000 consumers)."""

CUSTOMER = SMOT
"""The first moment of a customer (SMOT, UMOT after it)."""

M = Moment
# Every move a consumer can make in one step. Skipping a moment (0 -> 2, 0 -> 3, 1 -> 3) only
# happens when the scenario switches the skipped moment off (the Bass reduction does).
EDGES: tuple[tuple[Moment, Moment], ...] = (
    (M.PRE_ZMOT, M.ZMOT),  # a need arises
    (M.PRE_ZMOT, M.FMOT),  # a need arises, research switched off
    (M.PRE_ZMOT, M.SMOT),  # a need arises, research and first encounter switched off
    (M.ZMOT, M.FMOT),  # a brand is chosen
    (M.ZMOT, M.SMOT),  # a brand is chosen, first encounter switched off
    (M.ZMOT, M.PRE_ZMOT),  # gives up without buying
    (M.FMOT, M.SMOT),  # converts
    (M.FMOT, M.ZMOT),  # does not convert, researches again
    (M.FMOT, M.PRE_ZMOT),  # does not convert, leaves the market
    (M.SMOT, M.UMOT),  # posts a review
    (M.UMOT, M.SMOT),  # back to living with the product
    (M.SMOT, M.ZMOT),  # churns and shops again
    (M.SMOT, M.PRE_ZMOT),  # churns and leaves the market
    (M.UMOT, M.ZMOT),  # churns right after posting, shops again
    (M.UMOT, M.PRE_ZMOT),  # churns right after posting, leaves
)
EDGE_INDEX = {edge: i for i, edge in enumerate(EDGES)}


def edge_name(edge: tuple[Moment, Moment]) -> str:
    return f"{edge[0].label}>{edge[1].label}"
