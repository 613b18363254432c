"""How the leave-one-round-out scores depend on how many draws a fit keeps (a reference table's ``population``).

Reads a reference table that ``trucesim calibrate`` or ``trucesim validate`` built (``OUT/table``) and,
for each number of particles kept, scores every round left out in turn: the fold keeps the draws
nearest the other rounds, and the left-out round's fact shares of those draws (simulated with the
table, never used to choose them) give its probability.  This reuses the table's own worlds rather
than a separate predictive run, so its figures differ slightly from ``trucesim validate``'s.  A
sensitivity, reported beside the validation (docs/validation.md), not a way to choose the size:
the shipped calibration file fixes ``population`` beforehand.

    python benchmarks/table_acceptance.py fits/joint/table --keep 25 50 100 200 400 1000

Prints one row per size: particles kept, the share of the table, mean Brier, mean log, hits.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np

from trucesim.config.calibration import load_calibration
from trucesim.history.scores import brier, hit, log_score
from trucesim.history.table import build_table, distances
from trucesim.history.validate import base_rate_p


def stored_draws(table: Path) -> int:
    """How many draws a table directory holds: block B's file ``block-B-N.parquet`` holds its first N (the largest N)."""
    held: dict[str, int] = {}
    for f in table.glob("block-*-*.parquet"):
        _, b, n = f.stem.split("-")
        held[b] = max(held.get(b, 0), int(n))
    if not held:
        raise SystemExit(f"{table}: expected a reference table's directory (OUT/table), found no block-*.parquet")
    return sum(held.values())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("table", type=Path, help="a reference table's directory (OUT/table)")
    p.add_argument("--calibration", default="calibration/joint.toml")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--keep", type=int, nargs="+", default=[25, 50, 100, 200, 400, 1000])
    p.add_argument(
        "--draws", type=int, help="use the table's first DRAWS draws (default: all it holds; never more are simulated)"
    )
    args = p.parse_args()
    cal = load_calibration(args.calibration)
    held = stored_draws(args.table)
    if args.draws and args.draws > held:
        p.error(
            f"--draws {args.draws:,}: {args.table} holds {held:,} draws; this script reads a table, it never adds to one"
        )
    cal = dataclasses.replace(cal, table=min(args.draws or held, cal.table))
    table = build_table(cal, args.table, args.seed)  # read back: every block is stored
    d = distances(table, cal.distance)
    n_rounds = len(cal.rounds)
    base = []
    for i, r in enumerate(cal.rounds):
        others = [cal.rounds[j].observed for j in range(n_rounds) if j != i]
        base += [base_rate_p(o, others) for o in r.observed]
    b = np.array(base)
    print(f"{len(table.values):,} draws simulated of {table.draws:,}; base rate Brier {brier(b).mean():.3f}")
    print(f"{'kept':>6} {'share':>7} {'Brier':>7} {'log':>7} {'hits':>6}")
    for k in args.keep:
        ps = []
        for i in range(n_rounds):
            rest = [j for j in range(n_rounds) if j != i]
            dd = np.where((table.margins[:, rest] > 0).all(axis=1), d[:, rest].mean(axis=1), np.inf)
            idx = np.argsort(dd, kind="stable")[:k]
            ps.append(table.shares[i][idx].mean(axis=0))
        pv = np.concatenate(ps)
        logs = log_score(pv, k * table.worlds)
        print(
            f"{k:6d} {k / table.draws:7.2%} {brier(pv).mean():7.3f} {logs.mean():7.3f} {int(hit(pv).sum()):3d}/{len(pv)}"
        )


if __name__ == "__main__":
    main()
