"""Fit assumption values jointly to the historical rounds: approximate Bayesian computation (ABC-SMC, pyabc).

Each particle is one set of values for the keys a calibration file fits
(:mod:`trucesim.config.calibration`), shared by every round.  Its summary statistics are
the shares of worlds that reproduce each observed fact of each round
(:mod:`trucesim.history.facts`); what happened is 1 for every fact, so the distance is how
far those shares fall short (:func:`distance`, averaged per round so that each round
counts the same, with the overlapping facts of a round counted once).  Only values that keep
each side's worth of continuing the war below the best a text can give it are admitted
(:mod:`trucesim.history.consistency`).  pyabc's sequential Monte Carlo narrows the tolerance over generations
and keeps the particles within it: the posterior.

The fit is stored in an output directory: ``abc.db`` (pyabc's database, every
generation), ``particles.parquet`` (the last generation's particles, their weights and
distances) and ``fit.json`` (what was fitted, with which seed, and each generation's
tolerance).  A second call with the same file and seed goes on from the last stored
generation (a fit that was stopped resumes); the numbers are the same as a fit run in
one go, whatever ``--workers``.

Examples
--------
>>> from trucesim.config.calibration import load_calibration
>>> cal = load_calibration("calibration/joint.toml").quick_preset()     # doctest: +SKIP
>>> fit = calibrate(cal, Path("out/fit"), seed=1)                       # doctest: +SKIP
>>> fit.particles.columns[:2].tolist()                                  # doctest: +SKIP
['actors.hamas.patience', 'actors.israel.sensitivity_us']
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from trucesim.config.calibration import Calibration
from trucesim.config.distributions import NUMERIC_KINDS, Dist
from trucesim.history.batch import batch_shares
from trucesim.history.consistency import consistent
from trucesim.history.distance import CONSISTENT, distance, fact_labels
from trucesim.history.fits import Fit, FitError, open_fit, store_fit
from trucesim.history.table import fit_table
from trucesim.run.files import write_atomic


def prior_rv(dist: Dist, bounds: tuple[float, float]):
    """The pyabc random variable of an uncertainty table, truncated to the key's range like the model's draws.

    >>> float(prior_rv(Dist("uniform", {"low": 0.2, "high": 0.6}), (0, 1)).pdf(0.3))
    2.5
    """
    import pyabc

    name, args, kwds = dist.scipy_args(bounds)
    return pyabc.RV(name, *args, **kwds)


def safe_name(key: str) -> str:
    """A key as a pyabc parameter name (no dots): ``actors.hamas.patience`` → ``actors__hamas__patience``."""
    return key.replace(".", "__")


def _quiet_pyabc() -> None:
    for name in ("ABC", "ABC.Sampler", "ABC.History", "ABC.Distance", "ABC.Epsilon", "ABC.Adaptation"):
        logging.getLogger(name).setLevel(logging.WARNING)


def calibrate(
    cal: Calibration,
    out: Path,
    seed: int = 0,
    executor=None,
    on_progress: Callable[[int, int, int, int], None] | None = None,
) -> Fit:
    """Run (or resume) the fit of ``cal`` into ``out``; see the module's docstring.

    ``executor`` (:func:`trucesim.run.executors.make_executor`) runs the batches; by
    default they run in this process.  ``on_progress(t, accepted, n, evaluations)`` is
    told after each batch (``t`` is the generation, -1 for pyabc's first pass over the prior).

    Raises
    ------
    FitError
        ``out`` holds a fit of another calibration or seed (it is never overwritten), or a
        prior is a ``sample`` (a fit's particles).
    """
    for k, d in cal.priors.items():  # a fitted posterior (a sample) is not a prior: refused before anything runs
        if d.kind not in NUMERIC_KINDS:
            raise FitError(
                f"{cal.path.name}: prior.{k}: expected uniform, normal, triangular or beta, found {d.kind} "
                f"(a fit's particles; give the key a prior in the calibration file's [prior] table)"
            )
    if cal.method == "table":
        return fit_table(cal, out, seed, executor, on_progress)
    import pyabc

    from trucesim.history.sampler import BatchModel, BatchSampler
    from trucesim.run.executors import borrowed

    _quiet_pyabc()
    db = out / "abc.db"
    if db.exists() and not (out / "fit.json").exists():
        raise FitError(f"{out}: holds an abc.db without fit.json; give another --out, or remove that directory")
    meta = open_fit(cal, out, seed)
    meta_path = out / "fit.json"

    keys = list(cal.fit)
    names = [safe_name(k) for k in keys]
    prior = pyabc.Distribution(**{safe_name(k): prior_rv(cal.priors[k], cal.bounds[k]) for k in keys})
    labels = fact_labels(cal.rounds)
    flat_labels = [label for g in labels for label in g]
    with borrowed(executor) as ex:

        def simulate_batch(t: int, batch: int, params: list[dict]) -> list[dict]:
            values = np.array([[p[n] for n in names] for p in params], dtype=float)
            shares = np.concatenate(
                batch_shares(ex, cal.rounds, keys, values, cal.worlds, (seed, t + 1, batch)), axis=1
            )
            ok = consistent(cal.rounds, keys, values)
            return [
                {**dict(zip(flat_labels, row.tolist(), strict=True)), CONSISTENT: float(good)}
                for row, good in zip(shares, ok, strict=True)
            ]

        model = BatchModel(names)
        sampler = BatchSampler(model, simulate_batch, seed, cal.population, on_progress)
        abc = pyabc.ABCSMC(
            model,
            prior,
            distance(cal.distance, labels, cal.worlds),
            population_size=cal.population,
            sampler=sampler,
            eps=pyabc.MedianEpsilon(),
        )
        url = f"sqlite:///{db.resolve()}"
        np.random.seed(seed)  # pyabc's own draws outside the sampler (none expected) stay reproducible
        stored = pyabc.History(url).all_runs() if db.exists() else []
        if stored:  # pyabc stores each generation as it ends: go on from the last one stored
            abc.load(url, stored[0].id)
        else:
            abc.new(url, dict.fromkeys(flat_labels, 1.0), meta_info={"fingerprint": meta["fingerprint"]})
        pops = abc.history.get_all_populations()
        done = int((pops.t >= 0).sum())
        last = pops[pops.t >= 0].epsilon.iloc[-1] if done else np.inf
        stopped = done > 0 and last <= cal.min_epsilon
        if done < cal.generations and not stopped:
            abc.run(max_nr_populations=cal.generations - done, minimum_epsilon=cal.min_epsilon)
    pops = abc.history.get_all_populations()
    meta["generations"] = [
        {
            "generation": int(row.t),
            "epsilon": float(row.epsilon),
            "evaluations": int(row.samples),
            "acceptance": cal.population / max(int(row.samples), 1),
        }
        for row in pops[pops.t >= 0].itertuples()
    ]
    write_atomic(meta_path, json.dumps(meta, indent=1))
    return _store(abc.history, cal, out, seed, meta)


def _store(history, cal: Calibration, out: Path, seed: int, meta: dict) -> Fit:
    """Write the last generation's particles (and their shares) to Parquet; return the :class:`Fit`."""
    pop = history.get_population(history.max_t)
    names = {safe_name(k): k for k in cal.fit}
    rows = [{names[n]: float(v) for n, v in p.parameter.items()} for p in pop.particles]
    particles = pd.DataFrame(rows, columns=list(cal.fit))
    weights = np.array([p.weight for p in pop.particles], dtype=float)
    particles["weight"] = weights / weights.sum()
    particles["distance"] = [float(p.distance) for p in pop.particles]
    shares = pd.DataFrame([p.sum_stat for p in pop.particles]).drop(columns=CONSISTENT, errors="ignore")
    shares["weight"] = particles["weight"]
    return store_fit(Fit(out, tuple(cal.fit), particles, shares, list(meta["generations"]), seed))
