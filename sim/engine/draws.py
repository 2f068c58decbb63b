"""Random draws keyed by what they are for: every random number of a run is a pure function of
(run key, stream, step, consumer), the counter-based design of Salmon et al. (2011, "Parallel
random numbers: as easy as 1, 2, 3", SC'11).

Why: comparing two scenarios on the same seed (common random numbers) only cuts the variance
of their difference if a change leaves the other draws where they were. With one sequential
generator, one extra draw anywhere shifts every later draw of the run. Here a stream is named
for its mechanism (and touchpoint), and a consumer's draw in it depends on nothing but the
consumer and the step, so a better onboarding changes the draws of nobody else's churn.

The mixing function is SplitMix64's finaliser (Steele, Lea & Flood 2014, "Fast splittable
pseudorandom number generators", OOPSLA), applied to a counter: the consumer index times an odd
constant plus a key hashed from the run, the stream's name and the step.

Picking each of n consumers with chance p costs in proportion to the picks, not to n: gaps
between successes of independent Bernoulli(p) trials are geometric, so the picks are a
cumulative sum of geometric gaps, each from its own counter. Consumers with chances of their
own are grouped by the rung of their chance on a fixed ladder (`Rungs`, made once from a fixed
trait), each rung's members picked at the rung's chance in a stream of that rung and thinned to
their own chance: about 1.1 candidates a pick, where candidates at the largest chance of anyone
can be many times the picks.

The hash, the gaps and the normals (Wichura's AS241 quantile of a uniform) are small numba
kernels (compiled once, cached on disk): a step makes about fifty draws, mostly of a few dozen
numbers, where a dozen numpy calls each cost more than the arithmetic, and the mechanisms'
own kernels call `_hash` and `_normal` to draw inside their loops.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

from sim.engine.arrays import room
from sim.engine.kernels import njit

__all__ = ["Draws", "Rungs", "Stream", "mix64", "occurrence", "rung", "rung_exponents"]

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_UNIT = 2.0**-53
_DENSE = 0.2  # above this chance a uniform per consumer is cheaper than gaps


def mix64(x: int) -> int:
    """SplitMix64's finaliser on a Python integer (for keys; counters use `_hash`)."""
    x &= _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


@lru_cache(maxsize=4096)
def _name_key(name: str) -> int:
    return mix64(zlib.crc32(name.encode()) * _GOLDEN)


@njit(cache=True)
def _hash(base: np.uint64, counter: np.int64) -> float:
    """The uniform in (0, 1) of one counter: SplitMix64's finaliser, top 53 bits, centred."""
    x = np.uint64(counter) * np.uint64(_GOLDEN) + base
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return (x >> np.uint64(11)) * _UNIT + _UNIT / 2


@njit(cache=True)
def _mix(x: np.uint64) -> np.uint64:
    """SplitMix64's finaliser on a uint64, as `mix64` on a Python integer (keys in kernels)."""
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@njit(cache=True)
def _base(key: np.uint64, step: np.int64) -> np.uint64:
    """The base of the stream keyed `key` (`Draws.key_of`) at `step`, as `Draws.stream`: so a
    kernel makes the streams of several touchpoints without a Python call for each."""
    return _mix(key + np.uint64(step) * np.uint64(_GOLDEN))


@njit(cache=True)
def _uniforms(base: np.uint64, counter: np.ndarray) -> np.ndarray:
    out = np.empty(counter.shape[0])
    for i in range(counter.shape[0]):
        out[i] = _hash(base, np.int64(counter[i]))
    return out


@njit(cache=True)
def _uniform_rows(base: np.uint64, idx: np.ndarray, columns: int) -> np.ndarray:
    """`Stream.uniform_rows`: the uniform of counter `idx[r] * columns + c` at [r, c]."""
    out = np.empty((idx.shape[0], columns))
    for r in range(idx.shape[0]):
        for c in range(columns):
            out[r, c] = _hash(base, np.int64(idx[r]) * columns + c)
    return out


