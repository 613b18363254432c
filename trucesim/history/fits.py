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
    h = hashlib.sha256()
    for r in cal.rounds:
        h.update(repr(sorted(r.values.items())).encode())
        h.update(repr(r.observed).encode())
    h.update(repr(sorted(cal.priors.items())).encode())
    h.update(json.dumps([cal.fit, cal.distance, cal.population, cal.worlds, seed, CONSISTENT, OVERLAPPING]).encode())
    if cal.method != "smc":  # an ABC-SMC fit's fingerprint is unchanged since it was the only method
        h.update(json.dumps([cal.method, cal.table]).encode())
    return h.hexdigest()[:16]


def store_fit(fit: Fit) -> Fit:
    """Write a fit's particles and their fact shares to ``particles.parquet`` and ``shares.parquet`` in ``fit.out``."""
    write_atomic(fit.out / "particles.parquet", lambda p: fit.particles.to_parquet(p, index=False))
    write_atomic(fit.out / "shares.parquet", lambda p: fit.shares.to_parquet(p, index=False))
    return fit


def open_fit(cal: Calibration, out: Path, seed: int) -> dict:
    """The record of the fit of ``cal`` with ``seed`` in ``out`` (``fit.json``): the stored one, to resume it, or a
    new one, written before anything runs so that a fit stopped at any point is recognised.

    Raises
    ------
    FitError
        ``out`` holds a fit of another calibration, rounds, sizes or seed (it is never overwritten).
    """
    out.mkdir(parents=True, exist_ok=True)
    path = out / "fit.json"
    key = fingerprint(cal, seed)
    if path.exists():
        old = json.loads(path.read_text())
        if old.get("fingerprint") != key:
            raise FitError(
                f"{out}: holds a fit of {old.get('calibration')} with seed {old.get('seed')} (or of other rounds "
                f"or sizes); give another --out, or remove that directory to fit again"
            )
        return old
    meta = {"fingerprint": key, "calibration": cal.path.name, "seed": seed, "keys": list(cal.fit), "generations": []}
    write_atomic(path, json.dumps(meta, indent=1))
    return meta
