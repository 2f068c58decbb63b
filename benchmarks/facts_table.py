"""Regenerate the stylized-facts table of `docs/model.md` (section 8) from the code measuring it.

    uv run python benchmarks/facts_table.py             # the sizes the table states (long)
    uv run python benchmarks/facts_table.py --quick     # small sizes: a check in a minute or two
    uv run python benchmarks/facts_table.py --write     # and replace the table in docs/model.md

Every row's `measured` cell is recomputed by calling the functions the benchmark scripts and the
verification tests use (`benchmarks/word_of_mouth.py`, `stylized_facts.py`,
`umot_touchpoints.py`, `benchmarks/facts/verification.py`), so the table cannot drift from what
they measure. Each fact's source, target and command are data here, in `FACTS`, and only here;
`--write` replaces what lies between `<!-- facts:start -->` and `<!-- facts:end -->` in the
document and leaves every other byte alone. `--seeds` and `--consumers` replace the number of
seeds (or replications) of every multi-seed measurement and the population of every
measurement; the foot of the table states the date and the command that made it.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

DOC = ROOT / "docs" / "model.md"
START, END = "<!-- facts:start -->", "<!-- facts:end -->"
HEADER = "| fact | source | target | measured | command |\n|---|---|---|---|---|\n"
COMMAND = "uv run python benchmarks/facts_table.py"


@dataclass(frozen=True)
class Sizes:
    """How large to measure: the table's sizes by default, small ones with `quick`, and
    `consumers` or `seeds` replacing every measurement's population or seed count."""

    quick: bool = False
    consumers: int | None = None
    seeds: int | None = None

    def n(self, default: int | None, quick: int) -> int | None:
        """Consumers for a measurement whose table size is `default` (None: its scenario's)."""
        return self.consumers or (quick if self.quick else default)

    def k(self, default: int, quick: int = 2) -> int:
        """Seeds or replications for a measurement whose table count is `default`."""
        return self.seeds or (quick if self.quick else default)

    def steps(self, default: int, quick: int) -> int:
        """Steps for a measurement whose table length is `default` (shortened only by quick)."""
        return quick if self.quick else default


@dataclass(frozen=True)
class Fact:
    """One row of the table: what the literature says and where the model's figure comes from.
    `group` names the measurement (in `GROUPS`) whose run gives the row its `measured` cell."""

    name: str
    source: str
    target: str
    command: str
    group: str


SAME = "same"
FACTS: tuple[Fact, ...] = (
    Fact(
        "Bass docking (ads at p, WOM at q, fully mixed, other moments off)",
        "Bass 1969; Rand & Rust 2011",
        "adoption within 2 points of the Bass curve for p = 0.03, q = 0.38",
        "`uv run pytest tests/verification/test_bass.py`",
        "bass",
    ),
    Fact(
        "A launch diffuses like a Bass new product",
        "Sultan, Farley & Lehmann 1990",
        "p in 0.01–0.05, q in 0.2–0.6 per year",
        "`uv run python benchmarks/word_of_mouth.py`",
        "launch",
    ),
    Fact(
        "Word of mouth overtakes advertising",
        "Goldenberg, Libai & Muller 2001",
        "within about two years",
        "`uv run python benchmarks/word_of_mouth.py`",
        "launch",
    ),
    Fact(
        "Self-selected ratings are J-shaped",
        "Hu, Pavlou & Zhang 2009",
        "5★ mode, 4★ present, 1★ above 2★ and 3★",
        "`uv run python benchmarks/stylized_facts.py --consumers 10000 --steps 730`",
        "ratings",
    ),
    Fact(
        "Everyone reviewing gives a unimodal shape",
        "Hu, Pavlou & Zhang 2009",
        "interior mode",
        SAME,
        "ratings",
    ),
    Fact(
        "Herding toward a positive page",
        "Muchnik, Aral & Taylor 2013",
        "about +32 % more positive ratings; negative priors corrected",
        SAME,
        "ratings",
    ),
    Fact(
        "Asking for reviews brings more and less extreme reviews (issue 14, point 8)",
        "Karaman 2021; Brandes, Godes & Mayzlin 2022; Askalidis, Kim & Malthouse 2017",
        "more reviews; a larger share of 3–4★, a smaller one of 1★ and 5★",
        "`uv run python benchmarks/umot_touchpoints.py` (and `--quality 3.8`); "
        "`uv run pytest tests/verification/test_umot_touchpoints.py`",
        "umot",
    ),
    Fact(
        "Answering complaints wins shoppers (issue 14, point 8)",
        "Sparks, So & Bradley 2016; Li, Cui & Peng 2018; Proserpio & Zervas 2017",
        "the brand's share of researchers' choices rises; Proserpio & Zervas's +0.12 stars not "
        "targeted (their deterrence of complainers is not modelled)",
        SAME,
        "umot",
    ),
    Fact(
        "Retention rises with tenure only through heterogeneity",
        "Fader & Hardie 2007",
        "rising with heterogeneous tolerance, flat without",
        "`uv run pytest tests/verification/test_stylized_facts.py`",
        "tenure",
    ),
    Fact(
        "Closing support lowers retention, better support raises it",
        "Smith & Bolton 1998",
        "both directions",
        "`uv run pytest tests/verification/test_service_and_expectations.py`",
        "service",
    ),
    Fact(
        "A better product raises retention",
        "Anderson & Sullivan 1993",
        "direction",
        SAME,
        "service",
    ),
    Fact(
        "Awareness fades without contact",
        "Broadbent 1979",
        "after a campaign, at its half-life",
        "`uv run pytest tests/verification/test_advertising.py`",
        "advertising",
    ),
    Fact(
        "One move per step",
        "the model's own rule",
        "no consumer moves twice in a step",
        "`uv run pytest tests/engine/test_invariants.py`",
        "invariants",
    ),
)
BY_NAME = {fact.name: fact for fact in FACTS}


