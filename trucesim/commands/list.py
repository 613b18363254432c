"""``trucesim list``: the shipped scenarios, experiments and historical rounds, with their one-line descriptions."""

from __future__ import annotations

import argparse

NAME = "list"
EPILOG = """examples:
  trucesim list
  trucesim run april-2024                  # a shipped scenario by name, from any directory
  trucesim sweep prisoners-vs-us-pressure --out results/prisoners

A path to a file always wins over a shipped name. A round is a scenario file with an
[observed] table of what happened (in scenarios/rounds): backtest takes its name
(trucesim backtest august-2024); run, check and the other commands take its path
(trucesim check <rounds directory>/august-2024.toml), since a scenario and a round
can share a name (april-2024)."""


def add_parser(sub) -> argparse.ArgumentParser:
    return sub.add_parser(
        NAME,
        help="list the shipped scenarios, experiments, historical rounds and calibrations",
        description="List the scenarios, experiments, historical rounds and calibrations shipped with trucesim, "
        "with their one-line descriptions. Any command taking a scenario (or an experiment) accepts "
        "the names of scenarios and experiments from any directory; a round (a scenario with the "
        "facts of what happened) is given by its path.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def main(args) -> int:
    from trucesim.config.shipped import KINDS, description, shipped, shipped_dir
    from trucesim.config.tomlio import printable

    for i, kind in enumerate(KINDS):
        files = shipped(kind)
        if i:
            print()
        print(f"{kind} ({shipped_dir(kind) or 'none shipped'}):")
        width = max((len(p.stem) for p in files), default=0)
        for p in files:
            print(f"  {p.stem:<{width}}  {printable(description(p))}")
    return 0
