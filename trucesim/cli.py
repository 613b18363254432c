"""The ``trucesim`` command line: run, check (and, as they land, sweep, plot, report).

Every user error ends with one line on stderr, ``trucesim: error: ...``, and
exit status 1; never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import __version__

EPILOG_RUN = """examples:
  trucesim run scenarios/april-2024.toml
  trucesim run scenarios/april-2024.toml --worlds 100000 --seed 3 --format json
  trucesim run scenarios/april-2024.toml --trace 7          # the story of world 7
  trucesim run scenarios/november-2023.toml --out worlds.parquet

Outputs explore the scenario's stated assumptions; they are not forecasts."""


class UserError(Exception):
    """A problem with what the user asked for; printed as one line."""


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, found {v}")
    return v


def _nonneg_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, found {v}")
    return v


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trucesim",
        description="Simulate how a proposed truce deal fares with the actors who must accept it: "
                    "many worlds of an agent-based model (Mesa) of the spring-2024 Gaza truce talks.",
        epilog="Run 'trucesim COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"trucesim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    run = sub.add_parser(
        "run", help="simulate a scenario over many worlds and summarise the outcomes",
        description="Simulate SCENARIO over many independent worlds (each drawing its own values "
                    "for the scenario's uncertain parameters) and print the probability of a deal, "
                    "each side's acceptance, coalition exits and what followed the deal.",
        epilog=EPILOG_RUN, formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("scenario", metavar="SCENARIO", help="scenario file (TOML), e.g. scenarios/april-2024.toml")
    run.add_argument("--worlds", type=_positive_int, default=10_000, metavar="N",
                     help="number of worlds to simulate (default: 10000)")
    run.add_argument("--seed", type=_nonneg_int, default=0, metavar="S",
                     help="root random seed; the same seed gives the same numbers (default: 0)")
    run.add_argument("--format", choices=("text", "json"), default="text",
                     help="summary as readable text or as JSON (default: text)")
    run.add_argument("--out", metavar="FILE", type=Path,
                     help="also write the per-world outcome table to FILE (.parquet or .csv)")
    run.add_argument("--trace", type=_nonneg_int, metavar="K",
                     help="print a day-by-day narrative of world K (to stderr with --format json)")

    check = sub.add_parser(
        "check", help="validate scenario files",
        description="Validate scenario files: keys, types, ranges, distributions and inheritance. "
                    "Prints one line per file; exit status 1 if any file is invalid.")
    check.add_argument("files", nargs="+", metavar="FILE", help="scenario files (TOML)")
    return parser


def _write_table(path: Path, tables) -> None:
    """Stream tables to ``path`` through a temporary file, renamed when complete."""
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise UserError(f"--out {path}: expected a file name ending in .parquet or .csv, found {suffix or 'no extension'!r}")
    if not path.parent.exists() and str(path.parent) not in ("", "."):
        raise UserError(f"--out {path}: directory {path.parent} does not exist")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq
            writer = None
            try:
                for t in tables:
                    at = pa.Table.from_pandas(t, preserve_index=False)
                    if writer is None:
                        writer = pq.ParquetWriter(tmp, at.schema)
                    writer.write_table(at)
            finally:
                if writer is not None:
                    writer.close()
        else:
            first = True
            for t in tables:
                t.to_csv(tmp, mode="w" if first else "a", header=first, index=False)
                first = False
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def cmd_run(args) -> int:
    import pandas as pd
    from tqdm import tqdm

    from .outcomes import format_text, summarize, to_json
    from .scenario import load_scenario
    from .simulate import CHUNK_WORLDS, iter_tables

    scenario = load_scenario(args.scenario)
    if args.trace is not None and args.trace >= args.worlds:
        raise UserError(f"--trace {args.trace}: expected a world below --worlds ({args.worlds}), found {args.trace}")
    trace_events: list = []
    n_chunks = -(-args.worlds // CHUNK_WORLDS)
    kept: list[pd.DataFrame] = []
    bar = tqdm(total=args.worlds, unit="world", unit_scale=True, disable=None if n_chunks > 1 else True,
               file=sys.stderr, desc="simulating")

    def tables():
        for t in iter_tables(scenario, args.worlds, args.seed, trace=args.trace, on_trace=trace_events.extend):
            kept.append(t)
            bar.update(len(t))
            yield t

    if args.out is not None:
        _write_table(args.out, tables())
    else:
        for _ in tables():
            pass
    bar.close()
    table = pd.concat(kept, ignore_index=True)
    summary = summarize(table, scenario, args.seed)
    trace_text = ""
    if args.trace is not None:
        trace_text = "\n".join([f"world {args.trace}, day by day:"] +
                               [f"  day {day:>3}  {text}" for day, text in trace_events])
    if args.format == "json":
        print(to_json(summary))
        if trace_text:
            print(trace_text, file=sys.stderr)
    else:
        print(format_text(summary, scenario))
        if trace_text:
            print("\n" + trace_text)
    if args.out is not None:
        print(f"per-world outcomes written to {args.out}", file=sys.stderr)
    return 0


def cmd_check(args) -> int:
    from .scenario import ScenarioError, load_scenario

    bad = 0
    for f in args.files:
        try:
            s = load_scenario(f)
        except ScenarioError as e:
            print(f"trucesim: error: {e}", file=sys.stderr)
            bad += 1
        else:
            n_dist = sum(1 for v in s.values.values() if hasattr(v, "draw"))
            print(f"{f}: ok ({len(s.actors)} actors, {len(s.values)} parameters, {n_dist} uncertain)")
    return 1 if bad else 0


COMMANDS = {"run": cmd_run, "check": cmd_check}


def main(argv: list[str] | None = None) -> int:
    from .scenario import ScenarioError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (ScenarioError, UserError) as e:
        print(f"trucesim: error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("trucesim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
