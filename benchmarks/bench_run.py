"""Speed and memory of `trucesim run` on the baseline, full horizon (a benchmark, not a test).

Measures worlds per second with 1, 1,000, 10,000 and 100,000 worlds per model
instance on one core, the speed-up of many worlds per instance over one, and
`trucesim run scenarios/april-2024.toml --worlds 1000000` end to end (wall
time and peak memory of the process).

Targets (2-core machine): >= 30,000 worlds/s on one core; >= 100x the
throughput of one world per instance; 1,000,000 worlds in < 40 s with peak
memory < 1 GiB.

    .venv/bin/python benchmarks/bench_run.py            # everything (about 2 minutes)
    .venv/bin/python benchmarks/bench_run.py --quick    # smaller sizes, no 1M run
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trucesim.scenario import load_scenario  # noqa: E402
from trucesim.simulate import run_chunk  # noqa: E402

BASELINE = ROOT / "scenarios" / "april-2024.toml"


def rate(scenario, worlds: int, total: int) -> float:
    """Worlds per second simulating ``total`` worlds as instances of ``worlds`` each."""
    instances = max(1, total // worlds)
    t0 = time.perf_counter()
    for k in range(instances):
        run_chunk(scenario, seed=1, chunk=k, chunk_worlds=worlds)
    return instances * worlds / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes and no 1M-world run")
    args = ap.parse_args()
    scenario = load_scenario(BASELINE)
    run_chunk(scenario, 0, 0, 1000)  # warm up imports and caches
    sizes = [(1, 50), (1_000, 5_000), (10_000, 20_000)] if args.quick else \
        [(1, 300), (1_000, 20_000), (10_000, 100_000), (100_000, 300_000)]
    print(f"baseline: {BASELINE.name}, horizon {int(scenario.value('protocol.horizon_days'))} days, one core")
    rates = {}
    for worlds, total in sizes:
        rates[worlds] = rate(scenario, worlds, total)
        print(f"  {worlds:>7,} worlds per instance: {rates[worlds]:>10,.0f} worlds/s")
    best = max(rates.values())
    print(f"  best / one world per instance: {best / rates[1]:,.0f}x")
    if args.quick:
        return
    cmd = [str(ROOT / ".venv" / "bin" / "trucesim"), "run", str(BASELINE), "--worlds", "1000000", "--format", "json"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB -> MiB on Linux
    if proc.returncode != 0:
        print(proc.stderr)
        sys.exit(1)
    print(f"trucesim run --worlds 1000000: {wall:.1f} s ({1e6 / wall:,.0f} worlds/s), peak memory {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
