"""Where each round stands on day 0: the armed group's worth of the tabled text, of its own counter and of
continuing the war, with the reservation's parts, under the shipped fit or any fitted parameter file.

The first answer is decided on these as they stand on its answer day, with the deadline's stakes
added at the deadline (docs/ODD.md 7.1 and 7.4): a side accepts with the logit of its gap (less
what it gives up by accepting early); one that does not accept counters at the deadline when its
own counter clears its reservation, and the armed group also counters a demand it cannot meet;
otherwise it rejects. So where the record has a rejection and the model a counter, or the other
way round, this table says which part of the reservation or which term puts the round where it
is, and which rounds the model cannot tell apart (the same text in the same context). Means over
the worlds, on day 0, before any deadline's stakes or accumulated costs (utility units;
``feasible``: share of worlds that hold the living hostages in the agreed categories and the
remains the text asks for; ``counter > R``: share whose own counter clears the reservation)::

    python benchmarks/round_gaps.py                                   # the shipped fit
    python benchmarks/round_gaps.py --fitted fits/joint/fitted.toml --worlds 4000 --seed 3

A few seconds on 2 cores. Outputs explore the rounds' stated assumptions; they are not forecasts.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from trucesim.config.scenario import Scenario, apply_parameter_file
from trucesim.history.rounds import in_time_order, load_round, round_name, round_paths
from trucesim.model import pressures, ripeness
from trucesim.model.model import TruceModel

COLUMNS = (
    "first answer",
    "U(text)",
    "U(counter)",
    "R",
    "R0",
    "-military",
    "-crisis",
    "-mediators",
    "+patience",
    "+leverage",
    "feasible",
    "counter > R",
)


def day_zero(scenario: Scenario, worlds: int, seed: int) -> dict[str, float]:
    """The armed group's day-0 figures for ``scenario`` (means over ``worlds`` worlds), by column name."""
    m = TruceModel(scenario, worlds, rng=seed)
    idx = np.arange(worlds)
    h, sit = m.armed_group, m.situation
    terms = m.terms[idx].copy()
    u = h.utility(terms, idx)
    counter = h.utility(h.counter_proposal(terms, idx), idx)
    r = h.reservation(idx)
    # the reservation's parts, as pressures.armed_group_reservation sums them (checked below)
    parts = {
        "R0": h.reservation0[idx],
        "-military": h.sens_military[idx] * pressures.military_pressure(sit, m.government.offensive[idx], idx),
        "-crisis": h.sens_humanitarian[idx] * sit.crisis[idx],
        "-mediators": h.sens_mediators[idx] * pressures.pressure_on_armed_group(sit, m.mediator_pressure, m.talks, idx),
        "+patience": h.patience[idx] * sit.isolation[idx],
        "+leverage": h.leverage_value[idx] * h.leverage(idx),
    }
    total = sum(-v if k.startswith("-") else v for k, v in parts.items()) - ripeness.armed_group_costs(h, sit, idx)
    if not np.allclose(total, r, rtol=0.0, atol=1e-12):
        raise SystemExit("round_gaps.py: its parts no longer add up to pressures.armed_group_reservation; update them")
    observed = {o.key: o.value for o in scenario.observed}
    return {
        "first answer": str(observed.get("first_text.hamas", "-")),
        "U(text)": u.mean(),
        "U(counter)": counter.mean(),
        "R": r.mean(),
        **{k: v.mean() for k, v in parts.items()},
        "feasible": h.can_deliver(terms, idx).mean(),
        "counter > R": (counter > r).mean(),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--fitted", type=Path, help="a parameter file in place of the shipped fit")
    p.add_argument("--worlds", type=int, default=2000, help="worlds per round (default 2000)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = p.parse_args()
    rounds = in_time_order(load_round(path) for path in round_paths())
    if args.fitted:
        rounds = [apply_parameter_file(r, args.fitted) for r in rounds]
    names = [round_name(r.path) for r in rounds]
    width = max(len(n) for n in names)
    print(f"{'round':{width}}  " + "  ".join(f"{c:>{max(len(c), 6)}}" for c in COLUMNS))
    for name, r in zip(names, rounds, strict=True):
        row = day_zero(r, args.worlds, args.seed)
        cells = [
            f"{v:>{max(len(c), 6)}}" if isinstance(v, str) else f"{v:>{max(len(c), 6)}.3f}"
            for c, v in ((c, row[c]) for c in COLUMNS)
        ]
        print(f"{name:{width}}  " + "  ".join(cells))


if __name__ == "__main__":
    main()