@njit(cache=True)
def _gap_picks(base: np.uint64, n: int, log_q: float, size: int) -> np.ndarray:
    """Indices of range(n) picked with chance 1 - exp(log_q) each: a cumulative sum of
    geometric gaps, the j-th gap from counter j."""
    out = np.empty(size, dtype=np.int64)
    k, pos, j = 0, np.int64(-1), np.int64(0)
    while True:
        k, pos, j, done = _gaps(out, k, pos, j, base, n, log_q)
        if done:
            return out[:k]
        out = room(out, k + 1)


@njit(cache=True)
def _gaps(out, k, pos, j, base, n, log_q):  # type: ignore[no-untyped-def]
    """`_gap_picks` from pick `k` (at `pos`, gap counter `j`) until `out` is full or the picks
    pass `n` (then done): the new k, pos, j and whether done."""
    while k < out.shape[0]:
        gap = np.floor(np.log(_hash(base, j)) / log_q)
        j += 1
        pos += np.int64(min(gap, n)) + 1  # capped: a tiny chance draws huge (even infinite) gaps
        if pos >= n:
            return k, pos, j, True
        out[k] = pos
        k += 1
    return k, pos, j, False


@njit(cache=True)
def _indices(base: np.uint64, n: int, p: float) -> np.ndarray:
    """`Stream.indices` of the stream `base` in one call: a uniform per consumer above
    `_DENSE`, geometric gaps below (`math.log1p` is the C library's, as in Python)."""
    if n <= 0 or p <= 0:
        return np.empty(0, dtype=np.int64)
    if p >= 1:
        return np.arange(n)
    if p > _DENSE:
        out = np.empty(n, dtype=np.int64)
        k = 0
        for i in range(n):
            out[k] = i
            k += _hash(base, np.int64(i)) < p  # no branch on the draw
        return out[:k]
    mean = n * p
    size = int(mean + 4 * math.sqrt(mean) + 16)
    return _gap_picks(_mix(base), n, math.log1p(-p), size)


@njit(cache=True)
def _below_each(base: np.uint64, idx: np.ndarray, p: float) -> np.ndarray:
    """Those of `idx` whose uniform is below `p`: `idx[_uniform(base, idx) < p]` in one call."""
    out = np.empty_like(idx)
    k = 0
    for i in idx:
        out[k] = i
        k += _hash(base, np.int64(i)) < p
    return out[:k]


