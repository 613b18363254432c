"""``trucesim design SCENARIO``: search the terms both sides would accept, and what each concession buys."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from trucesim.commands.common import UserError, add_dpi, add_workers, nonneg_int, positive_int, whole_number, worlds_int

NAME = "design"
EPILOG = """examples:
  # which number of hostages and prisoners per hostage makes a deal most likely?
  trucesim design scenarios/april-2024.toml \\
      --vary terms.hostages_released=10..50 --vary terms.prisoners_per_hostage=0..60 \\
      --out designs/exchange

  # the same with a first phase of at least 30 hostages, a fixed 42-day pause,
  # and the trade-off against the hostages released
  trucesim design scenarios/april-2024.toml \\
      --vary terms.hostages_released=10..50 --vary terms.prisoners_per_hostage=0..60 \\
      --fix terms.pause_days=42 --constraint "terms.hostages_released >= 30" \\
      --versus hostages_released_mean --out designs/exchange-30

  # what makes a permanent end most likely, under uncertainty, on two cores
  trucesim design scenarios/april-2024-uncertain.toml \\
      --vary terms.permanent_ceasefire=0..1 --vary terms.guarantees=0..1 \\
      --maximize p_permanent --worlds 8192 --workers 2 --out designs/permanent

outputs (in DIR):
  best.json       the best terms (varied and fixed), the objective, its value and 95% CI
                  (re-simulated on fresh worlds: seed S+1), and how the search ran
  best.toml       a scenario extending SCENARIO with the best terms:
                  'trucesim run DIR/best.toml --worlds N --seed S+1' reproduces the value
  candidates.csv  every simulated candidate (all meet the constraints) and its outcomes
  zopa.csv/.png   each side's acceptance of the tabled terms at day 0 on a grid;
                  the zone of possible agreement is where both are >= 0.5
                  (figure for one or two varied keys)
  pareto.csv/.png candidates not dominated on p_deal and the --versus objective
  marginal.csv    change in p_deal (and the objective) per unit of each varied key
                  at the best terms, with the step used and a 95% CI

search budget: a Sobol screen of 2^ceil(log2(16 d)) points for d varied keys, then
differential evolution with a population of max(10, 5 d) for 10 generations
(132 simulations for two keys); --budget N caps the simulations instead.
Every candidate is simulated on the same worlds (common random numbers); the
same seed gives the same design.

