"""What a fit returns, and the error of a fit that cannot start or go on.

Examples
--------
>>> str(FitError("fits/x: holds a fit of another calibration"))
'fits/x: holds a fit of another calibration'
"""

from __future__ import annotations

import hashlib
import json
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
        ``differs``); it is never overwritten.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        old = json.loads(path.read_text())
        if old.get("fingerprint") != key:
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
