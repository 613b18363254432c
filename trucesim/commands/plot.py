"""``trucesim plot``: one figure from a sweep directory or a scenario file."""

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
    positive_int,
    refuse_dpi_without_raster,
    refuse_overwrite,
    trace_arg,
    traced_rows,
    worlds_int,
    writing,
)
from trucesim.config.tomlio import printable, suggest

NAME = "plot"
#: kind -> (what it needs: "sweep", "scenario" or "either", what it shows)
KINDS = {
    "heatmap": ("sweep", "probability of an outcome over two factors, with the 0.5 contour"),
    "curves": ("sweep", "each side's acceptance and the deal against one factor, with 95% bands"),
    "sobol": ("sweep", "first- and total-order Sobol' indices (a Saltelli Sobol' experiment)"),
    "prim": ("sweep", "PRIM boxes: where in the factors' space the outcome is likely"),
    "days": ("either", "distributions of the deal day and of hostages released"),
    "seats": ("either", "coalition seats kept against the majority"),
    "outcomes": ("either", "the probability of every outcome, with 95% intervals"),
    "timeline": ("scenario", "the day-by-day story of one traced world (--trace K)"),
}
#: option -> the kinds it applies to; any other kind refuses it (--out, --dpi, --force apply to all).
#: --worlds and --seed apply only when the target is a scenario file (a sweep has its own worlds and seed).
APPLIES = {
    "--x": ("heatmap", "curves"),
    "--y": ("heatmap",),
    "--outcome": ("heatmap", "sobol", "prim"),
    "--bins": ("heatmap", "curves"),
    "--trace": ("timeline",),
    "--worlds": ("days", "seats", "outcomes"),
    "--workers": ("days", "seats", "outcomes"),
    "--seed": ("days", "seats", "outcomes", "timeline"),
}
#: the options of APPLIES that only a scenario file takes
SCENARIO_ONLY = ("--worlds", "--workers", "--seed")
EPILOG = (
    """kinds:
"""
    + "\n".join(f"  {k:<9} {v[1]}" for k, v in KINDS.items())
    + """

examples:
  trucesim plot results/prisoners --kind heatmap --x terms.prisoners_per_hostage --y context.us_pressure --out heatmap.png
  trucesim plot results/prisoners --kind curves --x context.us_pressure --out curves.png
  trucesim plot results/sobol --kind sobol --out sobol.png
  trucesim plot results/prisoners --kind seats --out seats.png
  trucesim plot scenarios/april-2024.toml --kind timeline --trace 3 --out world3.png
  trucesim plot scenarios/april-2024.toml --kind days --worlds 20000 --out days.png

DIR is a results directory written by 'trucesim sweep'.  Figures explore the
scenario's stated assumptions; they are not forecasts."""
)


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        NAME,
        help="draw a figure from a sweep directory or a scenario file",
        description="Draw one figure: from a sweep's results directory (heatmap, curves, sobol, prim, "
        "days, seats, outcomes) or from a scenario file (timeline of one world; days, seats "
        "and outcomes over --worlds worlds).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "target", metavar="DIR|SCENARIO", help="results directory of 'trucesim sweep', or a scenario file (TOML)"
    )
    p.add_argument("--kind", required=True, metavar="KIND", help=f"the figure: {', '.join(KINDS)}")
    p.add_argument("--x", metavar="KEY", action=_Given, help="factor on the horizontal axis (heatmap, curves)")
    p.add_argument("--y", metavar="KEY", action=_Given, help="factor on the vertical axis (heatmap)")
    p.add_argument(
        "--outcome",
        default="deal",
        action=_Given,
        metavar="NAME",
        help="yes/no outcome for heatmap, sobol and prim (default: deal; e.g. ID_accepted for a side "
        "with actor id ID, any_exit, permanent)",
    )
    p.add_argument(
        "--bins",
        type=positive_int,
        default=None,
        action=_Given,
        metavar="N",
        help="bins for a continuous factor (default: up to 10, fewer for small designs; a grid's levels are kept)",
    )
    p.add_argument(
        "--trace",
        type=trace_arg,
        default=0,
        action=_Given,
        metavar="K",
        help="world to trace (timeline; default: 0), as 'trucesim run --trace K': a number, or first-deal or "
        f"first-no-deal for the first such world among the first {DEFAULT_WORLDS:,}",
    )
    # the option's former name: hidden, still accepted (`run` calls the traced world --trace)
    p.add_argument("--world", type=trace_arg, dest="trace", action=_Given, help=argparse.SUPPRESS)
    p.add_argument(
        "--worlds",
        type=worlds_int,
        default=DEFAULT_WORLDS,
        action=_Given,
        metavar="N",
        help=f"worlds to simulate when given a scenario (days, seats, outcomes; default: {DEFAULT_WORLDS})",
    )
    add_workers(p, "running a scenario's chunks, when given a scenario of more than 10,000 worlds", action=_Given)
    p.add_argument(
        "--seed",
        type=nonneg_int,
        default=0,
        action=_Given,
        metavar="S",
        help="root seed when given a scenario (default: 0; the same as 'trucesim run --seed')",
    )
    p.add_argument("--out", type=Path, metavar="FILE", help="figure file: .png, .svg or .pdf (default: KIND.png)")
    add_dpi(p, "a PNG", same_as_plot=False)
    add_force(p, "--out FILE", workers=True)
    return p


