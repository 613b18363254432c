"""``trucesim calibrate [CALIBRATION]``: fit assumption values jointly to the historical rounds (ABC: a reference table, or ABC-SMC with pyabc)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from trucesim.commands.common import UserError, add_workers, nonneg_int, worlds_int, writing

if TYPE_CHECKING:
    from trucesim.history.fits import Owner

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
database), fit.json (what was fitted, each stage's tolerance), particles.parquet (the
posterior), shares.parquet (each particle's share of worlds reproducing each fact),
fitted.toml (a parameter file: extends = ["base.toml", "fitted.toml"], or 'trucesim
backtest --fitted'), posterior.png, predictive.png, scorecard-before.png,
scorecard-after.png and backtest.json (each fact's probability before the fit, with the
rounds' values as shipped, which carry the shipped fit, and after it; both in sample).  Run the same command again to resume a fit that
was stopped: it goes on from the last stored block or generation, with the same numbers.
An existing output directory must be new or empty, or hold a fit of the same file, sizes and
seed (its fit.json says so): anything else is refused unless --force, which replaces
calibrate's files in it (a reference table of the same draws is kept; other files are kept too).
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
    add_workers(p, "simulating the batches", scheduler=True)
    p.add_argument(
        "--check-worlds",
        type=worlds_int,
        default=4000,
        metavar="N",
        help="worlds per round for the backtest before and after the fit (default 4000)",
    )
    add_force_dir(p, "calibrate", "a fit of other rounds, sizes or seed")
    return p


def add_force_dir(p: argparse.ArgumentParser, command: str, other: str) -> None:
    """The ``--force`` of ``calibrate`` and ``validate``: write into a --out DIR that is not this run's to resume."""
    p.add_argument(
        "--force",
        action="store_true",
        help=f"write into a --out DIR that holds {other}, or files {command} did not write, replacing "
        f"{command}'s files in it (other files are kept; default: refuse)",
    )


def load_named(name: str):
    """The calibration file ``name`` (a path, or a shipped calibration's name), validated; one-line errors."""
    from trucesim.config.calibration import CalibrationError, load_calibration

    try:
        return load_calibration(name)
    except CalibrationError as e:
        raise UserError(str(e)) from None


#: the files ``calibrate`` writes in its --out directory besides a fit's (:data:`trucesim.history.fits.FIT_FILES`)
#: and table/: with those, what --force replaces
CALIBRATE_FILES = (
    "fitted.toml",
    "posterior.png",
    "predictive.png",
    "scorecard-before.png",
    "scorecard-after.png",
    "backtest.json",
)


def prepare_fit(
    out: Path,
    command: str,
    owner: Owner | None = None,
    force: bool = False,
    clear: Callable[[Path], None] | None = None,
) -> None:
    """Before a fit: ``out`` is a directory this run may write in (:func:`trucesim.history.fits.check_owner`),
    exists (made if needed) and pyabc imports; else one line.  With ``--force`` on another run's directory,
    ``clear(out)`` then removes the command's files in it (after every check: nothing is removed for a run that
    is refused).

    ``command`` names the command in the message (``calibrate`` or ``validate``).
    """
    from trucesim.history.fits import FitError, check_owner

    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: expected a directory, found a file")
    try:
        replace = owner is not None and check_owner(out, owner, force)
    except FitError as e:
        raise UserError(str(e)) from None
    try:
        import pyabc  # noqa: F401
    except ImportError:
        raise UserError(
            f"{command} needs pyabc: pip install 'trucesim[calibrate]' (or make test, which installs it)"
        ) from None
    if replace and clear is not None:
        with writing(out):
            clear(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"--out {out}: cannot create the directory ({e.strerror or e})") from None


def no_quick(cal, tables: str = "a [quick] table") -> UserError:
    """``--quick`` on a calibration file without the sizes it names (it would run the full-size fit), as one line."""
    from trucesim.report.backtest import shown_path

    return UserError(
        f"{shown_path(cal.path)}: --quick: expected {tables} of smaller sizes (e.g. population = 50, "
        f"worlds = 50), found none; add one, or leave out --quick (the full sizes)"
    )


def task_failed(e) -> UserError:
    """A simulation task that failed (:class:`trucesim.run.executors.TaskError`), as one line."""
    return UserError(
        f"a simulation task failed: {e.error}; run the same command again (it goes on from what is stored, "
        f"with the same numbers), or with --workers 1"
    )


def _how(cal, kept: int) -> str:
    """How a reference table's fit chose its particles, for the parameter file and the figures."""
    how = f"the {kept} nearest of {cal.table:,} prior draws"
    return how + (f", then of {cal.refine:,} draws near them (weighted)" if cal.refine else "")


def main(args) -> int:
    cal = load_named(args.calibration)  # a bad file or --out fails before pyabc is imported (seconds)
    if args.quick:
        if not cal.quick:
            raise no_quick(cal)
        cal = cal.quick_preset()
    out = args.out or Path("fits") / (cal.path.stem + ("-quick" if args.quick else ""))
    from trucesim.run.executors import ExecutorError, check_options

    try:  # before the directory is made: a refused option leaves nothing behind
        check_options(args.workers, args.scheduler)
    except ExecutorError as e:
        raise UserError(str(e)) from None
    from trucesim.history.fits import FIT_FILES, Owner, clear_files, fingerprint, same_table
    from trucesim.history.table import table_fingerprint

    table_key = table_fingerprint(cal, args.seed)
    key = fingerprint(cal, args.seed)
    owner = Owner("calibrate", "fit.json", key, "a fit", cal.path.name, args.seed, same_table(table_key))
    prepare_fit(
        out, "calibrate", owner, args.force, lambda d: clear_files(d, (*FIT_FILES, *CALIBRATE_FILES), table_key)
    )
    from trucesim.report.calibration import format_calibration
    from trucesim.report.validation import fit_sizes

    print(
        f"calibrate {cal.path}: {len(cal.fit)} values, {len(cal.rounds)} rounds ({len(cal.facts())} facts), "
        f"{fit_sizes(cal.sizes())}, seed {args.seed}",
        file=sys.stderr,
    )
    start = time.perf_counter()
    with writing(out):  # a full disk, a directory removed meanwhile: one line (what is stored is resumed)
        fit, check = _calibrate(args, cal, out)
    print(format_calibration(cal, fit, check, time.perf_counter() - start, args.check_worlds, out))
    return 0


def _calibrate(args, cal, out: Path) -> tuple:
    """The fit of ``cal`` into ``out``, its check and its figures (see :func:`main`): the fit and the check."""
    from trucesim.commands.progress import GenerationProgress
    from trucesim.history.backtest import fit_check
    from trucesim.history.calibrate import FitError, calibrate
    from trucesim.history.posterior import write_parameter_file
    from trucesim.plots.posterior import plot_posterior, plot_predictive
    from trucesim.plots.style import save_figure
    from trucesim.run.chunks import RunError
    from trucesim.run.executors import TaskError, make_executor
    from trucesim.run.workers import ExecutorError

    table = cal.method == "table"
    on_progress = (
        GenerationProgress(1, "reference table", what="prior draws") if table else GenerationProgress(cal.generations)
    )
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
        check, before_scores, after_scores = fit_check(
            cal.rounds, fitted, args.seed, args.check_worlds, args.workers, args.scheduler
        )
    except (FitError, ExecutorError, RunError) as e:  # RunError: a failed chunk of the check
        raise UserError(str(e)) from None
    except TaskError as e:  # a batch of the fit
        raise task_failed(e) from None
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
    return fit, check
