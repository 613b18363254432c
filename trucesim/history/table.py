"""A reference table: many parameter sets drawn from the prior, each simulated once on every round.

ABC by rejection (Pritchard et al. 1999; Beaumont, Zhang and Balding 2002) keeps, of many
parameter sets drawn from the prior, those whose simulated facts lie nearest what happened.
Its simulations do not depend on which rounds are fitted, so one table serves the fit on
every round and each fold of a leave-one-round-out validation (the ``cv4abc`` design of
Csilléry, François and Blum's ``abc`` package): a fold keeps the particles nearest the
rounds it fits, and the left-out round's outcome never enters that choice.

The draws are a scrambled Sobol' sequence over the prior (evenly spread in the fitted
values' space), in blocks of :data:`BLOCK`.  A draw is simulated only if its day-0
reservations stay below the best a text can give in all rounds but at most one
(:mod:`trucesim.history.consistency`), so that a fold can truncate the prior to the rounds it
fits.  Each block is stored as it ends (``OUT/block-B-N.parquet``: block B's first N draws; ``table.json``
naming what was simulated): a table that was stopped goes on from its last block, and a
larger table reuses the blocks of a smaller one.  The same seed gives the same table
whatever the workers.

Examples
--------
>>> from trucesim.config.calibration import load_calibration
>>> cal = load_calibration("calibration/joint.toml").quick_preset()   # doctest: +SKIP
>>> t = build_table(cal, Path("out/table"), seed=0)                     # doctest: +SKIP
>>> fit = select(t, cal, range(len(cal.rounds)))                        # doctest: +SKIP
>>> len(fit.particles) == cal.population                               # doctest: +SKIP
True
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from trucesim.config.calibration import Calibration
from trucesim.history.batch import TASK_WORLDS, batch_shares
from trucesim.history.consistency import round_margins
from trucesim.history.distance import CONSISTENT, distances_by_round, fact_labels
from trucesim.history.fits import TABLE_DIR, TABLE_RECORD, Fit, FitError, digest, open_fit, open_record, store_fit
from trucesim.history.refine import refine
from trucesim.run.files import write_atomic

#: prior draws per block (a power of two keeps the Sobol' points of each block balanced)
BLOCK = 4096
#: the first number of the table's random streams: apart from a fit's generations and a validation's predictive runs
TABLE_STREAM = 2**21
#: a draw is simulated if it is consistent in all rounds but at most this many
SPARE_ROUNDS = 1


@dataclass(frozen=True)
class Table:
    """A reference table: the simulated draws' values (draws × keys), their consistency margins
    (draws × rounds, [utility]: > 0 is consistent) and, per round, their fact shares (draws × facts).

    ``draws`` counts the prior draws, simulated or not; ``labels`` names each round's facts
    (``round:fact``)."""

    keys: tuple[str, ...]
    values: np.ndarray
    margins: np.ndarray
    shares: list[np.ndarray]
    labels: list[list[str]]
    draws: int
    worlds: int


def table_fingerprint(cal: Calibration, seed: int) -> str:
    """What makes two tables' blocks the same: every round's values and facts, the priors, the keys,
    the worlds, the seed and how blocks are cut into tasks (their random streams); not the table's
    size: a larger table reuses a smaller one's blocks."""
    # not the fitted keys' values: each draw overrides them (a new fit leaves the table valid)
    return digest(cal, [[cal.fit, cal.worlds, seed, BLOCK, SPARE_ROUNDS, TASK_WORLDS, CONSISTENT]], fitted_values=False)


