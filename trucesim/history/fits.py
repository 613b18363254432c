"""What a fit returns, its record, the layout of its directory, and the error of a fit that cannot start or go on.

A fit's directory (``calibrate``'s --out, a validation's ``fold-ROUND/``) holds :data:`FIT_FILES`, and
with a reference table its ``table/`` (:data:`TABLE_DIR`: :data:`TABLE_RECORD` and the blocks,
:data:`TABLE_BLOCKS`, of :mod:`trucesim.history.table`).  Each kind of work writes its record first
(``fit.json``, ``table.json``, ``validate.json``: a JSON object with a fingerprint, :func:`open_record`),
so a run tells its own work, which it resumes, from another's: :func:`check_owner` says, before any work,
whether a run may write in a directory; :func:`clear_files` and :func:`clear_validation` remove another
run's files (``--force``) but the work of the same draws, which is reused as it is (:func:`same_table`,
:func:`same_fold`).

Examples
--------
>>> str(FitError("fits/x: holds a fit of another calibration"))
'fits/x: holds a fit of another calibration'
>>> same_table("0123456789abcdef")(Path("fits/none/table"))   # no table.json there: not the same draws
False
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from trucesim.config.calibration import Calibration
from trucesim.history.distance import CONSISTENT, OVERLAPPING
from trucesim.run.files import write_atomic


class FitError(RuntimeError):
    """A fit that cannot start or go on; ``str(err)`` is one line for the user."""


@dataclass(frozen=True)
class Fit:
    """A stored fit: the last generation's particles (one column per key, ``weight``, ``distance``) and its history."""

    out: Path
    keys: tuple[str, ...]
    particles: pd.DataFrame
    shares: pd.DataFrame
    generations: list[dict]
    seed: int


def fingerprint(cal: Calibration, seed: int) -> str:
    """What makes two fits the same: every round's values and facts, the priors, the sizes and the seed.

    Not the number of generations: a fit asked for more generations goes on from the ones stored.
    """
    settings = [[cal.fit, cal.distance, cal.population, cal.worlds, seed, CONSISTENT, OVERLAPPING]]
    if cal.method != "smc":  # an ABC-SMC fit's fingerprint is unchanged since it was the only method
        settings.append([cal.method, cal.table])
    if cal.refine:  # a fit without a second stage keeps the fingerprint it had before there was one
        settings.append(["refine", cal.refine])
    return digest(cal, settings)


def digest(cal: Calibration, settings: list[list], fitted_values: bool = True) -> str:
    """A short hash of what ``cal``'s simulations depend on: every round's values (without the fitted keys'
    unless ``fitted_values``) and facts, the priors, then each list of ``settings`` (JSON)."""
    h = hashlib.sha256()
    for r in cal.rounds:
        values = r.values.items() if fitted_values else ((k, v) for k, v in r.values.items() if k not in cal.fit)
        h.update(repr(sorted(values)).encode())
        h.update(repr(r.observed).encode())
    h.update(repr(sorted(cal.priors.items())).encode())
    for part in settings:
        h.update(json.dumps(part).encode())
    return h.hexdigest()[:16]


def store_fit(fit: Fit) -> Fit:
    """Write a fit's particles and their fact shares to ``particles.parquet`` and ``shares.parquet`` in ``fit.out``."""
    write_atomic(fit.out / "particles.parquet", lambda p: fit.particles.to_parquet(p, index=False))
    write_atomic(fit.out / "shares.parquet", lambda p: fit.shares.to_parquet(p, index=False))
    return fit


def read_record(path: Path) -> dict | None:
    """The JSON record at ``path`` (``fit.json``, ``table.json``...) if it is one (has a fingerprint), else None."""
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return d if isinstance(d, dict) and isinstance(d.get("fingerprint"), str) else None


