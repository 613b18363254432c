"""``trucesim validate [CALIBRATION]``: leave-one-round-out cross-validation of the calibration, out of sample."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from trucesim.commands.calibrate import add_calibration_argument, add_force_dir
from trucesim.commands.common import UserError, add_dpi, add_workers, nonneg_int, writing

NAME = "validate"
DESCRIPTION = """Does the calibrated model predict a round it was not fitted to? Leave-one-round-out
cross-validation (LOO-CV) of a calibration file.

For each round of the file (a fold), the values the file fits are fitted on the OTHER
rounds only, by the same fit as 'trucesim calibrate' (the file's method: ABC-SMC, or
rejection on one reference table of prior draws, each simulated once on every round, of
which each fold keeps those nearest the rounds it fits); the left-out round is then
simulated under that fit's posterior predictive (each world draws one particle of the
posterior, with probability its weight, and runs with all of its values), and each of the
round's observed facts is scored by the share of worlds p that reproduce it:
  hit    p >= 0.5: the likelier outcome is what happened
  Brier  (1 - p)^2: 0 certain and right, 1 certain and wrong
  log    -ln p in nats, p floored at half a world of the predictive run
Lower Brier and log scores are better. The same facts are scored for two references:
  coin       p = 0.5 for every fact (Brier 0.25, log 0.69; it has no hits to count)
  base rate  p = the share of the other rounds observing the same fact (e.g.
             first_text.hamas) whose observed value is the left-out round's (a count within
             the fact's tolerance, exits with the same parties); 0.5 where no other round
             observes that fact
A model that does not beat the base rate out of sample has learned no more than 'what
usually happened'. The model's mean score minus each reference's is printed with a 95%
interval clustered by round (the facts of one round share its course, so the interval
reflects the number of rounds): an interval that includes 0 means the rounds cannot tell
the two forecasters apart. The totals are also split by kind of fact (deal, first_text.hamas,
...), with the model's Brier minus the base rate's summed over each: where the model gains on the
base rate and where it loses. Scores over rounds the values were fitted to (trucesim calibrate,
trucesim backtest --fitted) are in sample and flatter the model; these are not."""

EPILOG = """examples:
  trucesim validate                                  # calibration/joint.toml into fits/joint-validate
  trucesim validate --quick                          # the [quick] sizes, a first look in minutes
  trucesim validate --quick --format json > loo.json
  trucesim validate --fold april-2024 --workers 2    # leave out one round only
  trucesim validate my-calibration.toml --out fits/loo --seed 3
  trucesim validate my-calibration.toml --against docs/validation/validation.json   # better than the shipped fit's?

Sizes: the calibration file's sizes (population, generations or table, worlds), then its
[validate] table (the same keys, and predictive_worlds: the worlds that simulate the
left-out round, default 4000); with --quick, the file's [quick] sizes, then [validate.quick].

