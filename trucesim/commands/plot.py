"""``trucesim plot``: one figure from a sweep directory or a scenario file."""

from __future__ import annotations

import argparse
import difflib
import sys
import tomllib
from pathlib import Path

from trucesim.commands.common import UserError, nonneg_int, positive_int

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
    "timeline": ("scenario", "the day-by-day story of one traced world (--world K)"),
}
FORMATS = (".png", ".svg", ".pdf")
EPILOG = """kinds:
""" + "\n".join(f"  {k:<9} {v[1]}" for k, v in KINDS.items()) + """

examples:
  trucesim plot results/prisoners --kind heatmap --x terms.prisoners_per_hostage --y context.us_pressure --out heatmap.png
  trucesim plot results/prisoners --kind curves --x context.us_pressure --out curves.png
  trucesim plot results/sobol --kind sobol --out sobol.png
  trucesim plot results/prisoners --kind seats --out seats.png
  trucesim plot scenarios/april-2024.toml --kind timeline --world 3 --out world3.png
  trucesim plot scenarios/april-2024.toml --kind days --worlds 20000 --out days.png

DIR is a results directory written by 'trucesim sweep'.  Figures explore the
scenario's stated assumptions; they are not forecasts."""


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        NAME, help="draw a figure from a sweep directory or a scenario file",
        description="Draw one figure: from a sweep's results directory (heatmap, curves, sobol, prim, "
                    "days, seats, outcomes) or from a scenario file (timeline of one world; days, seats "
                    "and outcomes over --worlds worlds).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", metavar="DIR|SCENARIO",
                   help="results directory of 'trucesim sweep', or a scenario file (TOML)")
    p.add_argument("--kind", required=True, metavar="KIND",
                   help=f"the figure: {', '.join(KINDS)}")
    p.add_argument("--x", metavar="KEY", help="factor on the horizontal axis (heatmap, curves)")
    p.add_argument("--y", metavar="KEY", help="factor on the vertical axis (heatmap)")
    p.add_argument("--outcome", default="deal", metavar="NAME",
                   help="yes/no outcome for heatmap, sobol and prim (default: deal; e.g. hamas_accepted, "
                        "israel_accepted, any_exit, permanent)")
    p.add_argument("--bins", type=positive_int, default=None, metavar="N",
                   help="bins for a continuous factor (default: up to 10, fewer for small designs; "
                        "a grid's levels are kept)")
    p.add_argument("--world", type=nonneg_int, default=0, metavar="K", help="world to trace (timeline; default: 0)")
    p.add_argument("--worlds", type=positive_int, default=10_000, metavar="N",
                   help="worlds to simulate when given a scenario (days, seats, outcomes; default: 10000)")
    p.add_argument("--seed", type=nonneg_int, default=0, metavar="S",
                   help="root seed when given a scenario (default: 0; the same as 'trucesim run --seed')")
    p.add_argument("--out", type=Path, metavar="FILE",
                   help="figure file: .png, .svg or .pdf (default: KIND.png)")
    p.add_argument("--dpi", type=positive_int, default=150, metavar="N", help="resolution of a PNG (default: 150)")
    return p


# ------------------------------------------------------------------------------ shared with report
def is_experiment_file(path: Path) -> bool:
    """Whether a TOML file is an experiment file (it has ``factors``) rather than a scenario."""
    try:
        with path.open("rb") as f:
            raw = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError):
        return False
    return "factors" in raw and "actors" not in raw


def open_sweep(target: Path, why: str):
    """Read a sweep directory, or raise a one-line :class:`UserError` saying what ``why`` needs."""
    from trucesim.analysis.probability import load_results

    if not target.exists():
        raise UserError(f"{target}: no such directory (expected a results directory written by 'trucesim sweep')")
    if target.is_file():
        if target.suffix.lower() == ".toml" and is_experiment_file(target):
            raise UserError(f"{why} needs a sweep's results directory, found the experiment file {target}; "
                            f"run it first: trucesim sweep {target} --out DIR")
        if target.suffix.lower() == ".toml":
            raise UserError(f"{why} needs a sweep's results directory, found the scenario file {target}; "
                            f"sweep an experiment first (trucesim sweep EXPERIMENT.toml --out DIR)")
        raise UserError(f"{target}: expected a results directory written by 'trucesim sweep', found a file")
    try:
        exp = load_results(target)
    except (OSError, ValueError) as e:
        raise UserError(str(e).splitlines()[0] if str(e) else f"{target}: cannot read the sweep") from None
    if len(exp.worlds) == 0:
        raise UserError(f"{target}: the sweep holds no worlds yet (run it, or resume it with --resume)")
    return exp


def check_out(path: Path, formats=FORMATS, option: str = "--out") -> Path:
    """Check an output file name: a known suffix, an existing directory."""
    suffix = path.suffix.lower()
    if suffix not in formats:
        raise UserError(f"{option} {path}: expected a file name ending in {', '.join(formats)}, "
                        f"found {suffix or 'no extension'!r}")
    if str(path.parent) not in ("", ".") and not path.parent.is_dir():
        raise UserError(f"{option} {path}: directory {path.parent} does not exist")
    if path.is_dir():
        raise UserError(f"{option} {path}: expected a file name, found a directory")
    return path


