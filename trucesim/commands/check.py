"""``trucesim check FILE...``: validate scenario, round, experiment, calibration and parameter files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

NAME = "check"
EPILOG = """examples:
  trucesim check my-variant.toml                      # a scenario: keys, types, ranges, what it extends
  trucesim check april-2024 prisoners-vs-us-pressure   # shipped files, by name
  trucesim check scenarios/rounds/*.toml --strict      # rounds, and every value needs a source
  trucesim check calibration/joint.toml scenarios/fitted/joint.toml

Each file prints one line: "FILE: ok (...)" on stdout, or on stderr
"trucesim: error: FILE: KEY: expected ..., found ..."; a value without a source adds a
line of its own."""


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
        "(unless a file is invalid: 1). A calibration file (rounds, priors, fit) and a parameter file "
        "(fitted values only, as scenarios/fitted/joint.toml) are checked as such.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="scenario, round, experiment, calibration or parameter files (TOML), or shipped names",
    )
    check.add_argument(
        "--strict",
        action="store_true",
        help=f"a value without a source is an error (exit status {UNSOURCED}), not a warning",
    )
    return check


#: exit status of ``check --strict`` when a value has no source (and every file is otherwise valid)
UNSOURCED = 2


def unsourced_lines(missing: list[tuple[str, str]], strict: bool) -> list[str]:
    """One line per ``(file, key)`` written without a source: a warning, or with ``strict`` an error.

    Examples
    --------
    >>> unsourced_lines([("v.toml", "context.us_pressure")], strict=False)
    ['trucesim: warning: v.toml: context.us_pressure: no source (write { value = .., source = ".." })']
    """
    level = "error" if strict else "warning"
    return [
        f'trucesim: {level}: {file}: {key}: no source (write {{ value = .., source = ".." }})' for file, key in missing
    ]


def _warn_unsourced(missing: list[tuple[str, str]], strict: bool) -> bool:
    """Print :func:`unsourced_lines` on stderr; whether they fail the file (``strict`` and a value unsourced)."""
    from trucesim.config.tomlio import printable

    for line in unsourced_lines(missing, strict):
        print(printable(line), file=sys.stderr)
    return bool(missing) and strict


def _facts(n: int) -> str:
    """``n`` observed facts in words: ``_facts(1) == "1 fact"``, ``_facts(7) == "7 facts"``."""
    return f"{n} fact" + ("" if n == 1 else "s")


def _other_kind(path: Path) -> tuple[str, list[tuple[str, str]]] | None:
    """The ok line of a calibration file or a parameter file, checked as such, and the ``(file, key)`` of
    each value a parameter file writes without a source; ``None`` for any other file.

    A calibration file has ``rounds`` and ``fit`` (``calibration/joint.toml``); a parameter file
    has only values in the scenario's tables, no actor kinds (``scenarios/fitted/joint.toml``,
    which ``trucesim calibrate`` writes and the shipped scenarios extend). Raises the loader's
    one-line error if the file is invalid.
    """
    from trucesim.config.calibration import load_calibration
    from trucesim.config.observed import NOT_STATED
    from trucesim.config.scenario import PARAMETER_TABLES, apply_parameter_file, load_scenario, stated
    from trucesim.config.scenario_files import flatten_table
    from trucesim.config.shipped import resolve
    from trucesim.config.tomlio import TomlError, read_toml

    try:
        raw = read_toml(path, str(path))
    except (TomlError, ValueError):
        return None  # the scenario loader names the problem
    if "rounds" in raw and "fit" in raw:
        cal = load_calibration(path)
        return f"{path}: ok (calibration: {len(cal.fit)} values fitted to {len(cal.rounds)} rounds)", []
    actors = raw.get("actors", {})
    kinds = isinstance(actors, dict) and any(isinstance(a, dict) and "kind" in a for a in actors.values())
    if raw and set(raw) <= set(PARAMETER_TABLES) and not kinds:
        base = load_scenario(resolve("april-2024", "scenarios"))
        apply_parameter_file(base, path)  # every key known and in range, or one line naming it
        leaves = flatten_table(raw, str(path))
        n = len(leaves)
        unsourced = [
            (str(path), key)
            for key, v in leaves.items()
            if stated(v.get("source") if isinstance(v, dict) else None) == NOT_STATED
        ]
        line = (
            f"{path}: ok (parameter file: {n} value{'' if n == 1 else 's'}, each a key of the shipped scenarios "
            f"in range; not a scenario by itself: a scenario's extends or backtest --fitted applies it)"
        )
        return line, unsourced
    return None


def main(args) -> int:
    from trucesim.commands.common import file_kind
    from trucesim.config.calibration import CalibrationError
    from trucesim.config.distributions import Dist
    from trucesim.config.scenario import ScenarioError, load_scenario
    from trucesim.config.shipped import resolve
    from trucesim.config.tomlio import printable
    from trucesim.sweep.experiment import ExperimentError, load_experiment

    bad = unsourced = 0
    for name in args.files:
        f = resolve(name, "scenarios")  # a shipped file by name; a path wins
        for kind in ("experiments", "calibrations"):
            if f == Path(name):
                f = resolve(name, kind)
        try:
            other = _other_kind(f)
            if other is not None:
                line, missing_sources = other
                if _warn_unsourced(missing_sources, args.strict):
                    unsourced += 1
                    continue
                print(line)
                continue
            if file_kind(f) == "experiment":
                exp = load_experiment(f)
                print(
                    f"{f}: ok (experiment: {exp.n_points:,} points x {exp.worlds_per_point:,} worlds, "
                    f"scenario {exp.scenario_ref})"
                )
                continue
            s = load_scenario(f)
        except (ScenarioError, ExperimentError, CalibrationError) as e:
            print(f"trucesim: error: {printable(str(e))}", file=sys.stderr)
            bad += 1
        else:
            if _warn_unsourced(s.unsourced(), args.strict):
                unsourced += 1
                continue
            n_dist = sum(isinstance(v, Dist) for v in s.values.values())
            facts = f"; a round observing {_facts(len(s.observed))}" if s.observed else ""
            print(f"{f}: ok ({len(s.actors)} actors, {len(s.values)} parameters, {n_dist} uncertain{facts})")
    return 1 if bad else UNSOURCED if unsourced else 0
