"""``trucesim calibrate [CALIBRATION]``: fit assumption values jointly to the historical rounds (ABC: a reference table, or ABC-SMC with pyabc)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from trucesim.commands.common import UserError, nonneg_int, positive_int

NAME = "calibrate"
DEFAULT_CALIBRATION = "joint"
EPILOG = """examples:
  trucesim calibrate                                   # calibration/joint.toml into fits/joint
  trucesim calibrate --quick --out fits/quick          # a small fit, in a minute or two
  trucesim calibrate calibration/joint.toml --workers 2 --seed 3
  trucesim run april-2024                              # the shipped model: it extends the fitted values

A calibration file (calibration/*.toml) lists the rounds (scenarios/rounds/*.toml: a
scenario plus an [observed] table of what happened), the keys to fit and their priors
(uncertainty tables), the distance and the size of the fit.  Each particle is one set of
values shared by every round; its distance is how far the shares of worlds reproducing
each observed fact fall short of 1.  The file's method says how the fit finds the
particles: method = "table" (the shipped file) draws 'table' particles from the priors,
simulates each once on every round and keeps the 'population' nearest (then, with
refine = N, draws N more near those kept and keeps the nearest of them, weighted: one
ABC-PMC step); method = "smc" lets pyabc narrow the tolerance over 'generations'.

The output directory gets table/ (the reference table's blocks) or abc.db (pyabc's
database), particles.parquet (the posterior), fitted.toml (a parameter file: extends =
["base.toml", "fitted.toml"], or 'trucesim backtest --fitted'), posterior.png,
predictive.png, scorecard-before.png, scorecard-after.png and backtest.json (each fact's
probability before and after the fit).  Run the same command again to resume a fit that
was stopped: it goes on from the last stored block or generation, with the same numbers.
See docs/validation.md.  Outputs explore stated assumptions; they are not forecasts."""


def add_calibration_argument(p: argparse.ArgumentParser) -> None:
    """The optional CALIBRATION argument of ``calibrate`` and ``validate``: a file, or a shipped one's name."""
    p.add_argument(
        "calibration",
        nargs="?",
        default=DEFAULT_CALIBRATION,
        help=f"a calibration file, or a shipped one's name (default: {DEFAULT_CALIBRATION})",
    )


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        NAME,
        help="fit assumption values to the historical rounds (ABC: a reference table, or ABC-SMC with pyabc)",
        description="Fit the uncertain assumption values that a calibration file lists jointly to the "
        "historical rounds' observed facts, by approximate Bayesian computation: rejection on a reference "
        'table of prior draws (method = "table"), or sequential Monte Carlo with pyabc (method = "smc").',
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_calibration_argument(p)
    p.add_argument("--out", type=Path, metavar="DIR", help="output directory (default: fits/NAME, or fits/NAME-quick)")
    p.add_argument("--seed", type=nonneg_int, default=0, metavar="S", help="root random seed (default 0)")
    p.add_argument("--quick", action="store_true", help="the file's [quick] sizes: a small fit for a first look")
    p.add_argument(
        "--workers", type=positive_int, metavar="N", help="processes that simulate the batches (default: all cores)"
    )
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="'local' for a Dask LocalCluster, or a Dask scheduler's address"
    )
    p.add_argument(
        "--check-worlds",
        type=positive_int,
        default=4000,
        metavar="N",
        help="worlds per round for the backtest before and after the fit (default 4000)",
    )
    return p


def load_named(name: str):
    """The calibration file ``name`` (a path, or a shipped calibration's name), validated; one-line errors."""
    from trucesim.config.calibration import CalibrationError, load_calibration
    from trucesim.config.shipped import not_found, resolve

    path = resolve(name, "calibrations")
    if not path.exists():
        raise UserError(not_found(name, "calibrations"))
    try:
        return load_calibration(path)
    except CalibrationError as e:
        raise UserError(str(e)) from None


def _check(cal, fitted: Path, seed: int, worlds: int, workers, scheduler) -> tuple[dict, list, list]:
    """Each fact's probability before and after the fit (rounds as files, then with the fitted values), and the scores."""
    from trucesim.config.scenario import apply_parameter_file
    from trucesim.history.backtest import score_rounds, totals

    before = score_rounds(cal.rounds, worlds, seed, workers=workers, scheduler=scheduler)
    after_rounds = [apply_parameter_file(r, fitted) for r in cal.rounds]
    after = score_rounds(after_rounds, worlds, seed, workers=workers, scheduler=scheduler)
    facts = {}
    for r, b, a in zip(cal.rounds, before, after, strict=True):
        for o, pb, pa in zip(r.observed, b.p, a.p, strict=True):
            facts[f"{r.path.stem}:{o.key}"] = {"observed": o.shown(), "before": float(pb), "after": float(pa)}
    totals_ = {"before": totals(before), "after": totals(after)}
    return {"worlds": worlds, "seed": seed, "facts": facts, "totals": totals_}, before, after


def prepare_fit(out: Path, command: str) -> None:
    """Before a fit: ``out`` exists as a directory (made if needed) and pyabc imports; else one line.

    ``command`` names the command in the message (``calibrate`` or ``validate``).
    """
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: expected a directory, found a file")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"--out {out}: cannot create the directory ({e.strerror or e})") from None
    try:
        import pyabc  # noqa: F401
    except ImportError:
        raise UserError(
            f"{command} needs pyabc: pip install 'trucesim[calibrate]' (or make test, which installs it)"
        ) from None


def fit_sizes(s: dict) -> str:
    """A fit's sizes in words, from a validation's ``sizes`` (:func:`trucesim.history.validate.sizes`).

    >>> fit_sizes({"method": "table", "population": 100, "table": 4096, "worlds": 50})
    'the 100 nearest of 4,096 prior draws (a reference table), 50 worlds per round and draw'
    >>> fit_sizes({"method": "table", "population": 100, "table": 4096, "refine": 2048, "worlds": 50})
    'the 100 nearest of 4,096 prior draws (a reference table), then the 100 nearest of 2,048 draws near them, 50 worlds per round and draw'
    >>> fit_sizes({"population": 50, "generations": 6, "worlds": 200})
    '50 particles x 6 generations (ABC-SMC), 200 worlds per round and particle'
    """
    if s.get("method") == "table":
        stage = f", then the {s['population']} nearest of {s['refine']:,} draws near them" if s.get("refine") else ""
        return (
            f"the {s['population']} nearest of {s['table']:,} prior draws (a reference table){stage}, "
            f"{s['worlds']} worlds per round and draw"
        )
    return f"{s['population']} particles x {s['generations']} generations (ABC-SMC), {s['worlds']} worlds per round and particle"


def _how(cal, kept: int) -> str:
    """How a reference table's fit chose its particles, for the parameter file and the figures."""
    how = f"the {kept} nearest of {cal.table:,} prior draws"
    return how + (f", then of {cal.refine:,} draws near them (weighted)" if cal.refine else "")


def main(args) -> int:
    cal = load_named(args.calibration)  # a bad file or --out fails before pyabc is imported (seconds)
    if args.quick:
        cal = cal.quick_preset()
    out = args.out or Path("fits") / (cal.path.stem + ("-quick" if args.quick else ""))
    prepare_fit(out, "calibrate")
    from trucesim.history.calibrate import FitError, calibrate
    from trucesim.history.posterior import summary, write_parameter_file
    from trucesim.plots.posterior import plot_posterior, plot_predictive
    from trucesim.plots.style import save_figure
    from trucesim.run.chunks import RunError
    from trucesim.run.executors import make_executor
    from trucesim.run.workers import ExecutorError

    print(
        f"calibrate {cal.path}: {len(cal.fit)} values, {len(cal.rounds)} rounds ({len(cal.facts())} facts), "
        f"{fit_sizes(cal.sizes())}, seed {args.seed}",
        file=sys.stderr,
    )
    from trucesim.commands.progress import GenerationProgress

    table = cal.method == "table"
    on_progress = (
        GenerationProgress(1, "reference table", what="prior draws") if table else GenerationProgress(cal.generations)
    )
    start = time.perf_counter()
    try:
        with make_executor(workers=args.workers, scheduler=args.scheduler) as ex:
            try:
                fit = calibrate(cal, out, args.seed, executor=ex, on_progress=on_progress)
            finally:
                on_progress.close()
            fitted = write_parameter_file(
                out / "fitted.toml",
                fit.particles,
                cal.priors,
                cal.bounds,
                f"{cal.path.name}, seed {args.seed}",
                len(fit.generations),
                fit.generations[-1]["epsilon"],
                joint=cal.path.stem,
                how=_how(cal, len(fit.particles)) if table else None,
            )
        check, before_scores, after_scores = _check(
            cal, fitted, args.seed, args.check_worlds, args.workers, args.scheduler
        )
    except (FitError, ExecutorError, RunError) as e:  # RunError: a failed chunk, or too many --check-worlds
        raise UserError(str(e)) from None
    from trucesim.run.files import write_atomic

    write_atomic(out / "backtest.json", json.dumps(check, indent=1))
    sub = f"{cal.path.name} · seed {args.seed} · " + (
        _how(cal, len(fit.particles)).removeprefix("the ")
        if table
        else f"{len(fit.particles)} particles after {len(fit.generations)} generations"
    )
    save_figure(plot_posterior(fit.particles, cal.fit, cal.priors, cal.bounds, sub), out / "posterior.png")
    before = {k: v["before"] for k, v in check["facts"].items()}
    save_figure(plot_predictive(fit.shares, before, sub), out / "predictive.png")
    from trucesim.plots.scorecard import scorecard_figure

    save_figure(scorecard_figure(before_scores), out / "scorecard-before.png")
    save_figure(scorecard_figure(after_scores, fitted=fitted), out / "scorecard-after.png")
    if table:
        g = fit.generations[0]
        print(
            f"reference table ({time.perf_counter() - start:.0f} s): {cal.table:,} prior draws, {g['evaluations']:,} "
            f"consistent and simulated; kept the {len(fit.particles)} nearest (tolerance {g['epsilon']:.4f})"
        )
        if cal.refine:
            g = fit.generations[-1]
            print(
                f"second stage: {cal.refine:,} draws near them, {g['evaluations']:,} consistent and simulated; kept the "
                f"{len(fit.particles)} nearest (tolerance {g['epsilon']:.4f}), weighted (effective sample {g['ess']:.0f})"
            )
    else:
        print(f"generations ({time.perf_counter() - start:.0f} s):")
        for g in fit.generations:
            print(
                f"  {g['generation']}: tolerance {g['epsilon']:.4f}, {g['evaluations']} simulated, "
                f"acceptance {g['acceptance']:.0%}"
            )
    print("posterior (weighted; 5% / median / 95%):")
    for row in summary(fit.particles, cal.fit).itertuples():
        print(f"  {row.key:<45} {row.mean:6.3f} ± {row.sd:5.3f}   {row.q05:6.3f} {row.median:6.3f} {row.q95:6.3f}")
    print(f"probability of what happened, before -> after the fit ({args.check_worlds:,} worlds per round):")
    for name, v in check["facts"].items():
        print(f"  {name.replace(':', ': '):<44} {v['before']:5.2f} -> {v['after']:5.2f}   ({v['observed']})")
    b, a = check["totals"]["before"]["overall"], check["totals"]["after"]["overall"]
    print(
        f"  all rounds: hits {b['hits']}/{b['facts']} -> {a['hits']}/{a['facts']}, mean Brier {b['brier']:.3f} -> "
        f"{a['brier']:.3f}, mean log {b['log']:.3f} -> {a['log']:.3f}"
    )
    print(
        f"wrote {out}/: {'table/' if table else 'abc.db'} particles.parquet shares.parquet fitted.toml posterior.png "
        "predictive.png scorecard-before.png scorecard-after.png backtest.json"
    )
    return 0
