"""Does a new engine give the same model?  Summary figures of every shipped scenario, with intervals.

A change of engine (how random numbers are drawn, how the day loop runs) may change individual
worlds but must not change the model: every summary figure of every shipped scenario and round
must agree with the old engine's within sampling error.  This script records the figures of one
engine and compares another against a record:

    python benchmarks/engine_equivalence.py record old.json --worlds 200000
    python benchmarks/engine_equivalence.py compare old.json --worlds 200000

Each figure is a share of worlds (deal, each side's acceptance of the first text and of any text,
each partner's exit, the government's fall, the safety net, the pause completed, the permanent
end, the offensive, each end of the talks, each blocker, each first answer) or a mean (hostages
released and died, remains released, rounds, deal day over the worlds with a deal), stored with its
standard error.  ``compare`` prints, per figure, the old and new values, their difference in
standard errors of the difference, and whether the new value lies in the old engine's 99%
prediction interval for an estimate of the new one's size (old +- 2.576 x the standard error of
the difference): the interval within which a second run of an unchanged model falls 99 times in
100.  ``tests/test_engine_equivalence.py`` asserts the same on the record kept in
``benchmarks/engine-reference.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml")) + sorted((ROOT / "scenarios" / "rounds").glob("*.toml"))
Z99 = 2.5758293035489004

#: binary columns of the outcome table, as shares of worlds
SHARES = (
    "deal",
    "israel_accepted",
    "hamas_accepted",
    "israel_accepted_first",
    "hamas_accepted_first",
    "government_fell",
    "safety_net_used",
    "pause_completed",
    "permanent",
    "collapsed",
    "offensive",
)
#: count columns, as means over worlds
MEANS = ("hostages_released", "hostages_died", "remains_released", "rounds")
#: category columns, as the share of worlds in each category
CATEGORIES = ("end_of_talks", "blocker", "israel_first_answer", "hamas_first_answer")


def figures(table: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Every summary figure of an outcome table: ``{name: {"value", "se", "n"}}``.

    >>> t = pd.DataFrame({"deal": [True, False], "hostages_released": [2, 0], "deal_day": [3.0, np.nan]})
    >>> figures(t)["deal"]["value"], figures(t)["deal_day"]["n"]
    (0.5, 1)
    """
    out: dict[str, dict[str, float]] = {}
    n = len(table)

    def share(name: str, x: np.ndarray) -> None:
        p = float(np.mean(x))
        out[name] = {"value": p, "se": math.sqrt(max(p * (1 - p), 0.0) / n), "n": n}

    def mean(name: str, x: np.ndarray) -> None:
        x = np.asarray(x, dtype=float)
        k = x.size
        if k == 0:
            return
        sd = float(np.std(x, ddof=1)) if k > 1 else 0.0
        out[name] = {"value": float(np.mean(x)), "se": sd / math.sqrt(k), "n": k}

    for c in SHARES:
        if c in table:
            share(c, table[c].to_numpy())
    for c in table.columns:
        if c.startswith("exit_") or c.startswith("promise_"):
            share(c, table[c].to_numpy())
    share("acceptances_near_deadline", table["acceptances_near_deadline"].to_numpy() > 0) if (
        "acceptances_near_deadline" in table
    ) else None
    for c in MEANS:
        if c in table:
            mean(c, table[c].to_numpy())
    if "deal_day" in table:
        mean("deal_day", table["deal_day"].dropna().to_numpy())
    for c in CATEGORIES:
        if c in table:
            values = table[c].astype(str).to_numpy()
            for level in sorted(set(values)):
                share(f"{c}={level}", values == level)
    return out


def record(worlds: int, seed: int) -> dict[str, dict]:
    """The figures of every shipped scenario and round with the engine installed now."""
    from trucesim import load_scenario, simulate

    result = {}
    for path in SCENARIOS:
        name = str(path.relative_to(ROOT / "scenarios"))
        table = simulate(load_scenario(path), worlds, seed=seed)
        result[name] = figures(table)
        print(f"{name}: P(deal) {result[name]['deal']['value']:.4f}", file=sys.stderr)
    return {"worlds": worlds, "seed": seed, "scenarios": result}


def compare(old: dict, new: dict, z: float = Z99) -> list[dict]:
    """One row per figure present in both records: old, new, z of the difference, and whether it is within."""
    rows = []
    for name, figs in old["scenarios"].items():
        mine = new["scenarios"].get(name, {})
        for fig, o in figs.items():
            if fig not in mine:
                rows.append({"scenario": name, "figure": fig, "old": o["value"], "new": math.nan, "z": math.nan})
                continue
            w = mine[fig]
            se = math.hypot(o["se"], w["se"])
            d = w["value"] - o["value"]
            zd = 0.0 if se == 0 and d == 0 else (d / se if se > 0 else math.inf)
            rows.append({"scenario": name, "figure": fig, "old": o["value"], "new": w["value"], "z": zd})
    for r in rows:
        r["within"] = bool(abs(r["z"]) <= z) if not math.isnan(r["z"]) else False
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("action", choices=["record", "compare"])
    ap.add_argument("file", type=Path)
    ap.add_argument("--worlds", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    if a.action == "record":
        a.file.write_text(json.dumps(record(a.worlds, a.seed), indent=1))
        return 0
    old = json.loads(a.file.read_text())
    new = record(a.worlds, a.seed + 1)  # another seed: the comparison is of two independent samples
    rows = compare(old, new)
    frame = pd.DataFrame(rows)
    with pd.option_context("display.max_rows", None, "display.width", 140):
        print(frame.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    outside = frame[~frame["within"]]
    print(f"\n{len(frame) - len(outside)} of {len(frame)} figures within the 99% interval")
    if len(outside):
        print(outside.to_string(index=False))
    return 0 if outside.empty else 1


if __name__ == "__main__":
    sys.exit(main())