def open_record(path: Path, key: str, meta: dict, what: str, differs: str, again: str = "") -> dict:
    """The JSON record at ``path`` if its fingerprint is ``key`` (work to resume), else ``meta`` written there
    first, so that work stopped at any point is recognised.

    Raises
    ------
    FitError
        ``path`` records other work (the message names it: ``what``, and how it may differ:
        ``differs``), or is no record (:func:`read_record`: damaged, not JSON); it is never overwritten.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        old = read_record(path)
        if old is None:
            raise FitError(
                f"{path.parent}: holds a {path.name} that is not the record of {what} (damaged, or not written "
                f"by trucesim); give another --out, or remove that directory{again}"
            )
        if old["fingerprint"] != key:
            raise FitError(
                f"{path.parent}: holds {what} of {old.get('calibration')} with seed {old.get('seed')} "
                f"(or of other {differs}); give another --out, or remove that directory{again}"
            )
        return old
    write_atomic(path, json.dumps(meta, indent=1))
    return meta


def open_fit(cal: Calibration, out: Path, seed: int) -> dict:
    """The record of the fit of ``cal`` with ``seed`` in ``out`` (``fit.json``): :func:`open_record`."""
    key = fingerprint(cal, seed)
    meta = {"fingerprint": key, "calibration": cal.path.name, "seed": seed, "keys": list(cal.fit), "generations": []}
    return open_record(out / "fit.json", key, meta, "a fit", "rounds or sizes", " to fit again")


#: the files a fit writes in its directory (``calibrate``'s --out, a validation's fold-ROUND/), besides table/
FIT_FILES = ("fit.json", "abc.db", "abc.db-journal", "abc.db-wal", "abc.db-shm", "particles.parquet", "shares.parquet")
#: a reference table in a fit's directory, as :mod:`trucesim.history.table` writes it: the directory, its
#: record (written first) and its blocks
TABLE_DIR = "table"
TABLE_RECORD = "table.json"
TABLE_BLOCKS = "block-*.parquet"


@dataclass(frozen=True)
class Owner:
    """Whose output directory a run may write in: the record it writes first (``fit.json``), the record's
    fingerprint for this run, and what the run is, for the messages."""

    command: str  # calibrate or validate
    record: str  # the record's file name in the directory
    key: str  # the fingerprint this run writes in it
    what: str  # "a fit", "a validation"
    calibration: str  # the calibration file's name
    seed: int
    #: whether an entry of the directory is work this run reuses as is (a reference table of the same draws)
    reusable: Callable[[Path], bool] = lambda p: False


def same_table(key: str | None) -> Callable[[Path], bool]:
    """Whether an entry is a reference table (``table/``) of fingerprint ``key``: the same draws, read back as
    they are (a table built by ``calibrate`` may be copied into a ``validate`` directory, and back)."""

    def reusable(p: Path) -> bool:
        old = read_record(p / TABLE_RECORD) if p.name == TABLE_DIR and p.is_dir() else None
        return old is not None and old["fingerprint"] == key

    return reusable


def same_fold(keys: Mapping[str, str]) -> Callable[[Path], bool]:
    """Whether an entry is a fold's fit (``fold-ROUND/``) of a validation whose folds' fits have the
    fingerprints ``keys`` (by the fold directory's name): resumed or read back as it is."""

    def same(p: Path) -> bool:
        old = read_record(p / "fit.json") if p.name in keys and p.is_dir() else None
        return old is not None and old["fingerprint"] == keys[p.name]

    return same


def reusable_work(table_key: str, fold_keys: Mapping[str, str]) -> Callable[[Path], bool]:
    """Whether an entry of a --out directory is a validation's work, reused as it is: a reference table of
    the same draws (``table/`` of fingerprint ``table_key``, as ``calibrate`` builds it too), or a fold's fit
    (``fold-ROUND/``, :func:`same_fold`)."""
    table, fold = same_table(table_key), same_fold(fold_keys)
    return lambda p: table(p) or fold(p)


def _entries(out: Path, reusable: Callable[[Path], bool]) -> list[str]:
    """The names in the directory ``out``, but the temporary files a stopped write leaves (.NAME.PID.X.tmp)
    and the entries this run reuses as they are."""
    return sorted(
        p.name for p in out.iterdir() if not (p.name.startswith(".") and p.name.endswith(".tmp")) and not reusable(p)
    )


def check_owner(out: Path, owner: Owner, force: bool) -> bool:
    """Refuse, before any work, an existing --out directory this run may not write in; True if ``--force``
    must first clear the command's files in it (:func:`clear_files`).

    A run may write in a new or empty directory, or in one whose record (``owner.record``) has this run's
    fingerprint: its command's earlier work on the same file, sizes and seed, which it resumes; or in one
    that holds only work it reuses as it is (``owner.reusable``: a reference table of the same draws).
    Anything else (another fit, files the command did not write) is refused unless ``force``.

    Raises
    ------
    FitError
        ``out`` cannot be read, or may not be written in (one line: what it holds, and the way out).
    """
    if not out.is_dir():
        return False
    old = read_record(out / owner.record)
    if old is not None and old["fingerprint"] == owner.key:
        return False  # this command's own work on the same file and settings: resumed
    try:
        names = _entries(out, owner.reusable)
    except OSError as e:
        raise FitError(f"--out {out}: cannot read the directory ({e.strerror or e})") from None
    if not names:
        return False
    if force:
        return True
    if old is not None:
        found = f"{owner.what} of {old.get('calibration')} with seed {old.get('seed')} (or of other rounds or sizes)"
    elif owner.record in names:
        found = f"a {owner.record} that 'trucesim {owner.command}' did not write"
    else:
        shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
        found = f"{len(names)} entr{'y' if len(names) == 1 else 'ies'} and no {owner.record}: {shown}"
    raise FitError(
        f"--out {out}: expected a new or empty directory, or one 'trucesim {owner.command}' wrote for "
        f"{owner.calibration} with seed {owner.seed} (to resume it), found {found}; add --force to replace "
        f"{owner.command}'s files in it (other files are kept), or choose another --out"
    )


def clear_files(out: Path, names, table_key: str | None = None) -> None:
    """``--force``: remove the files ``names`` from ``out``, and its ``table/`` unless that is a reference table
    of fingerprint ``table_key`` (the same draws: its blocks are reused, with the same numbers)."""
    for name in names:
        (out / name).unlink(missing_ok=True)
    table = out / TABLE_DIR
    if table.is_dir() and not same_table(table_key)(table):
        for p in [table / TABLE_RECORD, *table.glob(TABLE_BLOCKS)]:
            p.unlink(missing_ok=True)
        with suppress(OSError):  # kept if it holds other files
            table.rmdir()


def stored_folds(out: Path) -> list[str] | None:
    """The left-out rounds of the validation.json in ``out`` ([] if there is none; None if it cannot be read)."""
    path = out / "validation.json"
    if not path.exists():
        return []
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
        return [str(r["name"]) for r in d["rounds"]]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return None


def clear_validation(out: Path, names, table_key: str, fold_keys: Mapping[str, str]) -> None:
    """``--force``: remove another validation's files from ``out`` (``names``, its table/ and its fold-ROUND/
    fits), but a reference table (fingerprint ``table_key``) or fold fits (:func:`same_fold`: ``fold_keys``)
    of this one's draws (reused, with the same numbers)."""
    clear_files(out, names, table_key)
    same = same_fold(fold_keys)
    for d in out.glob("fold-*"):
        if d.is_dir() and not same(d):
            for name in FIT_FILES:
                (d / name).unlink(missing_ok=True)
            with suppress(OSError):  # kept if it holds other files
                d.rmdir()
