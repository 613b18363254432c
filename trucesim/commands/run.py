"""``trucesim run SCENARIO``: simulate a scenario over many worlds and summarise the outcomes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from trucesim.commands.common import (
    DEFAULT_WORLDS,
    UserError,
    add_force,
    add_workers,
    check_out,
    nonneg_int,
    refuse_overwrite,
    trace_arg,
    traced_rows,
    worlds_int,
    write_table,
)

NAME = "run"
EPILOG = """examples:
  trucesim run scenarios/april-2024.toml
  trucesim run scenarios/april-2024.toml --worlds 100000 --seed 3 --format json
  trucesim run scenarios/april-2024.toml --trace 7          # the story of world 7
  trucesim run scenarios/april-2024.toml --trace first-deal # the story of the first world with a deal
  trucesim run scenarios/november-2023.toml --out worlds.parquet

Outputs explore the scenario's stated assumptions; they are not forecasts."""


def add_parser(sub) -> argparse.ArgumentParser:
    run = sub.add_parser(
        NAME,
        help="simulate a scenario over many worlds and summarise the outcomes",
        description="Simulate SCENARIO over many independent worlds (each drawing its own values "
        "for the scenario's uncertain parameters) and print the probability of a deal, "
        "each side's acceptance, coalition exits and what followed the deal.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "scenario",
        metavar="SCENARIO",
        help="scenario file (TOML) or a shipped scenario's name, e.g. my-variant.toml or april-2024",
    )
    run.add_argument(
        "--worlds",
        type=worlds_int,
        default=DEFAULT_WORLDS,
        metavar="N",
        help=f"number of worlds to simulate (default: {DEFAULT_WORLDS})",
    )
    run.add_argument(
        "--seed",
        type=nonneg_int,
        default=0,
        metavar="S",
        help="root random seed; the same seed gives the same numbers (default: 0)",
    )
    run.add_argument(
        "--format", choices=("text", "json"), default="text", help="summary as readable text or as JSON (default: text)"
    )
    run.add_argument(
        "--out", metavar="FILE", type=Path, help="also write the per-world outcome table to FILE (.parquet or .csv)"
    )
    run.add_argument(
        "--trace",
        type=trace_arg,
        metavar="K",
        help="print a day-by-day narrative of world K, ending with a one-line verdict (to stderr with "
        "--format json); K may be first-deal or first-no-deal to pick the first world of that kind",
    )
    add_workers(run, "running more than one chunk of 10,000 worlds")
    add_force(run, "--out FILE", workers=True)
    return run


def main(args) -> int:
    from trucesim.commands.progress import progress
    from trucesim.config.scenario import load_scenario
    from trucesim.report.text import format_text, to_json, trace_story
    from trucesim.run.chunks import CHUNK_WORLDS, RunError, check_size, n_chunks
    from trucesim.run.executors import ExecutorError, check_options
    from trucesim.run.metrics import Summary
    from trucesim.run.simulate import iter_tables, parallel_tables, trace_world

    scenario = load_scenario(args.scenario)
    try:  # too many --workers: one line before any work
        check_options(args.workers, force=getattr(args, "force", None))
        check_size(args.worlds, CHUNK_WORLDS, "--worlds")
    except (ExecutorError, RunError) as e:
        raise UserError(str(e)) from None
    if args.out is not None:
        check_out(args.out)  # before the simulation, not after it (an outcome table: .parquet or .csv)
        refuse_overwrite(args.out, args.force)
    target = args.trace
    numbered = isinstance(target, int)
    if numbered and target >= args.worlds:
        raise UserError(f"--trace {target}: expected a world below --worlds ({args.worlds}), found {target}")
    trace_events: list = []
    traced: dict = {}  # the traced world's outcome row, found as the tables stream by
    chunks = n_chunks(args.worlds, CHUNK_WORLDS)
    summary = Summary(scenario, args.seed)  # streamed: memory stays that of one group of chunks
    bar = progress(args.worlds, "world", "simulating", enabled=chunks > 1)  # one chunk: too quick to show

    if chunks > 1 and args.workers != 1:
        slim = args.out is None and target is None  # only the summary's columns come back from the workers
        source = parallel_tables(
            scenario,
            args.worlds,
            args.seed,
            workers=args.workers,
            force=getattr(args, "force", None),
            columns=summary.columns if slim else None,
        )
    else:
        trace = target if numbered else None
        source = iter_tables(scenario, args.worlds, args.seed, trace=trace, on_trace=trace_events.extend)

    def tables():
        for t in source:
            summary.add(t)
            bar.update(len(t))
            if target is not None and not traced:
                pick = traced_rows(t, target)
                if pick.any():
                    traced["row"] = t[pick].iloc[0]
            yield t

    try:  # a chunk that failed, a worker that died, a NaN caught: one line
        if args.out is not None:
            write_table(args.out, tables())
        else:
            for _ in tables():
                pass
    except RunError as e:
        raise UserError(str(e)) from None
    bar.close()
    result = summary.result()
    trace_text = ""
    if target is not None and not traced:
        kind = "with" if target == "first-deal" else "without"
        trace_text = f"--trace {target}: no world {kind} a deal among the {args.worlds:,} simulated"
    elif target is not None:
        row = traced["row"]
        world = int(row["world"])
        if not trace_events:  # run in a pool, or picked by kind: its chunk again here (tracing changes no outcome)
            trace_events = trace_world(scenario, world, args.seed)[0]
        trace_text = trace_story(world, trace_events, row, scenario)
    if args.format == "json":
        print(to_json(result))
        if trace_text:
            print(trace_text, file=sys.stderr)
    else:
        print(format_text(result, scenario))
        if trace_text:
            print("\n" + trace_text)
    if args.out is not None:
        print(f"per-world outcomes written to {args.out}", file=sys.stderr)
    return 0
