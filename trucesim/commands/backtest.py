"""``trucesim backtest [ROUND...]``: run historical rounds and score the model on what happened."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from trucesim.commands.common import (
    DEFAULT_WORLDS,
    UserError,
    add_dpi,
    add_force,
    add_workers,
    nonneg_int,
    positive_int,
    refuse_dpi_without_raster,
)

NAME = "backtest"
DESCRIPTION = """Does the model reproduce what happened? Run each historical ROUND and score, for every
fact observed in it, the probability the model gave what happened.

A round is a scenario file that sets the terms and context of one moment of the talks
(usually by extending a shipped scenario) plus an [observed] table of what happened, in
facts the model also reports (deal = false, first_text.hamas = "counter", exits = [],
hostages_released = 81, ...). The shipped rounds are in scenarios/rounds/; name one by its
file name (april-2024) or give a path. Rounds named are listed in the order given; the shipped
rounds (no ROUND) in time order: by their [meta] date (date = "2024-04", optional), else by a
month and year starting the file name (august-2024.toml), and rounds with neither last.

For each fact, p is the share of worlds that reproduced it (a count within its tolerance).
  hit    p >= 0.5: the model's likelier outcome is what happened
  Brier  (1 - p)^2: 0 certain and right, 1 certain and wrong; a coin (p = 0.5) scores 0.25
  log    -ln p in nats: 0 certain and right; a coin scores 0.69; p is floored at half a
         world, so a fact no world reproduced costs a large but finite penalty
Lower Brier and log scores are better; the totals compare them with the coin."""

EPILOG = """examples:
  trucesim backtest                                  # every shipped round, 10,000 worlds each
  trucesim backtest april-2024 november-2023 --worlds 20000 --seed 3
  trucesim backtest my-rounds/august-2024.toml --format json
  trucesim backtest --out card.png                   # also draw the scorecard
  trucesim backtest --fitted fitted.toml             # with a parameter file's values in every round

Every round runs with the same seed, in the chunks of 'trucesim run': the same
seed gives the same numbers whatever --workers. A scenario file without
[observed] is refused in one line, exit status 1, as any other input error.
Outputs explore the rounds' stated assumptions; they are not forecasts."""


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        NAME,
        help="score the model on historical rounds: the probability it gave what happened",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "rounds",
        nargs="*",
        metavar="ROUND",
        help="round files (TOML) or shipped round names, e.g. april-2024 (default: every round in scenarios/rounds)",
    )
    p.add_argument(
        "--worlds",
        type=positive_int,
        default=DEFAULT_WORLDS,
        metavar="N",
        help=f"worlds per round (default: {DEFAULT_WORLDS}); the log score's floor is half a world",
    )
    p.add_argument(
        "--seed", type=nonneg_int, default=0, metavar="S", help="root random seed of every round (default: 0)"
    )
    add_workers(p, "running the rounds' chunks", scheduler=True)
    p.add_argument("--format", choices=("text", "json"), default="text", help="the scorecard as readable text or JSON")
    p.add_argument(
        "--fitted",
        metavar="FILE",
        type=Path,
        help="a parameter file (e.g. fitted values from 'trucesim calibrate') applied to every round first",
    )
    p.add_argument(
        "--out", type=Path, metavar="FILE", help="also draw the scorecard (rounds x facts) to FILE (.png, .svg, .pdf)"
    )
    add_dpi(p, "a raster --out figure", same_as_plot=False)
    add_force(p, "--out FILE")
    return p


def main(args) -> int:
    from trucesim.commands.common import FIGURE_FORMATS, check_out, refuse_overwrite, writing
    from trucesim.config.scenario import apply_parameter_file
    from trucesim.history.backtest import score_rounds, to_dict
    from trucesim.history.rounds import in_time_order, load_round, round_name, round_paths
    from trucesim.report.backtest import format_scorecard
    from trucesim.run.chunks import CHUNK_WORLDS, RunError, check_size
    from trucesim.run.executors import ExecutorError, check_options

    force = args.force
    try:  # every option checked before any work
        check_options(args.workers, args.scheduler, force)
        check_size(args.worlds, CHUNK_WORLDS, "--worlds")
    except (ExecutorError, RunError) as e:
        raise UserError(str(e)) from None
    if args.out is not None:
        check_out(args.out, FIGURE_FORMATS)
        refuse_overwrite(args.out, force)
    refuse_dpi_without_raster(args, args.out)
    if args.fitted is not None and not args.fitted.is_file():
        found = "a directory" if args.fitted.is_dir() else "no such file"
        raise UserError(f"--fitted {args.fitted}: expected a parameter file (TOML), found {found}")
    rounds = []
    seen: dict[str, Path] = {}
    for path in round_paths(args.rounds):
        name = round_name(path)  # the scorecard's rows and the JSON's totals are keyed by it
        if name in seen:
            raise UserError(
                f"{path}: expected rounds of distinct names, found {name!r} twice (also {seen[name]}): copy one "
                "under another file name"
            )
        seen[name] = Path(path)
        scenario = load_round(path)  # a scenario without [observed]: a ScenarioError, one line and status 1
        if args.fitted is not None:
            scenario = apply_parameter_file(scenario, args.fitted)
        rounds.append(scenario)
    if not args.rounds:  # every shipped round: in time order; rounds named are kept in the order given
        rounds = in_time_order(rounds)

    start = time.monotonic()

    def said(score) -> None:  # a progress line per round, on stderr
        print(
            f"round {score.name}: {len(score.facts)} facts, {score.worlds:,} worlds, "
            f"{int(score.hit.sum())} hits ({time.monotonic() - start:.1f} s elapsed)",
            file=sys.stderr,
            flush=True,
        )

    try:
        scores = score_rounds(
            rounds, args.worlds, args.seed, workers=args.workers, scheduler=args.scheduler, on_round=said, force=force
        )
    except (ExecutorError, RunError) as e:
        raise UserError(str(e)) from None
    if args.format == "json":
        print(json.dumps(to_dict(scores, args.fitted), indent=2))
    else:
        print(format_scorecard(scores, args.worlds, args.seed, args.fitted))
    if args.out is not None:
        from trucesim.plots.scorecard import write_scorecard

        with writing(args.out):
            write_scorecard(scores, args.out, args.dpi, args.fitted)
        print(f"scorecard figure written to {args.out}", file=sys.stderr)
    return 0
