"""The social network word of mouth travels along, stored as compressed sparse rows.

Generated with numpy from the model's random generator in O(edges) time and memory, so a
million consumers get their ties in about a second. `fully_mixed` stores no ties at all: a
talker reaches a uniformly random consumer, the population the Bass model assumes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.draws import Stream, _hash
from sim.engine.kernels import njit
from sim.scenario import Network

__all__ = ["Ties", "build_ties", "pick_listeners", "scale_free", "small_world", "tie_arrays"]


@dataclass(frozen=True, eq=False)
class Ties:
    """Undirected ties: the neighbours of i are indices[indptr[i]:indptr[i + 1]]."""

    indptr: np.ndarray  # int64 [n + 1]
    indices: np.ndarray  # int32 [2 * edges]

    @property
    def degree(self) -> np.ndarray:
        return np.diff(self.indptr)


def _csr(n: int, a: np.ndarray, b: np.ndarray) -> Ties:
    """Symmetric CSR from an edge list, dropping self-loops."""
    indptr, indices = _bucket(n, a, b)
    return Ties(indptr=indptr, indices=indices)


@njit(cache=True)
def _bucket(n, a, b):  # type: ignore[no-untyped-def]
    """Both directions of every edge but self-loops, bucketed by source in edge order (a
    counting sort, O(edges), where an argsort was most of a million consumers' build)."""
    indptr = np.zeros(n + 1, dtype=np.int64)
    for e in range(a.shape[0]):
        if a[e] != b[e]:
            indptr[a[e] + 1] += 1
            indptr[b[e] + 1] += 1
    for i in range(n):
        indptr[i + 1] += indptr[i]
    fill = indptr[:-1].copy()
    indices = np.empty(indptr[n], dtype=np.int32)
    # first every a -> b, then every b -> a, as the stable sort of the concatenation had them
    for e in range(a.shape[0]):
        if a[e] != b[e]:
            indices[fill[a[e]]] = b[e]
            fill[a[e]] += 1
    for e in range(a.shape[0]):
        if a[e] != b[e]:
            indices[fill[b[e]]] = a[e]
            fill[b[e]] += 1
    return indptr, indices


def small_world(rng: np.random.Generator, n: int, mean_degree: float, rewire: float) -> Ties:
    """Watts-Strogatz: a ring where each consumer knows its k nearest, a share rewired at random.

    The rewired ties are the weak ties between distant circles (Goldenberg, Libai & Muller 2001).
    """
    half = max(1, min(round(mean_degree / 2), (n - 1) // 2))
    a = np.repeat(np.arange(n, dtype=np.int64), half)
    b = (a + np.tile(np.arange(1, half + 1), n)) % n
    moved = rng.random(b.size) < rewire
    b[moved] = rng.integers(0, n, int(moved.sum()))
    return _csr(n, a, b)


def scale_free(rng: np.random.Generator, n: int, mean_degree: float, exponent: float) -> Ties:
    """Configuration model with power-law degrees P(k) ~ k^-exponent: a few hubs, many loners."""
    k_min = mean_degree * (exponent - 2) / (exponent - 1)  # Pareto mean: k_min (e - 1) / (e - 2)
    raw = k_min * (1 - rng.random(n)) ** (-1 / (exponent - 1))
    degree = np.minimum(np.floor(raw + rng.random(n)), n - 1).astype(np.int64)
    stubs = rng.permutation(np.repeat(np.arange(n, dtype=np.int64), degree))
    stubs = stubs[: stubs.size // 2 * 2].reshape(-1, 2)
    return _csr(n, stubs[:, 0], stubs[:, 1])


def build_ties(spec: Network, n: int, rng: np.random.Generator) -> Ties | None:
    """The network a scenario asks for, or None for a fully mixed population."""
    if spec.kind == "fully_mixed" or n < 3:
        return None
    if spec.kind == "small_world":
        return small_world(rng, n, spec.mean_degree, spec.rewire)
    return scale_free(rng, n, spec.mean_degree, spec.exponent)


def pick_listeners(draws: Stream, ties: Ties | None, talkers: np.ndarray, n: int) -> np.ndarray:
    """One listener per talker: a random neighbour (-1 for a talker with no ties), from the
    talker's own draw."""
    indptr, indices = tie_arrays(ties)
    return _pick_listeners(indptr, indices, n, np.uint64(draws.base), talkers)


_MIXED = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int32))


def tie_arrays(ties: Ties | None) -> tuple[np.ndarray, np.ndarray]:
    """The ties as a kernel takes them (`_listener`): empty arrays for a fully mixed population."""
    return _MIXED if ties is None else (ties.indptr, ties.indices)


@njit(cache=True)
def _listener(indptr, indices, n, key, talker):  # type: ignore[no-untyped-def]
    """The listener of one talker, from its uniform in the stream `key`: a random neighbour, -1
    without ties, anyone when fully mixed (`indptr` empty). For kernels that spread talk."""
    u = _hash(key, np.int64(talker))
    if indptr.shape[0] == 0:
        return min(np.int64(u * n), n - 1)
    if indices.shape[0] == 0:
        return np.int64(-1)
    start = indptr[talker]
    degree = indptr[talker + 1] - start
    if degree <= 0:
        return np.int64(-1)
    return np.int64(indices[start + min(np.int64(u * degree), degree - 1)])


@njit(cache=True)
def _pick_listeners(indptr, indices, n, key, talkers):  # type: ignore[no-untyped-def]
    """`pick_listeners` in one pass where numpy needs about ten calls."""
    out = np.empty(talkers.shape[0], dtype=np.int64)
    for k in range(talkers.shape[0]):
        out[k] = _listener(indptr, indices, n, key, talkers[k])
    return out
