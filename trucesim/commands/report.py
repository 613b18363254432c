"""``trucesim report DIR``: one self-contained HTML page of a sweep (see :mod:`trucesim.report.html`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from trucesim.commands.common import UserError, add_force, positive_int, refuse_overwrite
from trucesim.commands.plot import check_out

NAME = "report"
EPILOG = """examples:
  trucesim report results/prisoners --out prisoners.html
  trucesim report results/sobol --out sobol.html --bins 8

The page embeds its figures (base64 PNG): one file to open, mail or archive.
It shows a summary over all worlds, a table per design point, and the figures
that fit the experiment: outcome bars; heatmaps over two factors; acceptance
curves per factor; Sobol' indices (Saltelli Sobol' designs); PRIM boxes;
deal day and hostages released; coalition seats.  Outputs explore the
scenario's stated assumptions; they are not forecasts."""


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        NAME,
        help="write one self-contained HTML page of a sweep's results",
        description="Write one self-contained HTML page of a sweep's results directory: a summary table, "
        "a table per design point and every figure that fits the experiment (images embedded).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("target", metavar="DIR", help="results directory written by 'trucesim sweep'")
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
    p.add_argument(
        "--dpi", type=positive_int, default=100, metavar="N", help="resolution of the figures (default: 100)"
    )
    add_force(p, "--out FILE")
    return p


def main(args) -> int:
    from trucesim.analysis.results import ResultsError, open_results
    from trucesim.report.html import build_report
    from trucesim.sweep.store import write_atomic

    out = check_out(args.out, formats=(".html", ".htm"))
    refuse_overwrite(out, args.force)
    try:
        exp = open_results(Path(args.target), "report")
        print(f"reading {exp.path}: {len(exp.worlds):,} worlds", file=sys.stderr)
        page = build_report(exp, bins=args.bins, dpi=args.dpi, log=lambda m: print(m, file=sys.stderr))
    except ResultsError as e:
        raise UserError(str(e)) from None
    write_atomic(out, page.encode("utf-8"))
    print(f"wrote {out} ({len(page) / 1e6:.1f} MB)", file=sys.stderr)
    return 0
