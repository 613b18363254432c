"""Speed and memory of `trucesim run` on the baseline, full horizon (a benchmark, not a test).

Measures worlds per second with 1, 1,000, 10,000 and 100,000 worlds per model
instance on one core, and with ten chunks of 10,000 worlds as one model (as `trucesim run`
does; the worlds are the same either way), the speed-up of many worlds per instance over one, and
`trucesim run scenarios/april-2024.toml --worlds 1000000` end to end with 1
and 2 worker processes (wall time, and peak memory summed over the process tree).

Targets (2-core machine): >= 30,000 worlds/s on one core; >= 100x the
throughput of one world per instance; 1,000,000 worlds in < 10 s (issue 19; it was < 40 s
before) with peak memory < 1 GiB.

    .venv/bin/python benchmarks/bench_run.py            # everything (about 2 minutes)
    .venv/bin/python benchmarks/bench_run.py --quick    # smaller sizes, no 1M run
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from treememory import TreeMemory  # beside this script, whose folder python puts on the path

from trucesim.config.scenario import load_scenario
from trucesim.run.simulate import run_chunk

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "april-2024.toml"


def rate(scenario, worlds: int, total: int, chunks: int = 1) -> float:
    """Worlds per second simulating ``total`` worlds as instances of ``chunks`` chunks of ``worlds`` each."""
    instances = max(1, total // (worlds * chunks))
    t0 = time.perf_counter()
    for k in range(instances):
        run_chunk(scenario, seed=1, chunk=k * chunks, chunk_worlds=worlds, chunks=chunks)
    return instances * worlds * chunks / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes and no 1M-world run")
    args = ap.parse_args()
    scenario = load_scenario(BASELINE)
    run_chunk(scenario, 0, 0, 1000)  # warm up imports and caches
    sizes = (
        [(1, 50), (1_000, 5_000), (10_000, 20_000)]
        if args.quick
        else [(1, 300), (1_000, 20_000), (10_000, 100_000), (100_000, 300_000)]
    )
    print(f"baseline: {BASELINE.name}, horizon {int(scenario.value('protocol.horizon_days'))} days, one core")
    rates = {}
    for worlds, total in sizes:
        rates[worlds] = rate(scenario, worlds, total)
        print(f"  {worlds:>7,} worlds per instance: {rates[worlds]:>10,.0f} worlds/s")
    best = max(rates.values())
    grouped = rate(scenario, 10_000, 100_000 if args.quick else 300_000, chunks=10)
    print(f"  10 chunks of 10,000 as one model: {grouped:>7,.0f} worlds/s ({grouped / rates[10_000]:.2f}x one chunk)")
    best = max(best, grouped)
    print(f"  best / one world per instance: {best / rates[1]:,.0f}x")
    if args.quick:
        return
    outputs = {}
    for workers in (1, 2):
        cmd = [
            sys.executable,
            "-m",
            "trucesim",
            "run",
            str(BASELINE),
            "--worlds",
            "1000000",
            "--format",
            "json",
            "--workers",
            str(workers),
        ]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        mem = TreeMemory(proc.pid)
        out, err = proc.communicate()
        wall = time.perf_counter() - t0
        mem.stop()
        if proc.returncode != 0:
            print(err)
            sys.exit(1)
        outputs[workers] = out
        print(
            f"trucesim run --worlds 1000000 --workers {workers}: {wall:.1f} s ({1e6 / wall:,.0f} worlds/s), "
            f"peak memory {mem.peak_pss / 2**20:,.0f} MiB PSS ({mem.peak_rss / 2**20:,.0f} MiB RSS) "
            f"over {mem.peak_procs} process(es)"
        )
    print(f"  same JSON with 1 and 2 workers: {'yes' if outputs[1] == outputs[2] else 'NO'}")


if __name__ == "__main__":
    main()