@njit(cache=True)
def _kept(picks: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Those of `picks` found in `idx` (both increasing): a merge of the two, where
    `np.searchsorted` looks each pick up."""
    out = np.empty(picks.shape[0], dtype=picks.dtype)
    k, j, m = 0, 0, idx.shape[0]
    for pick in picks:
        while j < m and idx[j] < pick:
            j += 1
        if j == m:
            break
        out[k] = pick
        k += idx[j] == pick
    return out[:k]


@njit(cache=True)
def _members(picks: np.ndarray, member: np.ndarray) -> np.ndarray:
    """Those of `picks` with `member[pick]`: `picks[member[picks]]` in one call."""
    out = np.empty_like(picks)
    k = 0
    for i in picks:
        out[k] = i
        k += member[i]
    return out[:k]


@njit(cache=True)
def _ndtri(p: float) -> float:
    """The standard normal quantile of p in (0, 1): Wichura's AS241 (1988, Applied Statistics
    37(3)), accurate to about 1e-16, as CPython's `statistics.NormalDist.inv_cdf` computes it.
    In numba so a kernel can turn its uniforms into normals without leaving the loop."""
    q = p - 0.5
    if abs(q) <= 0.425:
        r = 0.180625 - q * q
        num = (
            ((((((2.5090809287301226727e3 * r + 3.3430575583588128105e4) * r
            + 6.7265770927008700853e4) * r + 4.5921953931549871457e4) * r
            + 1.3731693765509461125e4) * r + 1.9715909503065514427e3) * r
            + 1.3314166789178437745e2) * r + 3.3871328727963666080e0
        ) * q  # fmt: skip
        den = (
            ((((((5.2264952788528545610e3 * r + 2.8729085735721942674e4) * r
            + 3.9307895800092710610e4) * r + 2.1213794301586595867e4) * r
            + 5.3941960214247511077e3) * r + 6.8718700749205790830e2) * r
            + 4.2313330701600911252e1) * r + 1.0
        )  # fmt: skip
        return num / den
    r = math.sqrt(-math.log(p if q <= 0.0 else 1.0 - p))
    if r <= 5.0:
        r = r - 1.6
        num = (
            ((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r
            + 2.41780725177450611770e-1) * r + 1.27045825245236838258e0) * r
            + 3.64784832476320460504e0) * r + 5.76949722146069140550e0) * r
            + 4.63033784615654529590e0) * r + 1.42343711074968357734e0
        )  # fmt: skip
        den = (
            ((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r
            + 1.51986665636164571966e-2) * r + 1.48103976427480074590e-1) * r
            + 6.89767334985100004550e-1) * r + 1.67638483018380384940e0) * r
            + 2.05319162663775882187e0) * r + 1.0
        )  # fmt: skip
    else:
        r = r - 5.0
        num = (
            ((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r
            + 1.24266094738807843860e-3) * r + 2.65321895265761230930e-2) * r
            + 2.96560571828504891230e-1) * r + 1.78482653991729133580e0) * r
            + 5.46378491116411436990e0) * r + 6.65790464350110377720e0
        )  # fmt: skip
        den = (
            ((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r
            + 1.84631831751005468180e-5) * r + 7.86869131145613259100e-4) * r
            + 1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r
            + 5.99832206555887937690e-1) * r + 1.0
        )  # fmt: skip
    x = num / den
    return -x if q < 0.0 else x


@njit(cache=True)
def _normal(base: np.uint64, counter: np.int64) -> float:
    """The standard normal of one counter: the quantile of its uniform."""
    return _ndtri(_hash(base, counter))


@njit(cache=True)
def _gauss(mean: float, sd: float, base: np.uint64, counter: np.int64) -> float:
    """`mean + sd * _normal(base, counter)`, the normal not drawn when `sd` is 0: the same
    number (the normal is finite, so the product is a zero) for a fraction of the cost (a
    touchpoint of fixed quality, such as an ad, is met hundreds of times a step)."""
    return mean if sd == 0.0 else mean + sd * _normal(base, counter)


@njit(cache=True)
def _normals(base: np.uint64, counter: np.ndarray) -> np.ndarray:
    out = np.empty(counter.shape[0])
    for i in range(counter.shape[0]):
        out[i] = _normal(base, np.int64(counter[i]))
    return out


def _uniform(base: int, counter: np.ndarray) -> np.ndarray:
    """Uniforms in (0, 1), one per counter (non-negative integers), for the key `base`."""
    if counter.ndim == 1:
        return _uniforms(np.uint64(base), counter)
    return _uniforms(np.uint64(base), counter.reshape(-1)).reshape(counter.shape)


class Stream:
    """One mechanism's random numbers in one step: a draw per consumer (or per counter)."""

    __slots__ = ("base",)

    def __init__(self, base: int) -> None:
        self.base = base

    def part(self, k: int) -> Stream:
        """A sub-stream, independent of this one (for a second draw of the same consumers)."""
        return Stream(mix64(self.base + (k + 1) * _GOLDEN))

    def uniform(self, idx: np.ndarray) -> np.ndarray:
        """A uniform in (0, 1) for each consumer in `idx`."""
        return _uniform(self.base, idx)

    def uniform_rows(self, idx: np.ndarray, columns: int) -> np.ndarray:
        """Uniforms [consumer, column] for each consumer in `idx`."""
        return _uniform_rows(np.uint64(self.base), idx, columns)

    def normal(self, idx: np.ndarray) -> np.ndarray:
        """A standard normal for each consumer in `idx` (by the inverse of the normal CDF)."""
        if idx.ndim == 1:
            return _normals(np.uint64(self.base), idx)
        return _normals(np.uint64(self.base), idx.reshape(-1)).reshape(idx.shape)

    def below(self, idx: np.ndarray, p: np.ndarray | float) -> np.ndarray:
        """Whether each consumer in `idx` is picked with its chance `p` (a mask)."""
        return _uniform(self.base, idx) < p

    def indices(self, n: int, p: float) -> np.ndarray:
        """Indices of range(n), each picked with chance p, in increasing order."""
        return _indices(np.uint64(self.base), n, float(p))

    def among(self, member: np.ndarray, p: float, members: np.ndarray | None = None) -> np.ndarray:
        """Indices i with `member[i]` that `indices(member.size, p)` picks, the same ones, with
        a uniform drawn for members only where `indices` would draw one for everyone.
        `members`, if given, is `np.flatnonzero(member)`."""
        if _DENSE < p < 1:
            idx = np.flatnonzero(member) if members is None else members
            return _below_each(np.uint64(self.base), idx, p)
        return _members(self.indices(member.size, p), member)

    def pick(self, idx: np.ndarray, n: int, p: float) -> np.ndarray:
        """Those of `idx` (increasing, in range(n)) that `indices(n, p)` picks, the same ones:
        drawn for `idx` alone where `indices` would draw for everyone, else picked among
        everyone and kept if in `idx`."""
        if _DENSE < p < 1:
            return _below_each(np.uint64(self.base), idx, p)
        return _kept(self.indices(n, p), idx) if idx.size else idx

    def thinned(self, p: np.ndarray, p_max: float) -> np.ndarray:
        """Indices i picked with their own chance p[i] <= p_max (candidates at p_max, thinned)."""
        idx = self.indices(p.shape[0], p_max)
        if p_max <= 0 or idx.size == 0:
            return idx
        return idx[self.part(0).uniform(idx) * p_max < p[idx]]


