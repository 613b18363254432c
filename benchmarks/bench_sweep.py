"""Speed and memory of `trucesim sweep` (a benchmark, not a test).

1. `trucesim sweep experiments/prisoners-vs-us-pressure.toml` (100 points x 10,000
   worlds = 1,000,000 worlds), end to end through the command line, with
   --workers 1 and --workers 2: wall time, worlds/s, the speed-up and parallel
   efficiency from 1 to 2 workers, and peak memory of the process tree (the
   sweep and its workers, sampled every 0.1 s; RSS, and PSS which counts pages
   shared between forked workers once).  The two datasets are checked to be
   identical, byte for byte.
2. The same model driven the way Mesa users do by default: `mesa.batch_run`
   over the same grid with one world per model run (a thin `mesa.Model`
   wrapping `TruceModel(n_worlds=1)`), on a few thousand runs, one process;
   and the throughput ratio of the sweep to it.

Targets on a 2-core machine: 1,000,000 worlds in under 60 s with 2 workers; at
least 1.6x from 1 to 2 workers; peak memory under 1.5 GiB; at least 100x the
throughput of `batch_run`.

    .venv/bin/python benchmarks/bench_sweep.py            # the full benchmark (a few minutes)
    .venv/bin/python benchmarks/bench_sweep.py --quick    # a smoke run: 100,000 worlds, 100 batch_run runs
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from treememory import TreeMemory  # beside this script, whose folder python puts on the path

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENT = ROOT / "experiments" / "prisoners-vs-us-pressure.toml"
GIB = 1024**3


def experiment_copy(tmp: Path, worlds_per_point: int | None) -> Path:
    """The experiment file, its scenario path made absolute, optionally with fewer worlds per point."""
    text = EXPERIMENT.read_text()
    scenario = re.search(r'^scenario\s*=\s*"([^"]+)"', text, re.MULTILINE).group(1)
    text = text.replace(f'"{scenario}"', f'"{(EXPERIMENT.parent / scenario).resolve().as_posix()}"', 1)
    if worlds_per_point is not None:
        text = re.sub(r"^worlds_per_point\s*=.*$", f"worlds_per_point = {worlds_per_point}", text, flags=re.MULTILINE)
    path = tmp / EXPERIMENT.name
    path.write_text(text)
    return path


def run_sweep(exp: Path, out: Path, workers: int) -> dict:
    cmd = [sys.executable, "-m", "trucesim", "sweep", str(exp), "--out", str(out), "--workers", str(workers)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    mem = TreeMemory(proc.pid)
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    mem.stop()
    if proc.returncode != 0:
        raise SystemExit(f"bench_sweep: the sweep failed ({proc.returncode}): {stderr.strip()}")
    worlds = int(re.search(r"= ([\d,]+) worlds", stdout).group(1).replace(",", ""))
    inner = re.search(r"chunks run in [\d.]+ s \(([\d,]+) worlds/s", stdout)  # the sweep's own clock
    inner = worlds / float(inner.group(1).replace(",", "")) if inner else wall
    return {
        "workers": workers,
        "wall": wall,
        "worlds": worlds,
        "inner": inner,
        "rss": mem.peak_rss,
        "pss": mem.peak_pss,
        "procs": mem.peak_procs,
        "out": out,
    }


def digest(out: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(out.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(out)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


# --------------------------------------------------------------------------- mesa.batch_run
def make_one_world_model():
    import mesa
    import numpy as np

    from trucesim.config.scenario import load_scenario
    from trucesim.model.model import TruceModel

    scenario = load_scenario(EXPERIMENT.parent / "../scenarios/april-2024.toml")

    class OneWorld(mesa.Model):
        """One world of the truce model per Mesa model run: how `batch_run` users drive a model."""

        def __init__(self, prisoners_per_hostage=18.0, us_pressure=0.5, rng=None):
            super().__init__(rng=rng)
            overrides = {
                "terms.prisoners_per_hostage": np.array([float(prisoners_per_hostage)]),
                "context.us_pressure": np.array([float(us_pressure)]),
            }
            self.world = TruceModel(scenario, 1, rng=self.rng, overrides=overrides)
            self.datacollector = mesa.DataCollector(
                model_reporters={
                    "deal": lambda m: bool(m.world.deal[0]),
                    "government_fell": lambda m: bool(m.world.government.fell[0]),
                    "hostages_released": lambda m: int(m.world.armed_group.released[0]),
                }
            )

        def step(self):
            self.world.run()  # the whole horizon of the one world
            self.datacollector.collect(self)
            self.running = False

    return OneWorld


def run_batch(runs: int) -> dict:
    import mesa
    import numpy as np

    from trucesim.sweep.designs import build_design
    from trucesim.sweep.experiment import load_experiment

    OneWorld = make_one_world_model()
    design = build_design(load_experiment(EXPERIMENT)).matrix
    per_point = max(1, runs // len(design))
    params = {
        "prisoners_per_hostage": sorted(set(design[:, 0].tolist())),
        "us_pressure": sorted(set(design[:, 1].tolist())),
    }
    n = len(params["prisoners_per_hostage"]) * len(params["us_pressure"]) * per_point
    t0 = time.perf_counter()
    results = mesa.batch_run(
        OneWorld,
        params,
        number_processes=1,
        max_steps=1,
        display_progress=False,
        data_collection_period=-1,
        rng=list(range(per_point)),
    )
    wall = time.perf_counter() - t0
    assert len(results) == n, (len(results), n)
    return {"runs": n, "wall": wall, "rate": n / wall, "p_deal": float(np.mean([r["deal"] for r in results]))}


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__
    )
    ap.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: 1,000 worlds per point (100,000 worlds) and 100 batch_run runs",
    )
    args = ap.parse_args()
    wpp, runs = (1000, 100) if args.quick else (None, 2000)
    print(f"bench_sweep{' --quick' if args.quick else ''}: {EXPERIMENT.relative_to(ROOT)}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench_sweep-") as tmp:
        tmp = Path(tmp)
        exp = experiment_copy(tmp, wpp)
        results = {}
        for workers in (1, 2):
            r = results[workers] = run_sweep(exp, tmp / f"w{workers}", workers)
            print(
                f"  sweep, {workers} worker{'s' if workers > 1 else ' '}: {r['worlds']:>9,} worlds in "
                f"{r['wall']:6.1f} s wall ({r['worlds'] / r['wall']:>8,.0f} worlds/s; "
                f"{r['worlds'] / r['inner']:>8,.0f} worlds/s after start-up), peak memory "
                f"{r['rss'] / GIB:.2f} GiB RSS, {r['pss'] / GIB:.2f} GiB PSS over {r['procs']} processes"
            )
        same = digest(results[1]["out"]) == digest(results[2]["out"])
        t1, t2 = results[1]["wall"], results[2]["wall"]
        i1, i2 = results[1]["inner"], results[2]["inner"]
        print(
            f"  speed-up 1 -> 2 workers: {t1 / t2:.2f}x wall (parallel efficiency {t1 / t2 / 2:.0%}), "
            f"{i1 / i2:.2f}x after start-up ({i1 / i2 / 2:.0%})"
        )
        print(f"  datasets of 1 and 2 workers identical byte for byte: {'yes' if same else 'NO'}")
    b = run_batch(runs)
    print(
        f"  mesa.batch_run, one world per model run, 1 process: {b['runs']:,} runs in {b['wall']:.1f} s "
        f"({b['rate']:,.1f} worlds/s; p_deal {b['p_deal']:.3f})"
    )
    r1, r2 = results[1], results[2]
    print(
        f"  throughput ratio, sweep / batch_run: {r1['worlds'] / r1['wall'] / b['rate']:,.0f}x with 1 worker, "
        f"{r2['worlds'] / r2['wall'] / b['rate']:,.0f}x with 2 workers (wall time, start-up included)"
    )
    if not args.quick:
        ok = [
            ("1,000,000 worlds in < 60 s with 2 workers", t2 < 60),
            (">= 1.6x from 1 to 2 workers", t1 / t2 >= 1.6),
            ("peak memory < 1.5 GiB", max(r1["pss"], r2["pss"]) < 1.5 * GIB),
            (">= 100x batch_run", r2["worlds"] / t2 / b["rate"] >= 100),
        ]
        for what, good in ok:
            print(f"  target {what}: {'met' if good else 'MISSED'}")


if __name__ == "__main__":
    main()
