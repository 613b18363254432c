"""``trucesim export DIR --format ema``: a sweep's worlds for another tool (see :mod:`trucesim.analysis.export`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from trucesim.commands.common import UserError, add_force, check_out, refuse_overwrite, writing

NAME = "export"
FORMATS = {"ema": (".tar.gz",)}
EPILOG = """examples:
  trucesim export results/prisoners --format ema --out prisoners.tar.gz

then, in Python:
  from ema_workbench import load_results
  experiments, outcomes = load_results("prisoners.tar.gz")

--format ema writes the EMA Workbench's (experiments, outcomes) archive, as
ema_workbench.save_results does: one experiment per world (the sweep's factors,
its design point and world number) and one scalar outcome per outcome column.
To read a sweep with DuckDB or polars instead, read its parquet files directly
(see docs/experiments.md, "Other tools: EMA Workbench, DuckDB, polars")."""


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        NAME,
        help="write a sweep's worlds in another tool's format (EMA Workbench)",
        description="Write the worlds of a sweep's results directory in another tool's format: "
        "--format ema writes the EMA Workbench's (experiments, outcomes) archive, which "
        "ema_workbench.load_results reads.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("target", metavar="DIR", help="results directory written by 'trucesim sweep'")
    p.add_argument(
        "--format", choices=tuple(FORMATS), default="ema", help="the format to write (default: ema, the only one)"
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="file to write (default: DIR's name + .tar.gz, in the current directory)",
    )
    add_force(p, "--out FILE")
    return p


def main(args) -> int:
    from trucesim.analysis.export import write_ema
    from trucesim.analysis.results import ResultsError, open_results

    suffixes = FORMATS[args.format]
    out = args.out if args.out is not None else Path(Path(args.target).resolve().name + suffixes[0])
    check_out(out, suffixes)
    refuse_overwrite(out, args.force)
    try:
        results = open_results(Path(args.target), "export")
    except ResultsError as e:
        raise UserError(str(e)) from None
    from trucesim.commands.progress import progress

    bar = None

    def on_member(done: int, total: int) -> None:  # an archive of a million worlds takes minutes to compress
        nonlocal bar
        if bar is None:
            bar = progress(total, "file", f"export {out.name}", leave=False)
        bar.update(done - bar.n)

    try:
        with writing(out):
            write_ema(results, out, on_member)
    finally:
        if bar is not None:
            bar.close()
    print(
        f"wrote {out}: {len(results.worlds):,} worlds as EMA Workbench experiments and outcomes "
        f"(read with ema_workbench.load_results)",
        file=sys.stderr,
    )
    return 0