def prior_draws(cal: Calibration, seed: int, start: int, n: int) -> np.ndarray:
    """Points ``start`` to ``start + n`` of the scrambled Sobol' sequence, mapped through each key's prior
    (its inverse CDF, within the key's range): an array n × keys.

    >>> from trucesim.config.calibration import load_calibration
    >>> cal = load_calibration("calibration/joint.toml")
    >>> a = prior_draws(cal, 0, 0, 8)
    >>> a.shape, bool((prior_draws(cal, 0, 4, 4) == a[4:]).all())
    ((8, 15), True)
    """
    from scipy.stats import qmc

    sobol = qmc.Sobol(len(cal.fit), scramble=True, seed=np.random.default_rng([seed, TABLE_STREAM]))
    if start:
        sobol.fast_forward(start)
    with warnings.catch_warnings():  # a table's last block may be cut short of a power of two: still evenly spread
        warnings.filterwarnings("ignore", "The balance properties of Sobol", UserWarning)
        u = sobol.random(n)
    u = np.clip(u, 1e-12, 1 - 1e-12)  # a truncated normal's inverse CDF is infinite at 0 and 1
    cols = [cal.priors[k].ppf(u[:, j], cal.bounds[k]) for j, k in enumerate(cal.fit)]
    return np.column_stack(cols)


def _block(cal: Calibration, seed: int, b: int, n: int, executor, on_task=None) -> pd.DataFrame:
    """Block ``b`` of the table: its ``n`` draws that are consistent in all rounds but at most
    :data:`SPARE_ROUNDS`, with their margins and fact shares (``on_task``: see :func:`batch_shares`)."""
    keys = list(cal.fit)
    labels = fact_labels(cal.rounds)
    values = prior_draws(cal, seed, b * BLOCK, n)
    margins = round_margins(cal.rounds, keys, values)
    kept = (margins <= 0.0).sum(axis=1) <= SPARE_ROUNDS
    values, margins = values[kept], margins[kept]
    cols: dict[str, np.ndarray] = {"draw": b * BLOCK + np.flatnonzero(kept)}
    cols.update({k: values[:, j] for j, k in enumerate(keys)})
    cols.update({f"margin:{r.path.stem}": margins[:, j] for j, r in enumerate(cal.rounds)})
    if len(values):
        shares = batch_shares(executor, cal.rounds, keys, values, cal.worlds, (seed, TABLE_STREAM, b), on_task=on_task)
        for names, s in zip(labels, shares, strict=True):
            cols.update({name: s[:, i] for i, name in enumerate(names)})
    else:
        cols.update({name: np.zeros(0) for names in labels for name in names})
    return pd.DataFrame(cols)