class Draws:
    """The random numbers of one run, by stream name and step."""

    __slots__ = ("_arrays", "_keys", "key")

    def __init__(self, key: int) -> None:
        self.key = key & _MASK
        self._keys: dict[str, int] = {}  # stream name -> its key in this run
        self._arrays: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}  # `keys`

    def stream(self, name: str, step: int) -> Stream:
        """The stream `name` at `step`: the same numbers whatever else the run draws."""
        key = self._keys.get(name)
        if key is None:
            key = self.key_of(name)
        return Stream(mix64(key + step * _GOLDEN))

    def key_of(self, name: str) -> int:
        """The key of the stream `name` in this run, before the step (`_base` adds it)."""
        key = self._keys.get(name)
        if key is None:
            key = self._keys[name] = mix64(self.key ^ _name_key(name))
        return key

    def keys(self, names: list[str], prefix: str = "") -> np.ndarray:
        """The keys of the streams `names` (with a prefix: `f"{prefix}:{name}"`), uint64, made
        once, for kernels that make their bases (`_base`) without a Python call per stream."""
        cached = self._arrays.get((prefix, tuple(names)))
        if cached is None:
            full = [f"{prefix}:{name}" if prefix else name for name in names]
            keys = np.array([self.key_of(name) for name in full], dtype=np.uint64)
            cached = self._arrays[prefix, tuple(names)] = keys
        return cached

    def generator(self, name: str) -> np.random.Generator:
        """A sequential generator for draws made once, when the model is built (population,
        network), seeded from the run's key and `name`."""
        return np.random.default_rng([self.key, zlib.crc32(name.encode())])


def occurrence(x: np.ndarray) -> np.ndarray:
    """For each entry, how many equal entries come before it (0 for the first of each value):
    with the value, a key for draws of a consumer that may appear several times."""
    order = np.argsort(x, kind="stable")
    ranks = np.arange(x.size)
    starts = np.ones(x.size, dtype=bool)
    starts[1:] = x[order][1:] != x[order][:-1]
    first = np.maximum.accumulate(np.where(starts, ranks, 0))
    out = np.empty(x.size, dtype=np.int64)
    out[order] = ranks - first
    return out