# --- formatting -------------------------------------------------------------------------------


def signed(x: float, digits: int) -> str:
    """`x` with its sign, a typographic minus as the table writes it: +1.1, −0.5."""
    return f"{x:+.{digits}f}".replace("-", "−")


def shares(counts: np.ndarray) -> str:
    """Star counts as the table's shares: `10.7 / 8.9 / 5.3 / 24.2 / 50.9 %`."""
    return " / ".join(f"{100 * c / counts.sum():.1f}" for c in counts) + " %"


def amount(n: int) -> str:
    """A count of consumer-steps, short: 2 M, 12 k, 800."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.3g} M"
    return f"{n / 1000:.3g} k" if n >= 1000 else str(n)


# --- the measurements, one per group, each giving the measured cells of its facts ------------


def measure_bass(sizes: Sizes) -> dict[str, str]:
    """Bass docking at the meta-analytic p and q (`tests/verification/test_bass.py`)."""
    from benchmarks.facts.verification import bass_docking

    reps = sizes.k(3)
    docked = bass_docking(0.03, 0.38, consumers=sizes.n(None, 2000), reps=reps, seed=2011)
    verdict = "within 2 points" if abs(docked.gap) < 0.02 else "not within 2 points"
    return {
        FACTS[0].name: f"{verdict} (largest gap {100 * abs(docked.gap):.1f}; mean of {reps} "
        f"runs, {docked.consumers:,} consumers)"
    }


def measure_launch(sizes: Sizes) -> dict[str, str]:
    """Bass p and q of a launch and word of mouth's overtaking (`word_of_mouth.py`)."""
    from benchmarks.word_of_mouth import LAUNCH, launch, overtaking_quarter
    from sim import load_scenario
    from sim.scenario import apply_overrides

    scenario = load_scenario(LAUNCH)
    if (n := sizes.n(None, 1000)) is not None:
        scenario = apply_overrides(scenario, {"population": {"consumers": n}})
    seeds = sizes.k(3)
    table, p, q = launch(scenario, seeds)
    over = overtaking_quarter(table)
    median = f"median of {seeds} seeds"
    return {
        FACTS[1].name: f"p {np.median(p):.3f}, q {np.median(q):.2f} ({median})",
        FACTS[2].name: ("not within the run" if over is None else f"quarter {over}")
        + f" ({median})",
    }


def measure_ratings(sizes: Sizes) -> dict[str, str]:
    """J-shaped and unimodal ratings, and herding (`stylized_facts.py`)."""
    from benchmarks.stylized_facts import BASELINE, herding_effect, rating_counts
    from sim import load_scenario

    base = load_scenario(BASELINE)
    consumers, steps = sizes.n(10_000, 2000), sizes.steps(730, 365)
    selected = rating_counts(base, consumers, steps, self_selected=True)
    everyone = rating_counts(base, consumers, steps, self_selected=False)
    seeds = list(range(1, sizes.k(5) + 1))
    arms = herding_effect(base, sizes.n(20_000, 2000), 3.4, seeds)
    high, low = arms["high"], arms["low"]
    return {
        FACTS[3].name: shares(selected),
        FACTS[4].name: shares(everyone),
        FACTS[5].name: f"{signed(100 * high[2], 0)} % (±{100 * high[3]:.0f} pt); "
        f"low page {signed(100 * low[2], 0)} %",
    }


