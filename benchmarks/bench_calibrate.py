"""Benchmark: the joint calibration of calibration/joint.toml, default and --quick.

Runs ``trucesim calibrate`` as a user would (a fresh output directory, so nothing is
resumed), and prints its wall time and peak memory against the targets: the default fit
under 30 minutes on 2 cores, ``--quick`` under 2 minutes.  The fit's own output (its
generations, the posterior, the check before and after) follows.

    python benchmarks/bench_calibrate.py --quick           # the --quick preset
    python benchmarks/bench_calibrate.py                   # the default fit
    python benchmarks/bench_calibrate.py --workers 2 --seed 1
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"default": 30 * 60.0, "quick": 120.0}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the calibration file's [quick] preset")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    preset = "quick" if args.quick else "default"
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "trucesim", "calibrate", str(ROOT / "calibration" / "joint.toml")]
        cmd += ["--out", str(Path(tmp) / "fit"), "--workers", str(args.workers), "--seed", str(args.seed)]
        cmd += ["--quick"] if args.quick else []
        print(f"bench_calibrate: {preset}, {args.workers} workers, seed {args.seed}, {os.cpu_count()} CPUs")
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - t0
    print(proc.stdout, end="")
    if proc.returncode != 0:
        print(proc.stderr, end="", file=sys.stderr)
        return proc.returncode
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    target = TARGETS[preset]
    verdict = "within target" if wall < target else "OVER target"
    print(f"  wall time   {wall:7.1f} s   (target < {target:.0f} s) - {verdict}")
    print(f"  peak memory {peak:7.0f} MiB (the largest process)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