def rung(p: float) -> float:
    """The smallest chance on a fixed ladder (steps of 2**0.25) at or above `p`, capped at 1.

    Candidates drawn at a chance that follows the state (the loudest talker's) would be new
    people whenever two scenarios differ slightly; drawn at a rung, they are the same people
    until the state crosses a rung, and thinning to each one's own chance does the rest.
    """
    return float(_rung(float(p)))


# Every rung, 2**(k/4) from the smallest double up to 1 (the C library's pow, as the logarithm
# that found them before computed them), searched by `_rung`.
_LADDER = np.array([2.0 ** (k / 4) for k in range(-4 * 1074, 1)])


@njit(cache=True)
def _rung(p: float) -> float:
    """`rung` in a kernel: the ladder bisected. (The rung used to be found by a logarithm, with
    a margin and a check that made it the same rung for every normal chance, but not for
    subnormal ones.)"""
    if p <= 0:
        return 0.0
    j = np.searchsorted(_LADDER, p)
    return 1.0 if j == _LADDER.shape[0] else _LADDER[j]


def rung_exponents(p: np.ndarray) -> np.ndarray:
    """For each chance (positive), the exponent k of its rung 2**(k/4) (`rung`), at most 0: the
    rung of a chance of 1 or more is 1."""
    top = _LADDER.size - 1  # the index of the rung 1 = 2**(0/4)
    return np.minimum(np.searchsorted(_LADDER, p) - top, 0).astype(np.int64)


@dataclass(frozen=True, eq=False)
class Rungs:
    """Consumers grouped by the rung of a fixed chance of theirs (a trait such as the need
    rate), made once: each step draws a rung's members at the rung's chance and thins them to
    their own (`_rung_picks`), about 1.1 candidates a pick whatever the spread of chances."""

    members: np.ndarray  # int64 consumers with a positive chance, by rung, increasing within
    starts: np.ndarray  # int64: rung g's members are members[starts[g]:starts[g + 1]]
    exponents: np.ndarray  # int64: rung g's chance is 2 ** (exponents[g] / 4), increasing

    @classmethod
    def of(cls, p: np.ndarray) -> Rungs:
        """The rungs of the chances `p` (one a consumer); those of chance 0 are in none."""
        idx = np.flatnonzero(p > 0)
        k = rung_exponents(p[idx])
        order = np.argsort(k, kind="stable")  # stable: increasing consumers within a rung
        exponents, first = np.unique(k[order], return_index=True)
        starts = np.append(first, idx.size).astype(np.int64)
        return cls(idx[order].astype(np.int64), starts, exponents.astype(np.int64))

    @cached_property
    def names(self) -> list[str]:
        """The rungs' stream names (under the mechanism's prefix): named by exponent, so a
        rung's draws do not depend on which other rungs the population has."""
        return [f"rung{k}" for k in self.exponents]

    def picks(self, draws: Draws, name: str, step: int, p: np.ndarray) -> np.ndarray:
        """Consumers picked at `step` with their own chance `p[i]` (the chances the rungs were
        made of), in no particular order: candidates from the streams "<name>:rung<k>", thinned
        by the uniform of each in `draws.stream(name, step).part(0)`."""
        return _rung_picks(
            draws.keys(self.names, name),
            step,
            self.members,
            self.starts,
            self.exponents,
            np.uint64(draws.stream(name, step).part(0).base),
            p,
        )


@njit(cache=True)
def _rung_picks(  # type: ignore[no-untyped-def]
    keys, step, members, starts, exponents, thin, p
):  # fmt: skip
    """`Rungs.picks`: rung g's members picked at its chance r (`_indices` over its member list
    in the stream `keys[g]` at `step`), each kept if its uniform in `thin` is below p[i] / r.
    Rung by rung, so in increasing order within a rung only."""
    out = np.empty(64, dtype=np.int64)
    k = 0
    for g in range(exponents.shape[0]):
        lo = starts[g]
        r = 2.0 ** (exponents[g] / 4)
        picks = _indices(_base(keys[g], step), starts[g + 1] - lo, r)
        out = room(out, k + picks.shape[0])
        for pos in picks:
            i = members[lo + pos]
            out[k] = i
            k += _hash(thin, i) * r < p[i]
    return out[:k]