def check_factor(exp, key: str | None, option: str) -> str:
    if key is None:
        raise UserError(f"{option}: missing (factors of {exp.path}: {', '.join(exp.factors) or 'none'})")
    if key not in exp.factors or key not in exp.worlds.columns:
        close = difflib.get_close_matches(key, exp.factors, n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (factors: {', '.join(exp.factors) or 'none'})"
        raise UserError(f"{option} {key}: unknown factor of {exp.path}{hint}")
    return key


def check_outcome(df, name: str, option: str = "--outcome") -> str:
    from trucesim.analysis.probability import outcome_names

    names = outcome_names(df)
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (outcomes: {', '.join(names)})"
        raise UserError(f"{option} {name}: unknown yes/no outcome{hint}")
    return name


def sobol_of(exp, outcome: str = "deal"):
    """Sobol' indices of a sweep, or a one-line :class:`UserError` if its design is not a Saltelli one."""
    from trucesim.analysis.probability import sobol_indices

    if exp.design_kind != "sobol" or not (exp.manifest.get("design") or {}).get("saltelli"):
        raise UserError(f"--kind sobol needs a Sobol' experiment laid out for Saltelli "
                        f"([design] kind = \"sobol\", saltelli = true, e.g. experiments/sobol-main.toml); "
                        f"{exp.path} has a {exp.design_kind} design"
                        + ("" if exp.design_kind != "sobol" else " without saltelli = true"))
    try:
        return sobol_indices(exp.worlds, exp.manifest["design"], outcome)
    except ValueError as e:
        raise UserError(f"{exp.path}: {e}") from None


def _kind(text: str) -> str:
    if text in KINDS:
        return text
    close = difflib.get_close_matches(text, list(KINDS), n=1, cutoff=0.5)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise UserError(f"--kind {text}: expected one of {', '.join(KINDS)}{hint}")


def _scenario_run(args, why: str):
    from trucesim.analysis.probability import trace_world
    from trucesim.config.scenario import load_scenario
    from trucesim.run.simulate import simulate

    target = args.target
    if not target.exists():
        raise UserError(f"{target}: no such file (expected a scenario file, e.g. scenarios/april-2024.toml)")
    if target.is_dir():
        raise UserError(f"{why} needs a scenario file (e.g. scenarios/april-2024.toml), found the directory {target}")
    if is_experiment_file(target):
        raise UserError(f"{why} needs a scenario file, found the experiment file {target} "
                        f"(its scenario is named inside it)")
    scenario = load_scenario(target)
    if args.kind == "timeline":
        return scenario, trace_world(scenario, args.world, seed=args.seed)
    return scenario, simulate(scenario, args.worlds, seed=args.seed)


def main(args) -> int:
    from trucesim import plots

    kind = args.kind = _kind(args.kind)
    needs = KINDS[kind][0]
    out = check_out(args.out if args.out is not None else Path(f"{kind}.png"))
    target = args.target = Path(args.target)
    why = f"--kind {kind}"
    as_scenario = needs == "scenario" or (needs == "either" and target.is_file())

    if as_scenario:
        scenario, data = _scenario_run(args, why)
        if kind == "timeline":
            events, _row = data
            fig = plots.timeline(events, scenario=scenario, world=args.world, seed=args.seed)
        elif kind == "days":
            fig = plots.distributions(data, scenario=scenario)
        elif kind == "seats":
            fig = plots.seats(data, scenario)
        else:
            fig = plots.outcome_bars(data, scenario=scenario)
        return _save(fig, out, args)

    exp = open_sweep(target, why)
    df, scen = exp.worlds, exp.scenario if exp.scenario is not None else exp.scenario_name
    if kind == "heatmap":
        if args.x is None and args.y is None and len(exp.factors) == 2:
            args.x, args.y = exp.factors
        x = check_factor(exp, args.x, "--x")
        y = check_factor(exp, args.y, "--y")
        if x == y:
            raise UserError(f"--y {y}: expected a factor other than --x")
        outcome = check_outcome(df, args.outcome)
        fig = plots.heatmap(df, x, y, outcome, scenario=scen, bins=args.bins)
    elif kind == "curves":
        if args.x is None and len(exp.factors) == 1:
            args.x = exp.factors[0]
        x = check_factor(exp, args.x, "--x")
        fig = plots.acceptance_curves(df, x, scenario=scen, bins=args.bins)
    elif kind == "sobol":
        outcome = check_outcome(df, args.outcome)
        ind = sobol_of(exp, outcome)
        fig = plots.sobol_bars(ind, scenario=scen, worlds=len(df), outcome=outcome,
                               base_samples=ind.attrs.get("base_samples"))
    elif kind == "prim":
        outcome = check_outcome(df, args.outcome)
        boxes, traj = prim_of(exp, outcome)
        fig = plots.prim_plot(boxes, traj, scenario=scen, worlds=len(df), outcome=outcome)
    elif kind == "days":
        fig = plots.distributions(df, scenario=scen)
    elif kind == "seats":
        if exp.scenario is None:
            raise UserError(f"{exp.path}: --kind seats needs the sweep's scenario file "
                            f"({exp.manifest.get('scenario')!r}), which cannot be read from here")
        fig = plots.seats(df, exp.scenario)
    else:
        fig = plots.outcome_bars(df, scenario=scen)
    return _save(fig, out, args)


def prim_of(exp, outcome: str = "deal", max_worlds: int = 50_000, seed: int = 0):
    """PRIM boxes (and trajectory) of a sweep's worlds over its factors, on at most ``max_worlds`` worlds."""
    from trucesim.analysis.probability import scenario_discovery

    try:
        return scenario_discovery(exp.worlds, exp.factors, outcome, max_worlds=max_worlds, seed=seed)
    except ValueError as e:
        raise UserError(f"--kind prim: {exp.path}: {e}") from None


def _save(fig, out: Path, args) -> int:
    from trucesim.plots.figures import save_figure

    save_figure(fig, out, dpi=args.dpi)
    print(f"wrote {out}", file=sys.stderr)
    return 0
