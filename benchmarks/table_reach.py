"""What a reference table holds beyond the draws a fit keeps: are its nearest draws nearer than chance, and
do any of its draws reproduce every side's first answer?

Two questions about the shipped fit (docs/validation.md, "Known gaps"), answered from a table that
``trucesim calibrate`` or ``trucesim validate`` built (``OUT/table``):

1. **Noise.** A draw's distance is estimated from ``worlds`` worlds per round (100 for the shipped
   file), so the draws ranked nearest might be there by luck.  The draws at some ranks are simulated
   again with ``--worlds`` worlds per round (new random numbers) and both distances printed: if the
   nearest stay near, their rank is their values', not chance's.
2. **Reach.** For each round's first answers (``first_text.*``, ``accepted.*``), the share the kept
   draws and the nearest ten give to what happened; and how many of those answers the kept draws,
   the nearest ten and the best consistent draws give at least 0.5, with the best draws' ranks;
   and the mean values of the kept draws beside the nearest ten's.
3. **Together** (``--together FACT ...``, each ``round:fact`` as the table labels it): the
   consistent draws that give every listed fact at least 0.5 at once, their ranks and distances,
   and each round's distance for the nearest of them beside the kept draws' mean: what reading
   those facts together costs elsewhere.

    python benchmarks/table_reach.py fits/joint/table                # about ten seconds on 2 cores
    python benchmarks/table_reach.py fits/joint/table --worlds 2000 --ranks 0 1 2 99
    python benchmarks/table_reach.py fits/joint/table --together november-2023:deal \\
        december-2023:first_text.hamas august-2024:first_text.hamas october-2024:first_text.hamas
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from trucesim.config.calibration import load_calibration
from trucesim.history.batch import batch_shares
from trucesim.history.distance import distances_by_round
from trucesim.history.table import build_table, distances
from trucesim.run.executors import make_executor

#: the facts that are a side's answer to the text
ANSWERS = ("first_text.", "accepted.")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("table", type=Path, help="a reference table's directory (OUT/table)")
    p.add_argument("--calibration", default="calibration/joint.toml")
    p.add_argument("--seed", type=int, default=0, help="the table's seed")
    p.add_argument("--worlds", type=int, default=1000, help="worlds per round for the draws simulated again")
    p.add_argument("--ranks", type=int, nargs="+", default=[*range(10), *range(50, 60), *range(90, 100)])
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--together", nargs="+", default=[], metavar="ROUND:FACT", help="facts to read at once")
    args = p.parse_args()
    cal = load_calibration(args.calibration)
    table = build_table(cal, args.table, args.seed)  # read back: every block is stored
    together_facts = [fact_column(table, fact) for fact in args.together]  # a wrong name fails before any work
    everything = range(len(cal.rounds))
    ok = (table.margins > 0).all(axis=1)
    per_round = distances(table, cal.distance)
    d = np.where(ok, per_round.mean(axis=1), np.inf)
    order = np.argsort(d, kind="stable")
    kept = order[: cal.population]
    print(f"{len(table.values):,} draws simulated, {int(ok.sum()):,} consistent in every round; ", end="")
    print(f"the {cal.population} nearest kept, tolerance {d[kept[-1]]:.4f}")

    ranks = np.array(sorted(r for r in set(args.ranks) if r < ok.sum()))
    with make_executor(workers=args.workers) as ex:
        again = batch_shares(ex, cal.rounds, cal.fit, table.values[order[ranks]], args.worlds, (args.seed, 7919))
    fresh = distances_by_round(cal.distance, table.labels, again, args.worlds).mean(axis=1)
    print(f"\n1. noise: distance from the table ({table.worlds} worlds) and again ({args.worlds:,} new worlds)")
    print(f"  {'rank':>4}  {'table':>6}  {'again':>6}")
    for r, a, b in zip(ranks, d[order[ranks]], fresh, strict=True):
        print(f"  {r:4d}  {a:6.4f}  {b:6.4f}")
    print(f"  correlation over these ranks: {np.corrcoef(d[order[ranks]], fresh)[0, 1]:.2f}")

    print("\n2. reach: the share given to each first answer that happened")
    print(f"  {'round: fact = what happened':<44}  {'kept':>5}  {'top 10':>6}")
    count = np.zeros(len(table.values), int)
    answers = 0
    for i in everything:
        for j, o in enumerate(cal.rounds[i].observed):
            if not o.key.startswith(ANSWERS):
                continue
            s = table.shares[i][:, j]
            count += s >= 0.5
            answers += 1
            label = f"{table.labels[i][j]} = {o.value}"
            print(f"  {label:<44}  {s[kept].mean():5.2f}  {s[order[:10]].mean():6.2f}")
    best = int(count[ok].max())
    rank_of = np.empty(len(d), int)
    rank_of[order] = np.arange(len(d))
    at_best = np.sort(rank_of[ok & (count == best)])
    print(
        f"  answers given >= 0.5, of {answers}: the kept draws {count[kept].mean():.1f} on average, the nearest ten "
        f"{count[order[:10]].mean():.1f}; at most {best}, by {len(at_best)} consistent draws (ranks "
        f"{', '.join(map(str, at_best[:10]))}{' ...' if len(at_best) > 10 else ''})"
    )

    print("\n3. values: the mean of the kept draws and of the nearest ten")
    for j, key in enumerate(cal.fit):
        print(f"  {key:<44}  {table.values[kept, j].mean():7.3f}  {table.values[order[:10], j].mean():7.3f}")
    if args.together:
        together(cal, args.together, together_facts, d, per_round, rank_of, kept)


def fact_column(table, fact: str) -> np.ndarray:
    """The shares of ``fact`` (``round:fact``, as the table labels it) over the table's draws."""
    for labels, shares in zip(table.labels, table.shares, strict=True):
        if fact in labels:
            return shares[:, labels.index(fact)]
    raise SystemExit(f"--together {fact}: not a fact of the table (round:fact, as labelled there)")


def together(
    cal, facts: list[str], columns: list[np.ndarray], d: np.ndarray, per_round: np.ndarray, rank_of, kept
) -> None:
    """Print the consistent draws that give every fact in ``facts`` (their shares ``columns``) at least 0.5,
    and what they pay elsewhere."""
    ok = np.isfinite(d)
    every = ok.copy()
    for column in columns:
        every &= column >= 0.5
    hits = np.flatnonzero(every)
    hits = hits[np.argsort(d[hits], kind="stable")]
    print(f"\n4. together: {', '.join(facts)}")
    print(
        f"  {len(hits)} of {int(ok.sum()):,} consistent draws give all {len(facts)} at least 0.5"
        + (f"; the nearest at rank {rank_of[hits[0]]:,}, distance {d[hits[0]]:.4f}" if len(hits) else "")
    )
    if not len(hits):
        return
    nearest = hits[: min(10, len(hits))]
    print(f"  {'round':<16}  {'kept':>5}  {'nearest ' + str(len(nearest)):>10}")
    for k, r in enumerate(cal.rounds):
        print(f"  {r.path.stem:<16}  {per_round[kept, k].mean():5.2f}  {per_round[nearest, k].mean():10.2f}")


if __name__ == "__main__":
    main()
