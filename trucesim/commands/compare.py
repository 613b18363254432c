"""``trucesim compare A B [C...]``: scenarios on the same worlds, side by side, with differences from the first."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from trucesim.commands.common import (
    DEFAULT_WORLDS,
    FIGURE_FORMATS,
    UserError,
    add_dpi,
    add_force,
    add_workers,
    check_out,
    nonneg_int,
    refuse_dpi_without_raster,
    refuse_overwrite,
    worlds_int,
    writing,
)

NAME = "compare"
EPILOG = """examples:
  trucesim compare april-2024 april-2024-us-pressure
  trucesim compare april-2024 april-2024-safety-net april-2024-us-pressure --worlds 20000
  trucesim compare scenarios/november-2023.toml april-2024 --format json
  trucesim compare april-2024 april-2024-us-pressure --out compare.png
  trucesim compare april-2024 april-2024-us-pressure --only main,p_accept,blockers

Figures come in groups: main (deal, deal on the first text, government falls, pause
completed, permanent end), hostages, acceptance, deadlines, endings, blockers, coalition, deal_day,
terms, other.
--only chooses groups, summary keys (p_accept: every side) or single figures
(p_accept.hamas), comma separated; the text shows every figure by default, the
figure of --out the groups main, hostages and acceptance.

Every scenario runs on the same worlds: the same seed and the same random stream
per chunk of 10,000 worlds (common random numbers), so a difference reflects the
scenarios, not the luck of the draw.  Differences from the first scenario come
with a 95% interval: paired over the worlds for probabilities (Tango's score
interval, from the worlds gained and lost) and means (Student's t of the per-world
differences), Newcombe's interval of two independent
proportions for shares the summary gives without a per-world column, none for
deal days, signed terms and acceptances near a deadline.  Outputs explore the scenarios' stated assumptions;
they are not forecasts."""


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        NAME,
        help="run several scenarios on the same worlds and show their figures side by side",
        description="Simulate each SCENARIO on the same worlds (the same seed and chunk seeds) and print "
        "every summary figure side by side, with the difference of each scenario from the first and "
        "its 95% interval.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "scenarios",
        nargs="+",
        metavar="SCENARIO",
        help="two or more scenario files (TOML) or shipped scenario names; the first is the reference",
    )
    p.add_argument(
        "--worlds",
        type=worlds_int,
        default=DEFAULT_WORLDS,
        metavar="N",
        help=f"worlds per scenario, the same for each (default: {DEFAULT_WORLDS})",
    )
    p.add_argument(
        "--seed", type=nonneg_int, default=0, metavar="S", help="root random seed shared by every scenario (default: 0)"
    )
    p.add_argument(
        "--format", choices=("text", "json"), default="text", help="the table as readable text or JSON (default: text)"
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="also draw the chosen figures (default: groups main, hostages, acceptance), with intervals, "
        "to FILE (.png, .svg, .pdf)",
    )
    p.add_argument(
        "--only",
        metavar="FIGURES",
        help="show only these figures (text, JSON and figure), comma separated: groups (main, hostages, acceptance, deadlines, endings, "
        "blockers, coalition, deal_day, terms, other, all), summary keys (p_accept) or figures (p_accept.hamas)",
    )
    add_dpi(p, "a raster --out figure")
    add_workers(p, "running the chunks")
    add_force(p, "--out FILE", workers=True)
    return p


def scenario_names(scenarios, given) -> list[str]:
    """How each scenario is named in tables and figures: its name (:func:`~trucesim.config.scenario.scenario_label`,
    as ``trucesim run`` prints it), or as given on the command line if two names clash.

    Examples
    --------
    >>> from types import SimpleNamespace as S
    >>> scenario_names([S(name="april-2024"), S(name="us-eighty")], ["april-2024", "mine/us-eighty.toml"])
    ['april-2024', 'us-eighty']
    >>> scenario_names([S(name="x"), S(name="x")], ["a/x.toml", "b/x.toml"])
    ['a/x.toml', 'b/x.toml']
    """
    names = [s.name for s in scenarios]
    return names if len(set(names)) == len(names) else [str(s) for s in given]


def comparison_chunks(scenarios, worlds: int, seed: int, workers: int | None = None, force: bool | None = None):
    """For each group of chunks of worlds, the outcome tables of every scenario on those worlds, in the scenarios' order.

    World ``i`` of every scenario has the random numbers of world ``i`` under ``seed``
    (:mod:`trucesim.model.streams`): the same worlds as ``trucesim run`` of each
    scenario with that seed, whatever ``workers``.  Their progress is shown on stderr
    (the one progress display) when they are more than one chunk.
    """
    from trucesim.commands.progress import progress
    from trucesim.run.chunks import CHUNK_WORLDS
    from trucesim.run.simulate import scenario_tables

    total = worlds * len(scenarios)
    with progress(total, "world", "simulating", enabled=total > CHUNK_WORLDS) as bar:  # one chunk: too quick
        for tables in scenario_tables(scenarios, worlds, seed, workers, force, CHUNK_WORLDS):
            bar.update(sum(len(t) for t in tables))
            yield tables


def chosen_figures(comparison, only: str | None) -> tuple[list[str] | None, list[str]]:
    """The figures ``--only`` chooses for the text (None: every one) and for the figure, checked before any work.

    The names there are come from the scenarios' empty summaries, so a misspelt
    figure is refused before any world is simulated.
    """
    from trucesim.analysis.compare import flatten
    from trucesim.analysis.compare_groups import FIGURE_GROUPS, select

    names: list[str] = []
    for s in comparison.summaries:
        names += [k for k in flatten(s.result()) if k not in names]
    try:
        if only is None:
            return None, select(names, None, default=FIGURE_GROUPS)
        chosen = select(names, only)
    except ValueError as e:
        raise UserError(str(e)) from None
    return chosen, chosen


def main(args) -> int:
    from trucesim.analysis.compare import Comparison
    from trucesim.config.scenario import load_scenario
    from trucesim.report.comparison import format_comparison
    from trucesim.report.text import to_json
    from trucesim.run.blockers import gate_labels
    from trucesim.run.executors import ExecutorError, TaskError, check_options

    if len(args.scenarios) < 2:
        raise UserError(
            f"expected at least two scenarios to compare, found {len(args.scenarios)} (see 'trucesim compare --help')"
        )
    try:
        check_options(args.workers, force=args.force)
    except ExecutorError as e:
        raise UserError(str(e)) from None
    out = None
    if args.out is not None:
        out = check_out(args.out, FIGURE_FORMATS)
        refuse_overwrite(out, args.force)
    refuse_dpi_without_raster(args, out)
    scenarios = [load_scenario(s) for s in args.scenarios]
    names = scenario_names(scenarios, args.scenarios)
    comparison = Comparison(scenarios, names, args.seed)
    only_text, only_figure = chosen_figures(comparison, args.only)
    try:
        for tables in comparison_chunks(scenarios, args.worlds, args.seed, args.workers, args.force):
            comparison.add(tables)
    except TaskError as e:
        raise UserError(f"a chunk failed: {e.error}") from None
    result = comparison.result()
    labels = {k: v for s in reversed(scenarios) for k, v in gate_labels(s).items()}  # actors, and who holds hostages
    if args.format == "json":
        shown = (
            result
            if only_text is None
            else {**result, "figures": [f for f in result["figures"] if f["figure"] in only_text]}
        )
        print(to_json(shown))
    else:
        print(format_comparison(result, labels, only=only_text))
    if out is not None:
        from trucesim.plots.compare import comparison_bars
        from trucesim.plots.style import save_figure

        fig = comparison_bars(result, labels=labels, only=only_figure)
        with writing(out):
            save_figure(fig, out, dpi=args.dpi)
        print(f"figure written to {out}", file=sys.stderr)
    return 0
