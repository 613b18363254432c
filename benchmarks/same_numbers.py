"""Do two versions of trucesim give the same numbers?  (A check for pure restructures.)

Records, with the installed ``trucesim`` command, the outputs that must not change when code
only moves:

* ``trucesim run SCENARIO --worlds 10000 --seed S --format json`` for every shipped scenario
  and seeds 0 and 2024;
* the day-by-day trace of world 7 of the baseline (``--trace 7``);
* ``points.parquet`` of a small sweep (a 3 x 2 grid, 2,000 worlds a point) and a digest of
  its per-world parts;
* ``best.json`` of a small ``trucesim design`` run (two varied terms, a budget of 24).

Usage::

    python benchmarks/same_numbers.py record DIR     # before the change
    python benchmarks/same_numbers.py compare DIR    # after: exit 1 on any difference

``compare`` records afresh into a temporary directory and diffs file by file (JSON and
text exactly; Parquet by value, not by bytes, so a change of pyarrow metadata is no
difference).  Run it from the project root.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

SEEDS = (0, 2024)
WORLDS = 10_000
EXPERIMENT = """
name = "same-numbers"
scenario = "{scenario}"
seed = 11
worlds_per_point = 2000

[design]
kind = "grid"

[factors."terms.prisoners_per_hostage"]
levels = [5, 20, 60]

[factors."context.us_pressure"]
levels = [0.2, 0.8]
"""


def _trucesim(*args: str, out: Path | None = None) -> str:
    cmd = [sys.executable, "-m", "trucesim", *args]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{res.stderr}")
    return res.stdout


def _sorted_json(text: str) -> str:
    """Key order is presentation, not a number: compare JSON with sorted keys."""
    return json.dumps(json.loads(text), indent=1, sort_keys=True)


def record(dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    scenarios = sorted(Path("scenarios").glob("*.toml"))
    for path in scenarios:
        for seed in SEEDS:
            text = _trucesim("run", str(path), "--worlds", str(WORLDS), "--seed", str(seed), "--format", "json")
            (dest / f"run-{path.stem}-{seed}.json").write_text(_sorted_json(text))
    trace = _trucesim("run", "scenarios/april-2024.toml", "--worlds", "1000", "--trace", "7")
    (dest / "trace-april-2024-7.txt").write_text(trace.split("world 7, day by day:", 1)[-1])
    with tempfile.TemporaryDirectory() as tmp:
        exp = Path(tmp) / "exp.toml"
        exp.write_text(EXPERIMENT.format(scenario=Path("scenarios/april-2024.toml").resolve()))
        _trucesim("sweep", str(exp), "--out", f"{tmp}/sweep", "--workers", "1")
        shutil.copy(f"{tmp}/sweep/points.parquet", dest / "sweep-points.parquet")
        worlds = pd.concat(pd.read_parquet(p) for p in sorted(Path(tmp, "sweep", "parts").glob("*.parquet")))
        digest = hashlib.sha256(pd.util.hash_pandas_object(worlds, index=False).to_numpy().tobytes())
        (dest / "sweep-worlds.sha256").write_text(digest.hexdigest() + "\n")
        _trucesim(
            "design",
            "scenarios/april-2024.toml",
            "--vary",
            "terms.hostages_released=10..50",
            "--vary",
            "terms.prisoners_per_hostage=0..60",
            "--worlds",
            "2000",
            "--budget",
            "24",
            "--seed",
            "3",
            "--out",
            f"{tmp}/design",
        )
        best = json.loads(Path(tmp, "design", "best.json").read_text())
        best.pop("seconds", None)
        (dest / "design-best.json").write_text(json.dumps(best, indent=1, sort_keys=True))
        shutil.copy(Path(tmp, "design", "candidates.csv"), dest / "design-candidates.csv")


def compare(ref: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        now = Path(tmp)
        record(now)
        names = sorted({p.name for p in ref.iterdir()} | {p.name for p in now.iterdir()})
        bad = 0
        for name in names:
            a, b = ref / name, now / name
            if not a.exists() or not b.exists():
                print(f"MISSING  {name} ({'before' if not a.exists() else 'after'})")
                bad += 1
                continue
            if name.endswith(".parquet"):
                try:
                    pd.testing.assert_frame_equal(pd.read_parquet(a), pd.read_parquet(b), check_exact=True)
                    same = True
                except AssertionError:
                    same = False
            else:
                same = a.read_text() == b.read_text()
            print(f"{'same    ' if same else 'DIFFERS '} {name}")
            bad += not same
        print(f"{len(names) - bad} of {len(names)} outputs identical")
        return 1 if bad else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=("record", "compare"))
    ap.add_argument("dir", type=Path)
    a = ap.parse_args()
    if a.action == "record":
        record(a.dir)
        print(f"recorded {len(list(a.dir.iterdir()))} outputs in {a.dir}")
        return 0
    return compare(a.dir)


if __name__ == "__main__":
    sys.exit(main())