def measure_umot(sizes: Sizes) -> dict[str, str]:
    """Asking for reviews and answering complaints, at quality 3.3 and 3.8
    (`umot_touchpoints.py`)."""
    from benchmarks.umot_touchpoints import (
        BASELINE,
        arm_means,
        paired_difference,
        touchpoint_runs,
    )
    from sim import load_scenario

    base = load_scenario(BASELINE)
    consumers, steps, seeds = sizes.n(5000, 1000), sizes.steps(730, 365), sizes.k(4)
    runs = {
        quality: touchpoint_runs(
            base, consumers, steps, quality, 0.3, 1.0, list(range(1, seeds + 1))
        )
        for quality in (3.3, 3.8)
    }

    def change(quality: float, arm: str, k: str) -> float:
        """Relative change of measure `k` in `arm` against quiet, in %."""
        r = runs[quality]
        return 100 * (arm_means(r[arm])[k] / arm_means(r["quiet"])[k] - 1)

    def points(quality: float, arm: str, k: str) -> tuple[float, float, float]:
        """Paired difference of share `k` from quiet, and its 90 % interval, in points."""
        mean, lo, hi = paired_difference(runs[quality], arm, k)
        return 100 * mean, 100 * lo, 100 * hi

    def rating(quality: float, arm: str) -> str:
        return signed(paired_difference(runs[quality], arm, "rating")[0], 2)

    quiet, asked = (arm_means(runs[3.3][a])["reviews"] for a in ("quiet", "ask"))
    moderate, lo, hi = points(3.3, "ask", "3-4 stars")
    ask = (
        "aurora at quality 3.3 asking with reach 0.3: "
        f"reviews {signed(change(3.3, 'ask', 'reviews'), 0)} % "
        f"({quiet:,.0f} → {asked:,.0f} a run), 3–4★ {signed(moderate, 1)} pt "
        f"(90 %: {signed(lo, 1)} to {signed(hi, 1)}), "
        f"1★ + 5★ {signed(points(3.3, 'ask', '1 or 5 stars')[0], 1)} pt, "
        f"rating {rating(3.3, 'ask')}; at 3.8 (as shipped): "
        f"{signed(change(3.8, 'ask', 'reviews'), 0)} %, "
        f"{signed(points(3.8, 'ask', '3-4 stars')[0], 1)} pt, "
        f"{signed(points(3.8, 'ask', '1 or 5 stars')[0], 1)} pt, rating {rating(3.8, 'ask')} "
        f"({seeds} paired seeds, {consumers:,} consumers, {steps} days)"
    )
    before, after = (100 * arm_means(runs[3.3][a])["choice share"] for a in ("quiet", "answer"))
    choice, lo, hi = points(3.3, "answer", "choice share")
    answer = (
        f"answering every 1–2★ review at quality 3.3: choice share {signed(choice, 1)} pt "
        f"({before:.1f} → {after:.1f} %; 90 %: {signed(lo, 1)} to {signed(hi, 1)}), "
        f"acquisitions {signed(change(3.3, 'answer', 'acquisitions'), 0)} %, "
        f"customers at the end {signed(change(3.3, 'answer', 'customers'), 0)} %, "
        f"rating {rating(3.3, 'answer')}; at 3.8: choice share "
        f"{signed(points(3.8, 'answer', 'choice share')[0], 1)} pt"
    )
    return {FACTS[6].name: ask, FACTS[7].name: answer}


def measure_tenure(sizes: Sizes) -> dict[str, str]:
    """The ruse of heterogeneity (`tests/verification/test_stylized_facts.py`)."""
    from benchmarks.facts.verification import tenure_retention

    (e0, l0, se0), (e1, l1, se1) = tenure_retention(consumers=sizes.n(None, 2000), seed=7)
    return {
        FACTS[8].name: f"monthly retention {100 * e0:.1f} → {100 * l0:.1f} % from months 1–3 "
        f"to 10–12 ({(l0 - e0) / se0:.0f} standard errors), "
        f"{100 * e1:.1f} → {100 * l1:.1f} % without ({signed((l1 - e1) / se1, 1)})"
    }


def measure_service(sizes: Sizes) -> dict[str, str]:
    """Support and product quality against churn
    (`tests/verification/test_service_and_expectations.py`)."""
    from benchmarks.facts.verification import (
        better_product,
        monthly_churn,
        service_market,
        support,
    )

    plain, reps = service_market(sizes.n(None, 1000)), sizes.k(2)
    better = 4.3
    c, e = monthly_churn(plain, reps)
    closed, e_closed = monthly_churn(support(plain, reach=0.0), reps)
    helped, e_helped = monthly_churn(support(plain, quality=3.8), reps)
    product, e_product = monthly_churn(better_product(plain, better), reps)
    up = float(better - plain.brands["aurora"].quality)
    return {
        FACTS[9].name: f"monthly churn {signed(100 * (closed - c), 1)} points closed, "
        f"{signed(100 * (helped - c), 1)} better ({(closed - c) / np.hypot(e, e_closed):.1f} and "
        f"{(c - helped) / np.hypot(e, e_helped):.1f} standard errors)",
        FACTS[10].name: f"monthly churn {signed(100 * (product - c), 1)} points for "
        f"{signed(up, 1)} stars ({(c - product) / np.hypot(e, e_product):.1f} standard errors)",
    }