class _Given(argparse.Action):
    """Store the value and record the option's canonical name in ``namespace.given`` (see :data:`APPLIES`).

    Example: ``--world 3`` sets ``trace = 3`` and adds ``"--trace"`` to ``given``.
    """

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values)
        given = getattr(namespace, "given", None) or set()
        namespace.given = given | {"--" + self.dest.replace("_", "-")}


# ------------------------------------------------------------------------------ checks of the arguments
def check_applies(kind: str, given, scenario_target: bool) -> None:
    """Refuse, with one line, an option given that ``--kind kind`` would ignore (the table :data:`APPLIES`).

    >>> check_applies("curves", {"--x"}, scenario_target=False)
    >>> check_applies("curves", {"--y"}, scenario_target=False)
    Traceback (most recent call last):
    trucesim.commands.common.UserError: --y: does not apply to --kind curves (--y applies to heatmap)
    """
    for option in APPLIES:
        if option not in (given or ()):
            continue
        if kind not in APPLIES[option]:
            raise UserError(
                f"{option}: does not apply to --kind {kind} ({option} applies to {', '.join(APPLIES[option])})"
            )
        if option in SCENARIO_ONLY and not scenario_target:
            raise UserError(
                f"{option}: applies to a scenario file only; a sweep's figure simulates nothing "
                "(it draws the sweep's own worlds, with its seed)"
            )


def check_factor(exp, key: str | None, option: str) -> str:
    """A factor of the sweep named by ``option``, or a one-line :class:`UserError` with a suggestion."""
    if key is None:
        raise UserError(f"{option}: missing (factors of {exp.path}: {', '.join(exp.factors) or 'none'})")
    if key not in exp.factors or key not in exp.worlds.columns:
        hint = suggest(key, exp.factors, cutoff=0.5) or f" (factors: {', '.join(exp.factors) or 'none'})"
        raise UserError(f"{option} {key}: unknown factor of {exp.path}{hint}")
    return key


def check_outcome(df, name: str, option: str = "--outcome") -> str:
    """A yes/no outcome of the table named by ``option``, or a one-line :class:`UserError` with a suggestion."""
    from trucesim.analysis.labels import outcome_names

    names = outcome_names(df)
    if name not in names:
        hint = suggest(name, names, cutoff=0.5) or f" (outcomes: {', '.join(names)})"
        raise UserError(f"{option} {name}: unknown yes/no outcome{hint}")
    return name


def _kind(text: str) -> str:
    if text in KINDS:
        return text
    raise UserError(f"--kind {text}: expected one of {', '.join(KINDS)}{suggest(text, KINDS, cutoff=0.5)}")


def _scenario_figure(args, why: str):
    """The figure of ``--kind`` drawn from a scenario file: one traced world, or ``--worlds`` worlds run."""
    from trucesim import plots
    from trucesim.analysis.results import is_experiment_file
    from trucesim.config.scenario import load_scenario

    target = args.target
    if not target.exists():
        raise UserError(f"{target}: no such file (expected a scenario file, e.g. scenarios/april-2024.toml)")
    if target.is_dir():
        raise UserError(f"{why} needs a scenario file (e.g. scenarios/april-2024.toml), found the directory {target}")
    if is_experiment_file(target):
        raise UserError(
            f"{why} needs a scenario file, found the experiment file {target} (its scenario is named inside it)"
        )
    scenario = load_scenario(target)
    if args.kind == "timeline":
        from trucesim.run.simulate import trace_world

        world = _traced_world(scenario, args.trace, DEFAULT_WORLDS, args.seed)
        events, _row = trace_world(scenario, world, seed=args.seed)
        return plots.timeline(events, scenario=scenario, world=world, seed=args.seed)
    table = _simulated(scenario, args.worlds, args.seed, getattr(args, "workers", None), getattr(args, "force", None))
    if args.kind == "days":
        return plots.distributions(table, scenario=scenario)
    if args.kind == "seats":
        return plots.seats(table, scenario)
    return plots.outcome_bars(table, scenario=scenario)


def _simulated(scenario, worlds: int, seed: int, workers: int | None, force: bool | None = None):
    """The outcome table of ``worlds`` worlds, as ``trucesim run`` simulates them (the same whatever
    ``workers``), with progress."""
    import pandas as pd

    from trucesim.commands.progress import progress
    from trucesim.run.chunks import CHUNK_WORLDS, RunError, check_size, n_chunks
    from trucesim.run.executors import ExecutorError, check_options
    from trucesim.run.simulate import iter_tables, parallel_tables

    chunks = n_chunks(worlds, CHUNK_WORLDS)
    try:
        check_options(workers, force=force)
        check_size(worlds, CHUNK_WORLDS, "--worlds")
        source = (
            parallel_tables(scenario, worlds, seed, workers=workers, force=force)
            if chunks > 1 and workers != 1
            else iter_tables(scenario, worlds, seed)
        )
        with progress(worlds, "world", "simulating", enabled=chunks > 1) as bar:
            tables = []
            for t in source:
                tables.append(t)
                bar.update(len(t))
    except (ExecutorError, RunError) as e:
        raise UserError(str(e)) from None
    return pd.concat(tables, ignore_index=True)


