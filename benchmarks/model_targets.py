"""The revised model's targets (issue 9), printed with their values (a benchmark, not a test).

The same figures as ``tests/test_revision.py`` asserts, printed so that a
change of an assumption can be judged by how far it moves them:

* November 2023 as shipped: P(deal) >= 0.8, a permanent end <= 0.05, 80..125 hostages released;
* April 2024 as shipped: P(deal) <= 0.25, Hamas refuses the first text more often than the
  government, Hamas's refusal the main gate, acceptances near deadlines > 0.3;
* strong pressure (US, family, military pressure and the crisis at 0.9): P(deal) >= 0.5;
* Hamas's acceptance over the whole talks at 5, 20 and 60 prisoners per hostage (rising).

    .venv/bin/python benchmarks/model_targets.py              # 20,000 worlds, seed 2024 (about a minute)
    .venv/bin/python benchmarks/model_targets.py --worlds 5000
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from trucesim.config.scenario import load_scenario
from trucesim.run.metrics import summarize
from trucesim.run.simulate import simulate

ROOT = Path(__file__).resolve().parents[1]
STRONG = {f"context.{k}": 0.9 for k in ("us_pressure", "family_pressure", "military_pressure", "humanitarian_crisis")}


def summary(name: str, worlds: int, seed: int, values: dict | None = None) -> dict:
    s = load_scenario(ROOT / "scenarios" / f"{name}.toml")
    if values:
        s = s.with_values(values)
    return summarize(simulate(s, worlds, seed), s, seed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worlds", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=2024)
    a = ap.parse_args()
    start = time.perf_counter()
    nov = summary("november-2023", a.worlds, a.seed)
    apr = summary("april-2024", a.worlds, a.seed)
    strong = summary("april-2024", a.worlds, a.seed, STRONG)
    gates = apr["blockers"]
    main_gate = max(gates, key=lambda k: gates[k] or 0.0)
    rows = [
        ("november-2023 P(deal) >= 0.8", nov["p_deal"]),
        ("november-2023 P(permanent end) <= 0.05", nov["p_permanent"]),
        ("november-2023 hostages released, 80..125", nov["hostages_released_mean"]),
        ("april-2024 P(deal) <= 0.25", apr["p_deal"]),
        ("april-2024 first text accepted: government", apr["p_accept_first"]["israel"]),
        ("april-2024 first text accepted: Hamas (lower)", apr["p_accept_first"]["hamas"]),
        (f"april-2024 main gate: {main_gate}", gates[main_gate]),
        ("april-2024 acceptances near a deadline > 0.3", apr["acceptances_near_deadline"]),
        ("april-2024 P(government falls)", apr["p_government_falls"]),
        ("strong pressure P(deal) >= 0.5", strong["p_deal"]),
    ]
    for pph in (5, 20, 60):
        r = summary("april-2024", a.worlds, a.seed, {"terms.prisoners_per_hostage": float(pph)})
        rows.append((f"Hamas accepts over the talks, {pph} prisoners per hostage", r["p_accept"]["hamas"]))
    print(f"model targets: {a.worlds:,} worlds, seed {a.seed}")
    for name, value in rows:
        print(f"  {name:<58}{value:10.4f}")
    print(f"  ({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