def build_table(
    cal: Calibration,
    out: Path,
    seed: int = 0,
    executor=None,
    on_progress: Callable[[int, int, int, int], None] | None = None,
) -> Table:
    """Simulate (or load, or extend) ``cal.table`` prior draws on every round of ``cal`` into ``out``.

    ``on_progress(0, drawn, draws, simulated)`` is told at the start, as a block's tasks come
    back (``drawn`` then counts the block's draws in proportion) and after each block.

    Raises
    ------
    FitError
        ``out`` holds a table of other rounds, priors, worlds or seed (it is never overwritten).
    """
    from trucesim.run.executors import borrowed

    key = table_fingerprint(cal, seed)
    meta = {"fingerprint": key, "calibration": cal.path.name, "seed": seed, "keys": list(cal.fit), "block": BLOCK}
    open_record(out / TABLE_RECORD, key, meta, "a reference table", "rounds, priors or worlds")
    blocks = -(-cal.table // BLOCK)
    parts = []
    simulated = 0
    if on_progress is not None:
        on_progress(0, 0, cal.table, 0)  # the display starts with the work, not after the first block
    with borrowed(executor) as ex:
        for b in range(blocks):
            n = min(BLOCK, cal.table - b * BLOCK)

            def on_task(done: int, tasks: int, b: int = b, n: int = n, simulated: int = simulated) -> None:
                if on_progress is not None and done < tasks:  # the block's end is told below
                    on_progress(0, b * BLOCK + n * done // tasks, cal.table, simulated)

            stored = sorted(out.glob(f"block-{b:04d}-*.parquet"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
            larger = [p for p in stored if int(p.stem.rsplit("-", 1)[1]) >= n]
            if larger:  # the same draws, or a larger table's block of which these are the first
                part = pd.read_parquet(larger[0])
                part = part[part["draw"] < b * BLOCK + n]
            else:
                part = _block(cal, seed, b, n, ex, on_task)
                _write_block(out / f"block-{b:04d}-{n}.parquet", part)
            parts.append(part)
            simulated += len(part)
            if on_progress is not None:
                on_progress(0, b * BLOCK + n, cal.table, simulated)
    return _table(cal, pd.concat(parts, ignore_index=True))


def _write_block(path: Path, part: pd.DataFrame) -> None:
    write_atomic(path, lambda p: part.to_parquet(p, index=False))


def _table(cal: Calibration, frame: pd.DataFrame) -> Table:
    labels = fact_labels(cal.rounds)
    return Table(
        keys=tuple(cal.fit),
        values=frame[list(cal.fit)].to_numpy(float),
        margins=frame[[f"margin:{r.path.stem}" for r in cal.rounds]].to_numpy(float),
        shares=[frame[g].to_numpy(float) for g in labels],
        labels=labels,
        draws=cal.table,
        worlds=cal.worlds,
    )


def distances(table: Table, kind: str) -> np.ndarray:
    """Each simulated draw's distance on each round (draws × rounds): :func:`~trucesim.history.distance.distances_by_round`."""
    if not table.labels:
        return np.zeros((len(table.values), 0))
    return distances_by_round(kind, table.labels, table.shares, table.worlds)


def select(table: Table, cal: Calibration, rounds: Sequence[int], dist: np.ndarray | None = None) -> Fit:
    """The fit on ``rounds`` (indices into ``cal.rounds``): the ``cal.population`` draws consistent in those
    rounds with the smallest mean distance over them, each of weight ``1 / population``.

    ``dist`` (:func:`distances`) may be given when many fits share a table.  The fit's one "generation"
    records the tolerance (the largest distance kept), the draws and the acceptance.

    Raises
    ------
    FitError
        Fewer consistent draws than ``cal.population``.
    """
    rounds = list(rounds)
    d = (distances(table, cal.distance) if dist is None else dist)[:, rounds].mean(axis=1)
    ok = (table.margins[:, rounds] > 0.0).all(axis=1)
    if ok.sum() < cal.population:
        raise FitError(
            f"{cal.path.name}: the reference table has {int(ok.sum())} consistent draws, fewer than population = "
            f"{cal.population}; raise table (now {cal.table})"
        )
    d = np.where(ok, d, np.inf)
    idx = np.argsort(d, kind="stable")[: cal.population]
    particles = pd.DataFrame(table.values[idx], columns=list(table.keys))
    particles["weight"] = 1.0 / len(idx)
    particles["distance"] = d[idx]
    shares = pd.DataFrame({name: table.shares[j][idx, i] for j in rounds for i, name in enumerate(table.labels[j])})
    shares["weight"] = particles["weight"]
    generation = {
        "generation": 0,
        "epsilon": float(d[idx[-1]]),
        "evaluations": int(len(table.values)),
        "acceptance": len(idx) / max(table.draws, 1),
    }
    return Fit(Path(), tuple(table.keys), particles, shares, [generation], 0)


def fit_table(
    cal: Calibration,
    out: Path,
    seed: int = 0,
    executor=None,
    on_progress: Callable[[int, int, int, int], None] | None = None,
) -> Fit:
    """The fit of ``cal`` on all its rounds: :func:`build_table` into ``OUT/table``, then :func:`select`
    (and, with ``cal.refine``, :func:`trucesim.history.refine.refine`).

    Writes ``fit.json`` (what was fitted, the tolerance), ``particles.parquet`` and ``shares.parquet``
    into ``out``, like an ABC-SMC fit; a second call goes on from the table's stored blocks.
    """
    meta = open_fit(cal, out, seed)
    table = build_table(cal, out / TABLE_DIR, seed, executor, on_progress)
    fit = select(table, cal, range(len(cal.rounds)))
    if cal.refine:
        fit = refine(cal, fit, range(len(cal.rounds)), seed, executor)
    meta["generations"] = fit.generations
    meta["simulated"] = int(len(table.values))
    write_atomic(out / "fit.json", json.dumps(meta, indent=1))
    return store_fit(replace(fit, out=out, seed=seed))