The output directory gets the fits: with ABC-SMC one sub-directory per fold, fold-ROUND
(as 'trucesim calibrate' writes it: abc.db, fit.json, particles.parquet, shares.parquet);
with a reference table, table/ (its blocks, shared by every fold). Then validation.json
(what --format json prints), reliability.png (forecast probability against observed
frequency over every left-out fact, the model beside the base rate) and folds.png (each
left-out round's mean Brier score, the model's against the base rate's), and validate.json
(what is validated: the file, its sizes, the seed; written first). Run the same command
again to resume a validation that was stopped: finished folds and stored table blocks are
read back, a fold stopped mid-fit goes on from its last stored generation, with the same
numbers. The same --seed gives the same numbers whatever --workers. An existing output
directory must be new or empty, or hold a validation of the same file, sizes and seed (its
validate.json says so); anything else is refused unless --force, which replaces validate's
files in it (a reference table or fold fits of the same draws are kept; other files are kept
too). --fold in the directory of a validation that holds other folds scores its round and
prints it only: the stored validation.json and figures are kept (--force replaces them). See docs/validation.md.
Outputs explore stated assumptions; they are not forecasts."""


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        NAME,
        help="leave-one-round-out cross-validation: fit on the other rounds, score the left-out one",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_calibration_argument(p)
    p.add_argument("--quick", action="store_true", help="the file's [quick] and [validate.quick] sizes: a first look")
    p.add_argument("--format", choices=("text", "json"), default="text", help="the results as readable text or JSON")
    p.add_argument(
        "--out", type=Path, metavar="DIR", help="output directory (default: fits/NAME-validate, or ...-validate-quick)"
    )
    p.add_argument("--seed", type=nonneg_int, default=0, metavar="S", help="root random seed (default 0)")
    p.add_argument(
        "--fold",
        action="append",
        metavar="ROUND",
        help="leave out only this round of the file (repeatable; default: each round in turn)",
    )
    add_workers(p, "simulating the table or the folds and the left-out rounds", scheduler=True)
    p.add_argument(
        "--against",
        type=Path,
        metavar="FILE",
        help="another validation's validation.json, or its output directory (same rounds): print this one's "
        "scores minus its, with intervals clustered by round, then per left-out round and per kind of fact",
    )
    add_dpi(p, "reliability.png and folds.png", same_as_plot=False)
    add_force_dir(p, "validate", "a validation of other rounds, sizes or seed, or the folds a --fold run keeps")
    return p


#: the files ``validate`` writes in its --out directory, besides table/ and fold-ROUND/: those --force replaces
VALIDATE_FILES = ("validate.json", "validation.json", "reliability.png", "folds.png")


def fuller_validation(out: Path, names: list[str], force: bool) -> list[str]:
    """The folds of the validation.json in ``out`` when it holds folds that ``--fold names`` leaves out, else [].

    Such a validation is kept: the folds named are scored and printed, reusing its table (or fold fits),
    and its validation.json and figures are left as they are (``--force`` replaces them instead).  One
    that cannot be read is refused before any work, unless ``force``.
    """
    from trucesim.history.fits import stored_folds

    stored = stored_folds(out)
    if force or stored == [] or (stored is not None and set(stored) <= set(names)):
        return []
    if stored is None:
        raise UserError(
            f"--out {out}: holds a validation.json that cannot be read; --fold {', '.join(names)} would replace "
            "it: choose another --out, or add --force to replace it"
        )
    return stored


def read_against(path: Path, expected: dict[str, list[tuple[str, str]]]) -> dict:
    """The validation.json given to ``--against``, checked to score the facts ``expected``
    (:func:`trucesim.history.against.scored_facts`) before any fit.

    Raises UserError (one line naming the file) when it is missing, not JSON, or of other rounds or facts.
    """
    from trucesim.history.against import against_rounds
    from trucesim.history.validate import ValidationError
    from trucesim.report.backtest import shown_path

    shown = f"--against {shown_path(path)}"
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(
            f"{shown}: expected a validation.json written by 'trucesim validate', found no such file"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UserError(
            f"{shown}: expected a validation.json written by 'trucesim validate', cannot read it: {e}"
        ) from None
    try:
        against_rounds(d, expected, shown)
    except ValidationError as e:
        raise UserError(str(e)) from None
    return d


def main(args) -> int:
    from trucesim.commands.calibrate import load_named, no_quick, prepare_fit, task_failed
    from trucesim.report.backtest import shown_path
    from trucesim.report.validation import fit_sizes, format_validation
    from trucesim.run.executors import ExecutorError, check_options

    cal = load_named(args.calibration)  # a bad file, fold or option fails before pyabc is imported
    if args.quick and not (cal.quick or cal.validate_quick):
        raise no_quick(cal, "a [quick] or [validate.quick] table")
    cal = cal.validate_preset(quick=args.quick)
    from trucesim.history.validate import ValidationError, check_folds

    try:
        chosen = check_folds(cal, args.fold)
        check_options(args.workers, args.scheduler)
    except (ValidationError, ExecutorError) as e:
        raise UserError(str(e)) from None
    other = None
    if args.against is not None:
        from trucesim.history.against import scored_facts

        # another validation's validation.json, or the output directory holding it
        against_path = args.against / "validation.json" if args.against.is_dir() else args.against
        other = read_against(against_path, scored_facts(cal, chosen))
    out = args.out or Path("fits") / f"{cal.path.stem}-validate{'-quick' if args.quick else ''}"
    from trucesim.history.fits import Owner, clear_validation, reusable_work
    from trucesim.history.rounds import round_name
    from trucesim.history.table import table_fingerprint
    from trucesim.history.validate import RECORD, fold_fingerprints, validation_fingerprint

    names = [r.path.stem for r in cal.rounds]
    key = validation_fingerprint(cal, args.seed)
    table_key, fold_keys = table_fingerprint(cal, args.seed), fold_fingerprints(cal, args.seed)
    reusable = reusable_work(table_key, fold_keys)
    owner = Owner("validate", RECORD, key, "a validation", cal.path.name, args.seed, reusable)
    prepare_fit(out, "validate", owner, args.force, lambda d: clear_validation(d, VALIDATE_FILES, table_key, fold_keys))
    kept = []  # a fuller validation in --out, kept as it is: --fold scores and prints its folds only
    if args.fold:
        kept = fuller_validation(out, [round_name(cal.rounds[i].path) for i in chosen], args.force)
    from trucesim.commands.progress import GenerationProgress
    from trucesim.history.calibrate import FitError
    from trucesim.history.validate import all_p, to_dict, validate
    from trucesim.plots.folds import write_folds
    from trucesim.plots.reliability import write_reliability
    from trucesim.run.chunks import RunError
    from trucesim.run.executors import TaskError, make_executor

    print(
        f"validate {shown_path(cal.path)}: {len(chosen)} of {len(cal.rounds)} rounds left out in turn, {len(cal.fit)} values; "
        f"each fold {fit_sizes(cal.sizes())}, {cal.predictive_worlds:,} worlds for the left-out round; seed {args.seed}; "
        f"into {out}/",
        file=sys.stderr,
    )
    start = time.perf_counter()
    state: dict = {"bars": None, "fold": start, "table": None}

    def on_table(t: int, drawn: int, n: int, simulated: int) -> None:
        if state["table"] is None:
            state["table"] = GenerationProgress(1, "reference table", what="prior draws")
        state["table"](t, drawn, n, simulated)
        if drawn >= n:
            state["table"].close()

    def on_fold_start(k: int, n: int, name: str, fitted: tuple[str, ...]) -> None:
        print(f"fold {k + 1}/{n}: {name} left out, fit on {', '.join(fitted)}", file=sys.stderr, flush=True)
        if cal.method != "table":  # a table's folds take a moment each: no bar
            state["bars"] = GenerationProgress(cal.generations, f"fold {k + 1}/{n}")
        state["fold"] = time.perf_counter()

    def on_progress(t: int, accepted: int, n: int, evaluations: int) -> None:
        state["bars"](t, accepted, n, evaluations)

    def on_fold(score) -> None:
        if state["bars"] is not None:
            state["bars"].close()
        m, b = score.scores("model"), score.scores("base_rate")
        print(
            f"  {score.name}: {int(m['hit'].sum())}/{len(score.facts)} hits, mean Brier {m['brier'].mean():.3f} "
            f"(base rate {b['brier'].mean():.3f}, coin 0.250) ({time.perf_counter() - state['fold']:.0f} s)",
            file=sys.stderr,
            flush=True,
        )

    try:
        with writing(out), make_executor(workers=args.workers, scheduler=args.scheduler) as ex:
            try:
                result = validate(
                    cal,
                    out,
                    args.seed,
                    ex,
                    [names[i] for i in chosen],
                    on_fold_start=on_fold_start,
                    on_progress=on_progress,
                    on_fold=on_fold,
                    on_table=on_table,
                    write=not kept,
                )
            finally:
                if state["bars"] is not None:
                    state["bars"].close()
    except (FitError, ExecutorError, RunError) as e:
        raise UserError(str(e)) from None
    except TaskError as e:
        raise task_failed(e) from None
    d = to_dict(result)
    if other is not None:  # checked before the run: the same rounds and facts
        from trucesim.history.against import against
        from trucesim.run.files import write_atomic

        shown = shown_path(against_path)
        d["against"] = {"file": shown, **against(d, other, f"--against {shown}")}
        try:
            if not kept:
                write_atomic(out / "validation.json", json.dumps(d, indent=1))
        except OSError as e:
            raise UserError(f"--out {out}: cannot write validation.json: {e.strerror or e}") from None
    if kept:
        print(format_validation(d) if args.format == "text" else json.dumps(d, indent=2))
        print(
            f"validation of {len(result.folds)} fold{'s' if len(result.folds) != 1 else ''} done in "
            f"{time.perf_counter() - start:.0f} s; printed only: {out}/validation.json and its figures keep the "
            f"validation of {len(kept)} fold{'s' if len(kept) != 1 else ''} (--force replaces them)",
            file=sys.stderr,
        )
        return 0
    subtitle = (
        f"{cal.path.name} · leave-one-round-out, {len(result.folds)} folds · seed {args.seed} · "
        f"{cal.predictive_worlds:,} worlds per left-out round"
    )
    try:
        write_reliability(
            {"model": all_p(result.folds, "model"), "base rate": all_p(result.folds, "base_rate")},
            out / "reliability.png",
            subtitle,
            args.dpi,
        )
        write_folds(d, out / "folds.png", subtitle, args.dpi)
    except OSError as e:
        raise UserError(f"--out {out}: cannot write its figures: {e.strerror or e}") from None
    if args.format == "json":
        print(json.dumps(d, indent=2))
    else:
        print(format_validation(d))
    print(
        f"validation done in {time.perf_counter() - start:.0f} s; wrote {out}/: validation.json reliability.png folds.png "
        + ("table/" if cal.method == "table" else " ".join(f"fold-{f.name}/" for f in result.folds)),
        file=sys.stderr,
    )
    return 0
