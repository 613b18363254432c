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

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from trucesim.config.calibration import Calibration
from trucesim.config.distributions import NUMERIC_KINDS, Dist
from trucesim.history.batch import batch_shares
from trucesim.history.consistency import consistent
from trucesim.history.scores import brier, log_score
from trucesim.run.files import write_atomic

#: the summary statistic saying whether a particle's values are consistent (:mod:`trucesim.history.consistency`)
CONSISTENT = "consistent reservations"
#: facts that are largely one outcome in a round: scored together, once (:func:`distance`)
OVERLAPPING = ("deal", "hostages_released", "permanent_end")
#: the distance of an inconsistent particle: above any score, so no tolerance of a fit's later generations admits it
INCONSISTENT = 10.0


class FitError(RuntimeError):
    """A fit that cannot start or go on; ``str(err)`` is one line for the user."""


def prior_rv(dist: Dist, bounds: tuple[float, float]):
    """The pyabc random variable of an uncertainty table, truncated to the key's range like the model's draws.

    >>> float(prior_rv(Dist("uniform", {"low": 0.2, "high": 0.6}), (0, 1)).pdf(0.3))
    2.5
    """
    import pyabc

    if dist.kind not in NUMERIC_KINDS:
        raise ValueError(f"expected uniform, normal, triangular or beta, found {dist.kind}")
    a = dist.args
    if dist.kind == "uniform":
        return pyabc.RV("uniform", a["low"], a["high"] - a["low"])
    if dist.kind == "triangular":
        width = a["high"] - a["low"]
        return pyabc.RV("triang", (a["mode"] - a["low"]) / width, loc=a["low"], scale=width)
    if dist.kind == "beta":
        lo, hi = dist.support()
        return pyabc.RV("beta", a["a"], a["b"], loc=lo, scale=hi - lo)
    lo = max(a.get("low", -np.inf), bounds[0])
    hi = min(a.get("high", np.inf), bounds[1])
    return pyabc.RV("truncnorm", (lo - a["mean"]) / a["sd"], (hi - a["mean"]) / a["sd"], loc=a["mean"], scale=a["sd"])


def safe_name(key: str) -> str:
    """A key as a pyabc parameter name (no dots): ``actors.hamas.patience`` → ``actors__hamas__patience``."""
    return key.replace(".", "__")


def distance(kind: str, groups: list[list[str]], worlds: int) -> Callable[[dict, dict], float]:
    """The distance between a particle's fact shares and what happened (every fact observed: 1).

    ``groups`` lists each round's summary-statistic names (``round:fact``); the score of each fact
    (:mod:`trucesim.history.scores`: Brier, log, or ``1 - p`` for ``absolute``) is averaged within a
    round, then over rounds.  The facts of :data:`OVERLAPPING` (a deal, the hostages released, a
    permanent end) are largely one outcome (a world without a deal releases no one and reaches no
    permanent end), so within a round they count once, as the mean of their scores.  A particle
    outside the consistent values (:mod:`trucesim.history.consistency`) gets :data:`INCONSISTENT`.

    >>> d = distance("brier", [["a:deal"], ["b:deal", "b:exits"]], worlds=100)
    >>> d({"a:deal": 1.0, "b:deal": 0.5, "b:exits": 1.0}, {})
    0.0625
    >>> d = distance("brier", [["a:deal", "a:permanent_end", "a:exits"]], worlds=100)
    >>> d({"a:deal": 0.5, "a:permanent_end": 0.5, "a:exits": 1.0}, {})   # (0.25 + 0) / 2
    0.125
    """

    def score(p: np.ndarray) -> np.ndarray:
        if kind == "brier":
            return brier(p)
        if kind == "log":
            return log_score(p, worlds)
        return 1.0 - p

    parts = []
    for g in groups:
        together = [name for name in g if name.rsplit(":", 1)[-1] in OVERLAPPING]
        parts.append((together, [name for name in g if name not in together]))

    def d(x: dict, x0: dict) -> float:
        if x.get(CONSISTENT, 1.0) < 1.0:  # outside the consistent values: the truncated prior excludes it
            return INCONSISTENT
        rounds = []
        for together, alone in parts:
            scores = list(score(np.array([x[name] for name in alone]))) if alone else []
            if together:
                scores.append(float(score(np.array([x[name] for name in together])).mean()))
            rounds.append(np.mean(scores))
        return float(np.mean(rounds))

    return d


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
    return h.hexdigest()[:16]


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
    import pyabc

    from trucesim.history.sampler import BatchModel, BatchSampler
    from trucesim.run.executors import make_executor

    _quiet_pyabc()
    out.mkdir(parents=True, exist_ok=True)
    meta_path = out / "fit.json"
    key = fingerprint(cal, seed)
    meta: dict = {
        "fingerprint": key,
        "calibration": cal.path.name,
        "seed": seed,
        "keys": list(cal.fit),
        "generations": [],
    }
    db = out / "abc.db"
    if meta_path.exists():
        old = json.loads(meta_path.read_text())
        if old.get("fingerprint") != key:
            raise FitError(
                f"{out}: holds a fit of {old.get('calibration')} with seed {old.get('seed')} (or of other rounds "
                f"or sizes); give another --out, or remove that directory to fit again"
            )
        meta = old
    elif db.exists():
        raise FitError(f"{out}: holds an abc.db without fit.json; give another --out, or remove that directory")
    else:  # written first, so a fit stopped at any point (Ctrl-C, a killed job) is recognised and resumed
        write_atomic(meta_path, json.dumps(meta, indent=1))

    keys = list(cal.fit)
    names = [safe_name(k) for k in keys]
    prior = pyabc.Distribution(**{safe_name(k): prior_rv(cal.priors[k], cal.bounds[k]) for k in keys})
    labels = [[f"{r.path.stem}:{o.key}" for o in r.observed] for r in cal.rounds]
    flat_labels = [label for g in labels for label in g]
    own = executor is None
    ex = make_executor(workers=1) if own else executor

    def simulate_batch(t: int, batch: int, params: list[dict]) -> list[dict]:
        values = np.array([[p[n] for n in names] for p in params], dtype=float)
        shares = np.concatenate(batch_shares(ex, cal.rounds, keys, values, cal.worlds, (seed, t + 1, batch)), axis=1)
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
        abc.new(url, dict.fromkeys(flat_labels, 1.0), meta_info={"fingerprint": key})
    pops = abc.history.get_all_populations()
    done = int((pops.t >= 0).sum())
    last = pops[pops.t >= 0].epsilon.iloc[-1] if done else np.inf
    stopped = done > 0 and last <= cal.min_epsilon
    try:
        if done < cal.generations and not stopped:
            abc.run(max_nr_populations=cal.generations - done, minimum_epsilon=cal.min_epsilon)
    finally:
        if own:
            ex.close()
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
    write_atomic(out / "particles.parquet", lambda p: particles.to_parquet(p, index=False))
    write_atomic(out / "shares.parquet", lambda p: shares.to_parquet(p, index=False))
    return Fit(out, tuple(cal.fit), particles, shares, list(meta["generations"]), seed)