Outputs explore the scenario's stated assumptions; they are not forecasts or advice.
See docs/designer.md."""


def _share(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 0.5], found {text!r}") from None
    if not (0 < v <= 0.5):
        raise argparse.ArgumentTypeError(f"expected a number in (0, 0.5], found {v:g}")
    return v


def add_parser(sub) -> argparse.ArgumentParser:
    """``trucesim design``'s parser: what to search for, how many simulations, where the outputs go."""
    p = sub.add_parser(
        NAME,
        help="search the terms both sides would accept, and what each concession buys",
        description=textwrap.fill(
            "Search the varied keys of SCENARIO for the terms that maximise an objective (the "
            "probability of a deal by default), each candidate simulated over the same worlds; map "
            "the zone of possible agreement, the Pareto front between the probability of a deal and "
            "a second objective, and the marginal effect of each varied term at the best terms.",
            79,
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_request(p)
    _add_simulations(p)
    _add_outputs(p)
    return p


def _add_request(p: argparse.ArgumentParser) -> None:
    """The scenario and what to search in it: the varied and fixed keys, the constraints, the objectives."""
    from trucesim.designer.objectives import OBJECTIVES, VERSUS

    p.add_argument(
        "scenario",
        metavar="SCENARIO",
        help="scenario file (TOML) or a shipped scenario's name, e.g. my-variant.toml or april-2024",
    )
    p.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="KEY=LOW..HIGH",
        help="a key to search within a range, e.g. terms.hostages_released=10..50 "
        "(repeatable; any numeric scenario key; a bare term name means terms.NAME)",
    )
    p.add_argument(
        "--fix",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a key held at one value for every candidate, e.g. terms.pause_days=42 (repeatable)",
    )
    p.add_argument(
        "--constraint",
        action="append",
        default=[],
        metavar="'KEY OP NUMBER'",
        help="a requirement every candidate meets, OP one of <, <=, >, >=, ==, "
        "e.g. 'terms.hostages_released >= 40' (repeatable)",
    )
    p.add_argument(
        "--maximize",
        choices=OBJECTIVES,
        default="p_deal",
        metavar="OBJECTIVE",
        help=f"what to maximise: {', '.join(OBJECTIVES)} (default: p_deal)",
    )
    p.add_argument(
        "--versus",
        choices=VERSUS,
        default=None,
        metavar="OBJECTIVE",
        help=f"second axis of the Pareto front against p_deal: {', '.join(VERSUS)} "
        "(default: hostages_released_mean, or the --maximize objective when it is not p_deal)",
    )


def _add_simulations(p: argparse.ArgumentParser) -> None:
    """How each candidate is simulated and how many: worlds, seed, budget, grid, step, worker processes."""
    p.add_argument(
        "--worlds",
        type=worlds_int,
        default=4096,
        metavar="N",
        help="worlds simulated for each candidate (default: 4096)",
    )
    p.add_argument(
        "--seed",
        type=nonneg_int,
        default=0,
        metavar="S",
        help="root random seed: the worlds, the Sobol scrambling and the evolution (default: 0)",
    )
    p.add_argument(
        "--budget",
        type=positive_int,
        default=None,
        metavar="N",
        help="most simulations the search may run (default: see 'search budget' below); the marginal "
        "effects at the best terms add about two per varied key, counted apart in the summary",
    )
    p.add_argument(
        "--grid",
        type=whole_number(2, 101, " (two keys at 101 points are 10,201 day-0 models)"),
        default=21,
        metavar="N",
        help="grid points per varied key for the zone of possible agreement, 2 to 101 (default: 21)",
    )
    p.add_argument(
        "--step",
        type=_share,
        default=0.05,
        metavar="SHARE",
        help="finite-difference step for the marginal effects, as a share of each key's range "
        "(default: 0.05; at least one unit for whole-number keys)",
    )
    add_workers(p, "simulating a batch of candidates")
    # the option's former name, as `run` and `sweep` call it --workers: hidden, still accepted
    p.add_argument("--jobs", type=positive_int, dest="workers", action=_Deprecated, help=argparse.SUPPRESS)


def _add_outputs(p: argparse.ArgumentParser) -> None:
    """Where the outputs go: the directory, the figures' resolution, whether a previous design may be replaced."""
    p.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="directory for best.json and the tables and figures (created if missing)",
    )
    add_dpi(p, "the PNG figures")
    p.add_argument(
        "--force",
        action="store_true",
        help="write into a non-empty DIR, replacing the files of a previous design (others are kept)",
    )


class _Deprecated(argparse.Action):
    """``--jobs N``: sets --workers, with a note that the name changed."""

    def __call__(self, parser, namespace, values, option_string=None):
        print("trucesim: note: --jobs is now --workers (--jobs will be removed)", file=sys.stderr)
        setattr(namespace, self.dest, values)


def main(args) -> int:
    from trucesim.commands.progress import progress
    from trucesim.config.scenario import load_scenario
    from trucesim.designer.design import check_request, design
    from trucesim.designer.evaluate import check_workers
    from trucesim.designer.outputs import check_out_dir, format_summary, write_outputs
    from trucesim.designer.space import DesignError, make_space
    from trucesim.plots.designer import design_figures

    try:
        # every check before anything runs or is created
        replaced = check_out_dir(args.out, args.force)
        scenario = load_scenario(args.scenario)
        space = make_space(scenario, args.vary, args.fix, args.constraint)
        check_request(space, args.maximize, args.versus, args.budget, args.grid, args.step)
        check_workers(args.workers)  # as run and sweep: at most 4 per core
        args.out.mkdir(parents=True, exist_ok=True)  # a path that cannot be written fails now, not after the search
        result = design(
            space,
            args.maximize,
            args.versus,
            worlds=args.worlds,
            seed=args.seed,
            budget=args.budget,
            grid=args.grid,
            step=args.step,
            jobs=args.workers,
            progress=lambda total, unit, desc: progress(total, unit, f"design: {desc}", leave=False),
        )
        written, removed = write_outputs(result, args.out, figures=design_figures(result), dpi=args.dpi)
    except DesignError as e:
        raise UserError(str(e)) from None
    except OSError as e:
        raise UserError(f"--out {args.out}: cannot write: {e.strerror or e}") from None
    print(format_summary(result))
    print(f"\nwritten to {args.out}/: {', '.join(p.name for p in written)}")
    if replaced:
        print(f"trucesim: replaced {', '.join(replaced)} in {args.out}", file=sys.stderr)
    if removed:
        print(
            f"trucesim: removed {', '.join(p.name for p in removed)} left in {args.out} by a previous "
            "design (this design does not produce them)",
            file=sys.stderr,
        )
    return 0