def _traced_world(scenario, target: int | str, worlds: int, seed: int) -> int:
    """The world ``--trace target`` names: the number given, or the first world of its kind among ``worlds``.

    The same world as ``trucesim run SCENARIO --worlds WORLDS --seed SEED --trace TARGET``
    (``plot`` searches the default ``--worlds`` of ``run``).
    """
    from trucesim.run.chunks import RunError
    from trucesim.run.simulate import iter_tables

    if isinstance(target, int):
        return target
    try:
        for table in iter_tables(scenario, worlds, seed):  # chunk by chunk: stops at the first world found
            pick = traced_rows(table, target)
            if pick.any():
                return int(table["world"].to_numpy()[pick.argmax()])
    except RunError as e:
        raise UserError(str(e)) from None
    kind = "with" if target == "first-deal" else "without"
    raise UserError(f"--trace {target}: no world {kind} a deal among the first {worlds:,} (trace one by its number)")


def _sweep_figure(args, why: str):
    """The figure of ``--kind`` drawn from a sweep's results directory."""
    from trucesim import analysis, plots

    kind = args.kind
    exp = analysis.open_results(args.target, why)
    df, scen = exp.worlds, exp.scenario if exp.scenario is not None else exp.scenario_name
    if kind == "heatmap":
        if args.x is None and args.y is None and len(exp.factors) == 2:
            args.x, args.y = exp.factors
        x = check_factor(exp, args.x, "--x")
        y = check_factor(exp, args.y, "--y")
        if x == y:
            raise UserError(f"--y {y}: expected a factor other than --x")
        outcome = check_outcome(df, args.outcome)
        return plots.heatmap(df, x, y, outcome, scenario=scen, bins=args.bins)
    if kind == "curves":
        if args.x is None and len(exp.factors) == 1:
            args.x = exp.factors[0]
        x = check_factor(exp, args.x, "--x")
        return plots.acceptance_curves(df, x, scenario=scen, bins=args.bins)
    if kind == "sobol":
        outcome = check_outcome(df, args.outcome)
        ind = analysis.sweep_sobol(exp, outcome, why=why)
        return plots.sobol_bars(
            ind, scenario=scen, worlds=len(df), outcome=outcome, base_samples=ind.attrs.get("base_samples")
        )
    if kind == "prim":
        outcome = check_outcome(df, args.outcome)
        # the EMA Workbench takes seconds to import and peel: say what is going on
        n = min(len(df), analysis.PRIM_WORLDS)
        print(f"finding PRIM boxes of {outcome} over {n:,} worlds (EMA Workbench)", file=sys.stderr)
        boxes, traj = analysis.sweep_prim(exp, outcome, why=why)
        return plots.prim_plot(boxes, traj, scenario=scen, worlds=len(df), outcome=outcome)
    if kind == "days":
        return plots.distributions(df, scenario=scen)
    if kind == "seats":
        if exp.scenario is None:
            raise UserError(
                f"{exp.path}: --kind seats needs the sweep's scenario file "
                f"({exp.manifest.get('scenario')!r}), which cannot be read from here"
            )
        return plots.seats(df, exp.scenario)
    return plots.outcome_bars(df, scenario=scen)


def main(args) -> int:
    from trucesim.analysis.results import ResultsError
    from trucesim.plots.style import save_figure
    from trucesim.run.chunks import RunError

    kind = args.kind = _kind(args.kind)
    needs = KINDS[kind][0]
    out = check_out(args.out if args.out is not None else Path(f"{kind}.png"), FIGURE_FORMATS)
    refuse_overwrite(out, args.force)
    refuse_dpi_without_raster(args, out)
    from trucesim.config.shipped import resolve

    target = args.target = resolve(args.target, "scenarios")  # a shipped scenario by name, as in run; a path wins
    why = f"--kind {kind}"
    if needs == "either" and target.suffix.lower() == ".toml" and not target.exists():  # a mistyped scenario
        raise UserError(f"{printable(str(target))}: no such file (expected a scenario file, or a results directory)")
    from_scenario = needs == "scenario" or (needs == "either" and target.is_file())
    check_applies(kind, getattr(args, "given", None), from_scenario)
    try:
        if from_scenario:
            fig = _scenario_figure(args, why)
        else:
            fig = _sweep_figure(args, why)
    except (ResultsError, RunError) as e:  # RunError: --trace or --worlds too large, a NaN caught
        raise UserError(str(e)) from None
    with writing(out):
        save_figure(fig, out, dpi=args.dpi)
    print(f"wrote {out}", file=sys.stderr)
    return 0