def measure_advertising(sizes: Sizes) -> dict[str, str]:
    """Awareness after a 30-day campaign (`tests/verification/test_advertising.py`)."""
    from benchmarks.facts.verification import awareness, campaign_market

    fading = awareness(campaign_market(20, consumers=sizes.n(3000, 3000) or 3000))
    end = 30
    gone = next((step for step in sorted(fading) if step > end and fading[step] == 0), None)
    if gone is None:
        last = max(fading)
        text = f"{100 * fading[last]:.1f} % still aware {last - end} days after"
    else:
        text = f"gone {gone - end} days after"
    return {FACTS[11].name: f"{text} a campaign with a 20-day half-life"}


def measure_invariants(sizes: Sizes) -> dict[str, str]:
    """Consumers moving twice in a step, where reviews and renewals collide
    (`tests/engine/test_invariants.py`)."""
    from benchmarks.facts.verification import collisions_market, moves_miscounted
    from sim import JourneyModel

    consumers, steps = sizes.n(20_000, 400) or 20_000, sizes.steps(100, 30)
    wrong = 0
    for mode in ("subscription", "repurchase"):
        model = JourneyModel(collisions_market(mode, consumers, steps), rng=7)
        wrong += sum(n for _, n in moves_miscounted(model, steps))
    return {FACTS[12].name: f"{wrong} in 2 × {amount(consumers * steps)} consumer-steps"}


Measure = Callable[[Sizes], dict[str, str]]
GROUPS: dict[str, Measure] = {
    "bass": measure_bass,
    "launch": measure_launch,
    "ratings": measure_ratings,
    "umot": measure_umot,
    "tenure": measure_tenure,
    "service": measure_service,
    "advertising": measure_advertising,
    "invariants": measure_invariants,
}


# --- the table and the document ----------------------------------------------------------------


def measure_all(sizes: Sizes, groups: dict[str, Measure] = GROUPS) -> dict[str, str]:
    """Every fact's measured cell, running each group's measurement once (progress on stderr)."""
    measured: dict[str, str] = {}
    for name in dict.fromkeys(fact.group for fact in FACTS):
        began = time.perf_counter()
        measured |= groups[name](sizes)
        print(f"{name}: {time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)
    missing = [fact.name for fact in FACTS if fact.name not in measured]
    assert not missing, f"no measurement for {missing}"
    return measured


def render(measured: dict[str, str], footer: str) -> str:
    """The Markdown table of `FACTS` with `measured` cells, then a blank line and `footer`."""
    rows = "".join(
        f"| {f.name} | {f.source} | {f.target} | {measured[f.name]} | {f.command} |\n"
        for f in FACTS
    )
    return f"{HEADER}{rows}\n{footer}\n"


def footer(args: Sequence[str], day: datetime.date) -> str:
    """The line under the table: when and by which command its measured values were made."""
    command = " ".join([COMMAND, *args])
    return f"Measured on {day.isoformat()} by `{command}`."


def replace_table(doc: str, block: str) -> str:
    """`doc` with what lies between its facts markers replaced by `block`, every other byte
    as it was. The markers must appear once each, in order."""
    if doc.count(START) != 1 or doc.count(END) != 1:
        raise ValueError(f"expected one {START} and one {END}")
    head, rest = doc.split(START)
    _, tail = rest.split(END)
    return f"{head}{START}\n{block}{END}{tail}"


def table_block(doc: str) -> str:
    """What lies between the facts markers of `doc`, without the newline after the start."""
    return doc.split(START, 1)[1].split(END, 1)[0].removeprefix("\n")


def main(argv: Sequence[str] | None = None, groups: dict[str, Measure] = GROUPS) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a minute or two)")
    parser.add_argument("--consumers", type=int, help="population of every measurement")
    parser.add_argument("--seeds", type=int, help="seeds (replications) of every measurement")
    parser.add_argument("--write", action="store_true", help="replace the table in --doc")
    parser.add_argument("--doc", type=Path, default=DOC, help="default: docs/model.md")
    args = parser.parse_args(argv)
    argv = sys.argv[1:] if argv is None else list(argv)
    sizes = Sizes(quick=args.quick, consumers=args.consumers, seeds=args.seeds)
    block = render(measure_all(sizes, groups), footer(argv, datetime.date.today()))
    print(block, end="")
    if args.write:
        doc = args.doc.read_text(encoding="utf-8")
        args.doc.write_text(replace_table(doc, block), encoding="utf-8")
        print(f"wrote {args.doc}", file=sys.stderr)


if __name__ == "__main__":
    main()
