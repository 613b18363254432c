"""``trucesim report DIR | SCENARIO...``: one self-contained HTML page of a sweep, a scenario, or a comparison.

A sweep's page is :mod:`trucesim.report.html`'s; a scenario's (or several scenarios',
simulated on the same worlds) is :mod:`trucesim.report.scenario`'s.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from trucesim.commands.common import (
    DEFAULT_WORLDS,
    UserError,
    add_dpi,
    add_force,
    add_workers,
    check_out,
    nonneg_int,
    positive_int,
    refuse_overwrite,
    worlds_int,
    writing,
)

NAME = "report"
EPILOG = """examples:
  trucesim report results/prisoners --out prisoners.html
  trucesim report results/sobol --out sobol.html --bins 8
  trucesim report april-2024 --out april.html --worlds 20000
  trucesim report april-2024 april-2024-us-pressure --out compare.html

The page embeds its figures (base64 PNG): one file to open, mail or archive.
Of a sweep's results directory, it shows a summary over all worlds, a table
per design point, and the figures that fit the experiment: outcome bars;
heatmaps over two factors; acceptance curves per factor; Sobol' indices
(Saltelli Sobol' designs); PRIM boxes; deal day and hostages released;
coalition seats.  Of a scenario (file or shipped name), it simulates --worlds
worlds and shows every summary figure with its 95% interval, how the talks
ended (and what blocked a deal, where the model reports it), deal day and
hostages released, coalition seats, and one world's story (the first world
with a deal).  Of several scenarios, the same worlds for each, as 'trucesim
compare' does, with the differences from the first.  Outputs explore the
scenario's stated assumptions; they are not forecasts."""


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        NAME,
        help="write one self-contained HTML page of a sweep, a scenario or several scenarios",
        description="Write one self-contained HTML page (images embedded) of a sweep's results directory, "
        "of a scenario run, or of several scenarios compared on the same worlds.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "targets",
        nargs="+",
        metavar="DIR|SCENARIO",
        help="a results directory written by 'trucesim sweep', or one or more scenario files or shipped names",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("report.html"),
        metavar="FILE",
        help="HTML file to write (default: report.html)",
    )
    p.add_argument(
        "--bins",
        type=positive_int,
        default=None,
        metavar="N",
        help="bins for continuous factors (default: up to 10, fewer for small designs; a grid's levels are kept)",
    )
    add_dpi(p, "the figures")
    p.add_argument(
        "--worlds",
        type=worlds_int,
        metavar="N",
        help=f"scenarios only: worlds to simulate, the same for each scenario (default: {DEFAULT_WORLDS})",
    )
    p.add_argument(
        "--seed", type=nonneg_int, metavar="S", help="scenarios only: root random seed, shared by all (default: 0)"
    )
    add_workers(p, "running the scenarios' chunks (scenarios only)")
    add_force(p, "--out FILE", workers=True)
    return p


def main(args) -> int:
    out = check_out(args.out, formats=(".html", ".htm"))
    refuse_overwrite(out, args.force)
    first = Path(args.targets[0])
    if first.is_dir():
        if len(args.targets) > 1:
            raise UserError(f"expected one results directory, or scenarios, found {len(args.targets)} arguments")
        for option in ("worlds", "seed", "workers"):
            if getattr(args, option) is not None:
                raise UserError(f"--{option}: applies to scenarios, not to a sweep's results directory {first}")
        page = _sweep_page(args, first)
    else:
        page = _scenario_page(args)
    from trucesim.run.files import write_atomic

    with writing(out):
        write_atomic(out, page.encode("utf-8"))
    print(f"wrote {out} ({len(page) / 1e6:.1f} MB)", file=sys.stderr)
    return 0


def _sweep_page(args, target: Path) -> str:
    from trucesim.analysis.results import ResultsError, open_results
    from trucesim.report.html import build_report

    try:
        exp = open_results(target, "report")
        print(f"reading {exp.path}: {len(exp.worlds):,} worlds", file=sys.stderr)
        return build_report(exp, bins=args.bins, dpi=args.dpi, log=lambda m: print(m, file=sys.stderr))
    except ResultsError as e:
        raise UserError(str(e)) from None


def _scenario_page(args) -> str:
    import pandas as pd

    from trucesim.analysis.compare import Comparison
    from trucesim.commands.common import file_kind
    from trucesim.commands.compare import comparison_chunks, scenario_names
    from trucesim.config.scenario import load_scenario
    from trucesim.config.shipped import resolve
    from trucesim.report.scenario import ScenarioRun, build_scenario_report
    from trucesim.run.executors import ExecutorError, TaskError, check_options
    from trucesim.run.metrics import Summary
    from trucesim.run.simulate import trace_world

    if args.bins is not None:
        raise UserError("--bins: applies to a sweep's results directory, not to scenarios")
    worlds = args.worlds or DEFAULT_WORLDS
    seed = args.seed or 0
    try:
        check_options(args.workers, force=args.force)
    except ExecutorError as e:
        raise UserError(str(e)) from None
    for t in args.targets:
        path = resolve(t, "scenarios")
        if not path.exists():
            raise UserError(
                f"{t}: no such results directory, scenario file or shipped scenario name "
                "(see 'trucesim list' for the shipped scenarios)"
            )
        if path.suffix.lower() == ".toml" and path.is_file() and file_kind(path) == "experiment":
            raise UserError(
                f"report of the experiment file {t}: sweep it first (trucesim sweep {t} --out DIR), "
                "then report the results directory"
            )
    scenarios = [load_scenario(t) for t in args.targets]
    names = scenario_names(scenarios, args.targets)
    print(f"simulating {len(scenarios)} scenario(s), {worlds:,} worlds each, seed {seed}", file=sys.stderr)
    parts: list[list[pd.DataFrame]] = [[] for _ in scenarios]
    comparison = Comparison(scenarios, names, seed) if len(scenarios) > 1 else None
    try:
        for tables in comparison_chunks(scenarios, worlds, seed, args.workers, args.force):
            if comparison is not None:
                comparison.add(tables)
            for j, t in enumerate(tables):
                parts[j].append(t)
    except TaskError as e:
        raise UserError(f"a chunk failed: {e.error}") from None
    runs = []
    for s, name, ps in zip(scenarios, names, parts):
        table = pd.concat(ps, ignore_index=True)
        deal = table["deal"].to_numpy(bool)
        world = int(table["world"].iloc[deal.argmax()]) if deal.any() else 0
        events, _ = trace_world(s, world, seed)
        runs.append(ScenarioRun(name, s, table, Summary(s, seed).add(table).result(), world, events))
    return build_scenario_report(
        runs,
        seed=seed,
        comparison=comparison.result() if comparison is not None else None,
        dpi=args.dpi,
        log=lambda m: print(m, file=sys.stderr),
    )
