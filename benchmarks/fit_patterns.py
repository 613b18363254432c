"""The patterns the test suite holds the shipped model to, measured under any fitted parameter file.

A new fit (``trucesim calibrate``) changes every figure the model gives; before it replaces
``scenarios/fitted/joint.toml`` it should be judged on the patterns as well as on the rounds
(``trucesim validate``). This script applies each parameter file given to the shipped scenarios
(as ``trucesim backtest --fitted`` does to the rounds) and prints, side by side, the figures the
tests assert (with their worlds and seeds, except the first-text deal, taken from the same
20,000-world run as November's P(deal); ``tests/test_first_text.py`` uses 3,000 worlds, seed 4):

* the armed group's first-reading acceptance of a text meeting its stated demands (>= 0.5;
  ``tests/test_consistency.py``), and of the first text at the low and high value of three terms
  (it must rise);
* the share of acceptances on a deadline's last day with a 14-day deadline (>= 0.5) and with 48
  hours;
* November 2023 against April 2024: P(deal) (at least twice), a deal on the first text as
  tabled (> 0.05), P(permanent end) (<= 0.05) and the hostages released per deal (50 to 125;
  ``tests/test_revision.py``, ``tests/test_first_text.py``);
* strong pressure on both sides against the baseline (P(deal) at least doubled).

    python benchmarks/fit_patterns.py                                   # the shipped fit
    python benchmarks/fit_patterns.py scenarios/fitted/joint.toml fits/joint/fitted.toml

About ten seconds per file on 2 cores. It reads the demands text and the strong pressures from the
tests themselves (``tests/``, with the dev extra installed). Outputs explore the model's
assumptions; they are not forecasts.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from trucesim.config.scenario import Scenario, apply_parameter_file, load_scenario
from trucesim.config.shipped import resolve
from trucesim.run.metrics import summarize
from trucesim.run.simulate import simulate

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# the tests' own demands text and strong pressures, so that the two cannot drift apart
from tests.test_consistency import DEMANDS
from tests.test_revision import STRONG

#: the terms whose low and high values the armed group's first answer must follow
RISES = {
    "terms.prisoners_per_hostage": (18.0, 60.0),
    "terms.permanent_ceasefire": (0.0, 1.0),
    "terms.withdrawal": (0.0, 1.0),
}


def summary(scenario: Scenario, values: dict | None, worlds: int, seed: int) -> dict:
    """The summary of ``trucesim run`` for ``scenario`` with ``values`` set."""
    s = scenario.with_values(values) if values else scenario
    return summarize(simulate(s, worlds, seed), s, seed)


def patterns(load: Callable[[str], Scenario]) -> dict[str, float]:
    """Each pattern's figure under the scenarios ``load`` returns (by shipped name)."""
    april, november = load("april-2024"), load("november-2023")
    out: dict[str, float] = {}
    out["demands text: armed group accepts on first reading (>= 0.5)"] = summary(april, DEMANDS, 4000, 7)[
        "p_accept_first"
    ]["hamas"]
    base = float(simulate(april, 8000, 7)["hamas_accepted_first"].mean())
    for key, (low, high) in RISES.items():
        for v in (low, high):  # a value the baseline has already is the baseline's figure
            same = april.values[key] == v
            share = (
                base if same else float(simulate(april.with_values({key: v}), 8000, 7)["hamas_accepted_first"].mean())
            )
            out[f"first text accepted by the armed group, {key.split('.')[1]} = {v:g}"] = share
    out["14-day deadline: acceptances on its last day (>= 0.5)"] = summary(
        april, {"protocol.deadline_days": 14.0}, 8000, 7
    )["acceptances_near_deadline"]
    out["48-hour deadline: acceptances on its last day"] = summary(april, None, 8000, 7)["acceptances_near_deadline"]
    a, n = summary(april, None, 20000, 2024), summary(november, None, 20000, 2024)
    out["April 2024 P(deal)"] = a["p_deal"]
    out["November 2023 P(deal) (>= 2 x April 2024's)"] = n["p_deal"]
    out["November 2023 deal on the first text (> 0.05)"] = n["p_deal_first_text"]
    out["November 2023 P(permanent end) (<= 0.05)"] = n["p_permanent"]
    out["November 2023 released per deal (50 to 125)"] = n["hostages_released_mean"] / max(n["p_deal"], 1e-9)
    out["strong pressure P(deal) (>= 2 x April 2024's)"] = summary(april, STRONG, 20000, 2024)["p_deal"]
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("fitted", type=Path, nargs="*", help="parameter files (default: the shipped fit)")
    args = p.parse_args()
    files = args.fitted or [Path("scenarios/fitted/joint.toml")]
    columns = []
    for f in files:
        columns.append(patterns(lambda name, f=f: apply_parameter_file(load_scenario(resolve(name, "scenarios")), f)))
    width = max(len(k) for k in columns[0])
    cols = [max(len(str(f)), 8) for f in files]
    print(f"{'':{width}}  " + "  ".join(f"{f!s:>{w}}" for f, w in zip(files, cols, strict=True)))
    for k in columns[0]:
        print(f"{k:{width}}  " + "  ".join(f"{c[k]:>{w}.3f}" for c, w in zip(columns, cols, strict=True)))


if __name__ == "__main__":
    main()
