"""``trucesim sweep EXPERIMENT --out DIR``: run an experiment's design over many worlds per point."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from trucesim.commands.common import UserError, add_workers, file_kind, nonneg_int, positive_int

NAME = "sweep"
EPILOG = """examples:
  trucesim sweep experiments/prisoners-vs-us-pressure.toml --out results/prisoners
  trucesim sweep experiments/coalition-red-lines.toml --out results/red-lines --workers 2
  trucesim sweep experiments/sobol-main.toml --out results/sobol --scheduler local
  trucesim sweep experiments/sobol-main.toml --out results/sobol --scheduler tcp://10.0.0.5:8786
  trucesim sweep experiments/prisoners-vs-us-pressure.toml --out results/prisoners --resume
  trucesim sweep experiments/sobol-main.toml --dry-run          # check the file, print the design size

results in DIR:
  manifest.json    the resolved experiment and scenario, root seed, chunk size, trucesim version, design
  parts/           one Parquet file per chunk of worlds (written to a temporary name, then renamed)
  points.parquet   per design point: probability of a deal with its 95% CI and the other
                   figures of `trucesim run` (p_accept_<side>, p_exit_<party>, deal_day_median, ...)
  in Python, trucesim.load(DIR) gives one row per world: point, replicate, factors, outcomes.

The same experiment, seed and chunk size give the same dataset, bit for bit, whatever
--workers or --scheduler.  An interrupted sweep (Ctrl-C, a crash, a killed job) loses
only the chunks in flight: run the same command with --resume.  A Dask cluster's
workers need trucesim installed.  See docs/experiments.md for the experiment format.

Outputs explore the scenario's stated assumptions; they are not forecasts."""


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        NAME,
        help="sweep parameters over a design of points, many worlds per point",
        description="Run EXPERIMENT: simulate worlds_per_point worlds at each point of its design "
        "(a grid, or Sobol/LHS/Halton points) and write every world's outcomes and a "
        "per-point summary to DIR. Resumable, and the same on one machine or a Dask cluster.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "experiment",
        metavar="EXPERIMENT",
        help="experiment file (TOML), e.g. experiments/prisoners-vs-us-pressure.toml",
    )
    p.add_argument("--out", metavar="DIR", type=Path, help="results directory; must be new or empty unless --resume")
    add_workers(p, "running the chunks", scheduler=True)
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the sweep in DIR: skip its finished chunks (the experiment must be "
        "the same); starts a new sweep if DIR does not exist",
    )
    p.add_argument("--seed", type=nonneg_int, metavar="S", help="root random seed, overriding the experiment file's")
    p.add_argument(
        "--worlds-per-point",
        type=positive_int,
        metavar="N",
        help="worlds simulated at each design point, overriding the experiment file's "
        "(recorded in the manifest: --resume keeps it)",
    )
    p.add_argument(
        "--chunk-worlds",
        type=positive_int,
        metavar="K",
        help="worlds per chunk, the unit of work and of resumption (default: 50000); the numbers do not "
        "depend on it (random numbers are addressed by world), but a --resume must use the same",
    )
    p.add_argument(
        "--dry-run", action="store_true", help="validate the experiment and print its design size; simulate nothing"
    )
    return p


class _Terminated(KeyboardInterrupt):
    """SIGTERM (a batch system's time limit, `kill`): stop like Ctrl-C, with a resume hint."""


def _on_sigterm_interrupt():
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum, frame):
        raise _Terminated()

    return signal.signal(signal.SIGTERM, handler)


def _restore_sigterm(previous) -> None:
    import signal

    if previous is not None:
        signal.signal(signal.SIGTERM, previous)


def main(args) -> int:
    from trucesim.commands.progress import progress, stop
    from trucesim.report.sweep import format_sweep
    from trucesim.run.chunks import SWEEP_CHUNK_WORLDS, n_chunks
    from trucesim.run.executors import ExecutorError, check_options, make_executor
    from trucesim.sweep.experiment import ExperimentError, describe, load_experiment
    from trucesim.sweep.store import StoreError
    from trucesim.sweep.sweep import ChunkError, check_chunks, plan_sweep

    try:
        file_kind(args.experiment, "experiment")  # a scenario file: say so, and to use `trucesim run`
        experiment = load_experiment(args.experiment, seed=args.seed, worlds_per_point=args.worlds_per_point)
        if args.dry_run:
            k = args.chunk_worlds or SWEEP_CHUNK_WORLDS
            check_chunks(experiment, args.chunk_worlds)  # a size the run would refuse is refused here too
            print(describe(experiment))
            print(f"  {n_chunks(experiment.worlds, k):,} chunks of up to {k:,} worlds; nothing simulated (--dry-run)")
            return 0
        if args.out is None:
            raise UserError("--out: expected a results directory (e.g. --out results/NAME), found nothing")
        force = getattr(args, "force", None)  # None: this command has no --force
        check_options(args.workers, args.scheduler, force)  # before the results directory is created
        plan = plan_sweep(experiment, args.out, resume=args.resume, chunk_worlds=args.chunk_worlds)
        experiment = plan.experiment
        for part, moved, why in plan.corrupt:  # said always, not only on a terminal
            print(f"trucesim: {part}: damaged part ({why}); moved to {moved}, its chunk is redone", file=sys.stderr)
        interactive = sys.stderr.isatty()
        try:
            executor = make_executor(args.workers, args.scheduler, tasks=len(plan.pending), force=force)
        except BaseException:
            if not plan.resumed and plan.worlds_done == 0:
                plan.store.discard()
            raise
        with executor:
            if interactive:
                print(
                    f"sweep {experiment.name}: {plan.design.points:,} points x "
                    f"{experiment.worlds_per_point:,} worlds = {plan.worlds:,} worlds in {plan.chunks:,} "
                    f"chunks, on {executor.describe()} -> {args.out}",
                    file=sys.stderr,
                )
                if plan.resumed:
                    print(
                        f"resuming: {plan.chunks - len(plan.pending)} of {plan.chunks} chunks already done",
                        file=sys.stderr,
                    )
            # a bar on a terminal; a line every few seconds in a log file or a pipe
            bar = progress(plan.worlds, "world", "worlds" if interactive else "sweep", initial=plan.worlds_done)
            previous = _on_sigterm_interrupt()
            try:
                result = plan.run(executor, progress=bar.update)
            except BaseException as e:
                stop(bar)  # a line display ends "stopped after", not "done in"
                if not isinstance(e, KeyboardInterrupt):
                    raise
                done = len(plan.store.done_chunks())
                what = "terminated" if isinstance(e, _Terminated) else "interrupted"
                print(
                    f"trucesim: {what}: {done} of {plan.chunks} chunks are in {args.out}; run the same "
                    f"command with --resume to continue",
                    file=sys.stderr,
                )
                return 143 if isinstance(e, _Terminated) else 130
            finally:
                bar.close()
                _restore_sigterm(previous)
    except (ExperimentError, StoreError, ExecutorError, ChunkError) as e:
        raise UserError(str(e)) from None
    except OSError as e:  # a full disk, a permission refused...
        where = e.filename or args.out
        raise UserError(f"{where}: cannot write the results: {e.strerror or e}") from None
    print(format_sweep(result, experiment, plan))
    return 0
