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
    nonneg_int,
    positive_int,
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
    p.add_argument(
        "--workers",
        type=positive_int,
        metavar="N",
        help="processes running the rounds' chunks (default: all cores; 1 runs in this process); "
        "with --scheduler local, the LocalCluster's workers; the numbers do not depend on it",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on Dask: 'local' starts a LocalCluster, tcp://HOST:PORT uses a running cluster's "
        "scheduler (default: no Dask, a process pool)",
    )
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


def _num(x, width: int, digits: int) -> str:
    return f"{'n/a':>{width}}" if x is None else f"{x:{width}.{digits}f}"


def shown_path(path: str | Path) -> str:
    """A path as the user would type it: relative to the working directory when it is below it.

    >>> shown_path(Path.cwd() / "scenarios" / "rounds" / "april-2024.toml")
    'scenarios/rounds/april-2024.toml'
    """
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


def format_scorecard(scores, worlds: int, seed: int, fitted: Path | None = None) -> str:
    """The scorecard as text: a table per round, then the totals and the coin's reference.

    Examples
    --------
    >>> import numpy as np
    >>> from trucesim.config.observed import Observed
    >>> from trucesim.history.backtest import RoundScore
    >>> r = RoundScore("toy", "toy.toml", (Observed("deal", "deal", False, ""),), np.array([0.8]), 1000, 0)
    >>> print(format_scorecard([r], 1000, 0).splitlines()[0])
    Backtest of 1 round, 1,000 worlds each, seed 0
    """
    from trucesim.history.backtest import scorecard, totals

    n = len(scores)
    head = f"Backtest of {n} round{'s' if n != 1 else ''}, {worlds:,} worlds each, seed {seed}"
    if fitted is not None:
        head += f", with the values of {fitted} applied to every round"
    lines = [
        head,
        "p: the model's probability of what happened (share of worlds); hit: p >= 0.5; "
        "Brier (1-p)^2 and log -ln p (nats): lower is better",
    ]
    card = scorecard(scores)
    fact_w = max([len("fact"), *(len(f) for f in card["fact"])])
    obs_w = max([len("what happened"), *(len(o) for o in card["observed"])])
    for s in scores:
        lines += ["", f"{s.name}  ({shown_path(s.path)})"]
        lines.append(f"  {'fact':<{fact_w}}  {'what happened':<{obs_w}}  {'p':>6}  {'':4}  {'Brier':>6}  {'log':>6}")
        for row in card[card["round"] == s.name].itertuples():
            lines.append(
                f"  {row.fact:<{fact_w}}  {row.observed:<{obs_w}}  {row.p:6.3f}  {'hit' if row.hit else 'miss':4}  "
                f"{row.brier:6.3f}  {row.log:6.3f}"
            )
    t = totals(scores)
    name_w = max([len("all rounds"), len("coin (p = 0.5)"), *(len(s.name) for s in scores)])
    lines += [
        "",
        "Totals",
        f"  {'round':<{name_w}}  {'facts':>5}  {'hits':>4}  {'mean Brier':>10}  {'mean log':>8}  against the coin",
    ]
    rows = [*t["rounds"].items(), ("all rounds", t["overall"])]
    for name, v in rows:
        lines.append(
            f"  {name:<{name_w}}  {v['facts']:5d}  {v['hits']:4d}  {_num(v['brier'], 10, 3)}  {_num(v['log'], 8, 3)}  "
            f"{against_coin(v, t['coin'])}"
        )
    lines.append(f"  {'coin (p = 0.5)':<{name_w}}  {'':5}  {'':4}  {t['coin']['brier']:10.3f}  {t['coin']['log']:8.3f}")
    lines += overlap_note(scores)
    lines += ["", "Outputs explore the rounds' stated assumptions; they are not forecasts."]
    return "\n".join(lines)


def against_coin(total: dict, coin: dict) -> str:
    """A total's mean scores against the coin's, in words (lower is better; a tie is no better).

    Examples
    --------
    >>> coin = {"brier": 0.25, "log": 0.693}
    >>> against_coin({"brier": 0.1, "log": 0.3}, coin), against_coin({"brier": 0.4, "log": 1.2}, coin)
    ('better than the coin', 'worse than the coin (Brier and log)')
    >>> against_coin({"brier": 0.2, "log": 0.9}, coin)
    'worse than the coin on log; better on Brier'
    """
    if total["brier"] is None or total["log"] is None:
        return "n/a"
    worse = [name for name, key in (("Brier", "brier"), ("log", "log")) if total[key] >= coin[key]]
    if not worse:
        return "better than the coin"
    if len(worse) == 2:
        return "worse than the coin (Brier and log)"
    better = "log" if worse == ["Brier"] else "Brier"
    return f"worse than the coin on {worse[0]}; better on {better}"


#: facts that one outcome of the model settles together: a world without a deal releases no
#: hostage and reaches no permanent end
OVERLAPPING = ("deal", "hostages_released", "permanent_end")


def overlap_note(scores) -> list[str]:
    """A note under the totals when a round scores facts that overlap (:data:`OVERLAPPING`), else nothing."""
    if not any(sum(f.key in OVERLAPPING for f in s.facts) > 1 for s in scores):
        return []
    return [
        "",
        "Some facts overlap: a world without a deal releases no hostage and reaches no permanent end, so in a",
        "round without a deal, no deal, nothing released and no permanent end are largely one outcome scored",
        "up to three times (the totals weigh it accordingly; they are not independent facts).",
    ]


def main(args) -> int:
    from trucesim.commands.common import FIGURE_FORMATS, check_out, refuse_overwrite, writing
    from trucesim.config.scenario import apply_parameter_file
    from trucesim.history.backtest import score_rounds, to_dict
    from trucesim.history.rounds import in_time_order, load_round, round_paths
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
    if args.fitted is not None and not args.fitted.is_file():
        found = "a directory" if args.fitted.is_dir() else "no such file"
        raise UserError(f"--fitted {args.fitted}: expected a parameter file (TOML), found {found}")
    rounds = []
    for path in round_paths(args.rounds):
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
