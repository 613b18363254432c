"""Common random numbers: do two variants of a scenario, run with one seed, share their worlds?

    python benchmarks/crn.py [--worlds 20000] [--seed 1]

For the baseline against each variant (``prisoners_per_hostage = 20``, ``us_pressure = 0.6``,
and a few more), prints the correlation of the per-world ``deal`` columns, the share of worlds
whose outcome differs, and the width of the 95% interval of the difference in P(deal): paired
over the worlds (Tango's score interval, what ``trucesim compare`` reports) and as two independent proportions
(Newcombe).  With synchronised random numbers a small change of terms changes few worlds, so the
correlation is high and the paired interval much narrower than the independent one.
"""

from __future__ import annotations

import argparse

import numpy as np

from trucesim import load_scenario, simulate
from trucesim.run.stats import difference_ci, paired_difference

VARIANTS = {
    "prisoners_per_hostage = 20": {"terms.prisoners_per_hostage": 20.0},
    "us_pressure = 0.6": {"context.us_pressure": 0.6},
    "permanent_ceasefire = 0.5": {"terms.permanent_ceasefire": 0.5},
    "hostages_released = 33": {"terms.hostages_released": 33.0},
}


def paired(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Correlation, share of worlds that differ, and the paired and independent 95% interval widths."""
    a = a.astype(float)
    b = b.astype(float)
    n = a.size
    diff, lo, hi = paired_difference(a, b, yes_no=True)
    ilo, ihi = difference_ci(float(a.mean()), n, float(b.mean()), n, 0.95)
    corr = float(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else float("nan")
    return {
        "corr": corr,
        "differ": float(np.mean(a != b)),
        "paired": hi - lo,
        "independent": ihi - ilo,
        "diff": diff,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--worlds", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scenario", default="scenarios/april-2024.toml")
    a = ap.parse_args()
    base = load_scenario(a.scenario)
    t0 = simulate(base, a.worlds, seed=a.seed)
    print(f"{a.scenario}, {a.worlds:,} worlds, seed {a.seed}: P(deal) {t0['deal'].mean():.4f}")
    print(
        f"{'variant':30s} {'corr(deal)':>10s} {'differ':>8s} {'diff':>8s} {'paired CI':>10s} {'indep. CI':>10s} ratio"
    )
    for name, values in VARIANTS.items():
        t1 = simulate(base.with_values(values), a.worlds, seed=a.seed)
        r = paired(t0["deal"].to_numpy(), t1["deal"].to_numpy())
        print(
            f"{name:30s} {r['corr']:10.3f} {r['differ']:8.3f} {r['diff']:+8.4f} {r['paired']:10.4f} "
            f"{r['independent']:10.4f} {r['independent'] / r['paired']:5.1f}x"
        )


if __name__ == "__main__":
    main()
