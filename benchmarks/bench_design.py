"""Benchmark: a two-term design on the baseline scenario.

Runs what ``trucesim design scenarios/april-2024.toml --vary
terms.hostages_released=10..50 --vary terms.prisoners_per_hostage=0..60
--worlds 4096`` runs (the default search budget: 132 simulations, then the zone
of possible agreement, the marginal effects and the check on fresh worlds) and
writes its outputs to a temporary directory.  Prints the wall time of each
phase and the total.  Target: under 2 minutes on a 2-core machine.

    python benchmarks/bench_design.py            # the full benchmark (4,096 worlds)
    python benchmarks/bench_design.py --quick    # 512 worlds, budget 32: a smoke test
    python benchmarks/bench_design.py --jobs 2   # two worker processes
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 120.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="512 worlds and a budget of 32 simulations")
    parser.add_argument(
        "--worlds", type=int, default=None, help="worlds per candidate (default 4096; 512 with --quick)"
    )
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from trucesim.config.scenario import load_scenario
    from trucesim.designer import make_space, plan_search, write_outputs
    from trucesim.designer.design import design
    from trucesim.plots.designer import design_figures

    worlds = args.worlds or (512 if args.quick else 4096)
    budget = 32 if args.quick else None
    scenario = load_scenario(ROOT / "scenarios" / "april-2024.toml")
    space = make_space(scenario, ["terms.hostages_released=10..50", "terms.prisoners_per_hostage=0..60"])
    plan = plan_search(space.d, budget)
    print(
        f"bench_design: april-2024, 2 varied terms, {worlds:,} worlds per candidate, "
        f"search budget {plan.budget} simulations, jobs {args.jobs}, {os.cpu_count()} CPUs"
        f"{' (quick)' if args.quick else ''}"
    )

    t0 = time.perf_counter()
    result = design(space, "p_deal", worlds=worlds, seed=args.seed, budget=budget, jobs=args.jobs, progress=False)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        write_outputs(result, Path(tmp) / "design", figures=design_figures(result))
    t2 = time.perf_counter()

    sims = len(result.candidates)
    best = result.best
    print(
        f"  simulations      {sims} candidates ({best['search']['generations_run']} generations), "
        f"zone grid {best['zone']['grid_points']} points, check on {worlds:,} fresh worlds"
    )
    print("  best terms       " + ", ".join(f"{k}={v:g}" for k, v in best["terms"].items()))
    print(f"  p_deal           {best['value']:.3f}  95% CI {best['ci'][0]:.3f}-{best['ci'][1]:.3f}")
    print(f"  design           {t1 - t0:7.1f} s   ({(t1 - t0) / max(sims, 1):.2f} s per candidate, all phases)")
    print(f"  outputs          {t2 - t1:7.1f} s   (tables and figures)")
    total = t2 - t0
    verdict = (
        "" if args.quick or worlds != 4096 else (" - within target" if total < TARGET_SECONDS else " - OVER target")
    )
    print(f"  total            {total:7.1f} s   (target for the full benchmark: < {TARGET_SECONDS:.0f} s){verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
