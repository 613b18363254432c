"""``trucesim check FILE...``: validate scenario, round and experiment files."""

from __future__ import annotations

import sys
from pathlib import Path

NAME = "check"


def add_parser(sub):
    check = sub.add_parser(
        NAME,
        help="validate scenario and experiment files",
        description="Validate scenario files (keys, types, ranges, distributions and inheritance) and "
        "experiment files (their scenario, factors and design); each file is checked as the kind "
        "its keys show. A round file (a scenario with an [observed] table of what happened) also "
        "gets its facts checked, and its line says how many it observes. Prints one line per file; "
        "exit status 1 if any file is invalid. A value or observed fact written without a source "
        "(a quote from the article, a cited public figure, or 'assumption: ...') is warned of, one "
        "line naming the file and the key; with --strict it is an error, and the exit status is 2 "
        "(unless a file is invalid: 1).",
    )
    check.add_argument("files", nargs="+", metavar="FILE", help="scenario or experiment files (TOML)")
    check.add_argument(
        "--strict",
        action="store_true",
        help=f"a value without a source is an error (exit status {UNSOURCED}), not a warning",
    )
    return check


#: exit status of ``check --strict`` when a value has no source (and every file is otherwise valid)
UNSOURCED = 2


def unsourced_lines(scenario, strict: bool) -> list[str]:
    """One line per value of ``scenario`` written without a source: a warning, or with ``strict`` an error.

    Examples
    --------
    >>> from types import SimpleNamespace as S
    >>> unsourced_lines(S(unsourced=lambda: [("v.toml", "context.us_pressure")]), strict=False)
    ['trucesim: warning: v.toml: context.us_pressure: no source (write { value = .., source = ".." })']
    """
    level = "error" if strict else "warning"
    return [
        f'trucesim: {level}: {file}: {key}: no source (write {{ value = .., source = ".." }})'
        for file, key in scenario.unsourced()
    ]


def _facts(n: int) -> str:
    """``n`` observed facts in words: ``_facts(1) == "1 fact"``, ``_facts(7) == "7 facts"``."""
    return f"{n} fact" + ("" if n == 1 else "s")


def main(args) -> int:
    from trucesim.commands.common import file_kind
    from trucesim.config.distributions import Dist
    from trucesim.config.scenario import ScenarioError, load_scenario
    from trucesim.config.shipped import resolve
    from trucesim.config.tomlio import printable
    from trucesim.sweep.experiment import ExperimentError, load_experiment

    bad = unsourced = 0
    for name in args.files:
        f = resolve(name, "scenarios")  # a shipped file by name; a path wins
        if f == Path(name):
            f = resolve(name, "experiments")
        try:
            if file_kind(f) == "experiment":
                exp = load_experiment(f)
                print(
                    f"{f}: ok (experiment: {exp.n_points:,} points x {exp.worlds_per_point:,} worlds, "
                    f"scenario {exp.scenario_ref})"
                )
                continue
            s = load_scenario(f)
        except (ScenarioError, ExperimentError) as e:
            print(f"trucesim: error: {printable(str(e))}", file=sys.stderr)
            bad += 1
        else:
            missing = unsourced_lines(s, args.strict)
            for line in missing:
                print(printable(line), file=sys.stderr)
            if missing and args.strict:
                unsourced += 1
                continue
            n_dist = sum(isinstance(v, Dist) for v in s.values.values())
            facts = f"; a round observing {_facts(len(s.observed))}" if s.observed else ""
            print(f"{f}: ok ({len(s.actors)} actors, {len(s.values)} parameters, {n_dist} uncertain{facts})")
    return 1 if bad else UNSOURCED if unsourced else 0
