"""Out of sample: leave-one-round-out cross-validation of the calibration.

For each round of a calibration file (a *fold*), the values are fitted on the other
rounds only, by the calibration file's method: ABC-SMC (:func:`trucesim.history.calibrate.calibrate`,
into the fold's own directory ``OUT/fold-ROUND``, so a validation that was stopped resumes
fold by fold), or rejection on one reference table of prior draws simulated on every round
(:mod:`trucesim.history.table`, in ``OUT/table``: each fold keeps the draws nearest the
rounds it fits; the left-out round's outcome never enters that choice),
and the left-out round is then simulated under the fold's **posterior predictive**:
each world draws one particle of the fit's last generation, with probability its
weight, and takes all of that particle's values (the joint posterior, not only its
marginals).  A fact's probability ``p`` is the share of those worlds that reproduce it.

Each fact of a left-out round is scored (hit at 0.5, Brier, log: :mod:`.scores`)
for three forecasters:

- the **model**: ``p`` from the posterior predictive;
- a **coin**: ``p = 0.5`` for every fact;
- the **base rate**: ``p`` = the share of the *other* rounds observing the same fact
  (the same key, e.g. ``first_text.hamas``) whose observed value is the left-out
  round's (a count within the left-out fact's tolerance, a list of exits with the same
  parties); ``0.5`` where no other round observes that fact.

The log score floors every forecaster's ``p`` at half a world of the predictive run
(``0.5 / predictive_worlds``), so a base rate of 0 costs the same finite penalty as a
fact no world reproduced.

The output directory's ``validate.json`` (:data:`RECORD`, written first) records what is
validated, so that a validation stopped at any point resumes there and never mixes with
another's (:func:`open_validation`).

Examples
--------
>>> from trucesim.config.observed import Observed
>>> deal = lambda v: Observed("deal", "deal", v, "")
>>> base_rate_p(deal(False), [(deal(False),), (deal(True),), (deal(False),)])
0.6666666666666666
>>> base_rate_p(deal(False), [(Observed("exits", "exits", (), ""),)])   # no other round observes it
0.5
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from trucesim.config.calibration import Calibration
from trucesim.config.observed import Observed
from trucesim.history.batch import batch_shares
from trucesim.history.calibrate import calibrate
from trucesim.history.fits import TABLE_DIR, Fit, digest, fingerprint, open_record
from trucesim.history.refine import refine
from trucesim.history.reliability import reliability
from trucesim.history.rounds import round_name
from trucesim.history.scores import brier, hit, log_score
from trucesim.history.table import Table, build_table, distances, select
from trucesim.run.files import write_atomic
from trucesim.run.stats import clustered_mean_ci

#: the first number of a predictive run's random stream: above any generation's (``t + 1``) in :func:`calibrate`
PREDICTIVE_STREAM = 2**20
#: the forecasters every left-out fact is scored for, in the order they are reported
FORECASTERS = ("model", "base_rate", "coin")


#: the record of what a validation's directory holds, written before anything else (see :func:`open_validation`)
RECORD = "validate.json"


class ValidationError(ValueError):
    """A validation that cannot start (too few rounds, an unknown round); ``str(err)`` is one line."""


def validation_fingerprint(cal: Calibration, seed: int) -> str:
    """What makes two validations the same: their fits' (:func:`trucesim.history.fits.fingerprint`: every
    round's values and facts, the priors, the sizes but the generations, the seed) and the predictive worlds."""
    return digest(cal, [[fingerprint(cal, seed), cal.predictive_worlds, PREDICTIVE_STREAM]])


def open_validation(cal: Calibration, out: Path, seed: int) -> dict:
    """The record of the validation of ``cal`` with ``seed`` in ``out`` (:data:`RECORD`), written first if new,
    so that a validation stopped at any point is told from other files (see
    :func:`trucesim.history.fits.open_record`).

    Raises
    ------
    FitError
        ``out`` holds a validation of other rounds, sizes or seed (it is never overwritten).
    """
    key = validation_fingerprint(cal, seed)
    meta = {"fingerprint": key, "calibration": cal.path.name, "seed": seed, "sizes": cal.sizes()}
    return open_record(out / RECORD, key, meta, "a validation", "rounds or sizes")


def fold_dir(out: Path, name: str) -> Path:
    """The directory of the fold that leaves out round ``name``: ``OUT/fold-NAME``.

    >>> fold_dir(Path("fits/v"), "april-2024").as_posix()
    'fits/v/fold-april-2024'
    """
    return out / f"fold-{name}"


def same_value(fact: Observed, other: Observed) -> bool:
    """Whether ``other`` (the same key, another round) observed the value ``fact`` observed.

    A count matches within ``fact``'s tolerance (the window a world must hit); a list of
    exits matches with the same parties in any order; anything else must be equal.

    >>> c = lambda v, tol=0.0: Observed("hostages_released", "hostages_released", float(v), "", tol)
    >>> same_value(c(105, 10), c(100)), same_value(c(105, 10), c(80))
    (True, False)
    >>> e = lambda *p: Observed("exits", "exits", tuple(p), "")
    >>> same_value(e("a", "b"), e("b", "a")), same_value(e(), e("a"))
    (True, False)
    """
    a, b = fact.value, other.value
    if fact.fact in ("hostages_released", "remains_released"):
        return abs(float(a) - float(b)) <= fact.tolerance  # type: ignore[arg-type]
    if isinstance(a, tuple) and isinstance(b, tuple):
        return sorted(a) == sorted(b)
    return type(a) is type(b) and a == b


def base_rate_p(fact: Observed, others: Sequence[Sequence[Observed]]) -> float:
    """The base-rate forecaster's probability of ``fact``: see the module's docstring.

    ``others`` holds each other round's observed facts; only those with ``fact``'s key count.
    """
    same = [o for facts in others for o in facts if o.key == fact.key]
    if not same:
        return 0.5
    return sum(same_value(fact, o) for o in same) / len(same)


def posterior_draws(particles: pd.DataFrame, keys: Sequence[str], n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` worlds' values (an array n × keys): each world one particle, drawn with probability its weight.

    >>> p = pd.DataFrame({"a": [0.0, 1.0], "b": [10.0, 20.0], "weight": [0.0, 1.0]})
    >>> posterior_draws(p, ["a", "b"], 3, np.random.default_rng(0)).tolist()
    [[1.0, 20.0], [1.0, 20.0], [1.0, 20.0]]
    """
    w = particles["weight"].to_numpy(float)
    idx = rng.choice(len(particles), size=n, p=w / w.sum())
    return particles[list(keys)].to_numpy(float)[idx]


@dataclass(frozen=True)
class FoldScore:
    """One fold: the round left out, the rounds fitted, and each left-out fact's probability per forecaster.

    ``p[name]`` is an array in the order of ``facts`` for each of :data:`FORECASTERS`;
    ``worlds`` is the size of the predictive run (the log score's floor is half a world).
    """

    name: str
    fitted: tuple[str, ...]
    facts: tuple[Observed, ...]
    p: dict[str, np.ndarray] = field(compare=False)
    worlds: int
    generations: int
    epsilon: float

    def scores(self, forecaster: str) -> dict[str, np.ndarray]:
        """``p``, ``hit``, ``brier`` and ``log`` (nats) per fact, for one of :data:`FORECASTERS`."""
        p = self.p[forecaster]
        return {"p": p, "hit": hit(p), "brier": brier(p), "log": log_score(p, self.worlds) + 0.0}


@dataclass(frozen=True)
class Validation:
    """A leave-one-round-out validation: one :class:`FoldScore` per left-out round, and what was run."""

    calibration: str
    seed: int
    sizes: dict[str, int]
    folds: list[FoldScore]


def predictive_p(
    executor, scenario, keys: Sequence[str], particles: pd.DataFrame, worlds: int, key: tuple[int, ...]
) -> np.ndarray:
    """The share of ``worlds`` worlds of ``scenario`` reproducing each observed fact, under the posterior predictive.

    Each world draws a particle (:func:`posterior_draws`, stream ``key + (1,)``) and runs
    with its values (:func:`trucesim.history.batch.batch_shares`, one world per draw, stream
    ``key``), so the same key gives the same numbers whatever the executor's workers.
    """
    rng = np.random.default_rng(np.random.SeedSequence(key[0], spawn_key=(*key[1:], 1)))
    values = posterior_draws(particles, keys, worlds, rng)
    (hits,) = batch_shares(executor, [scenario], keys, values, 1, key, shared=False)  # a world per draw
    return hits.mean(axis=0)


def check_folds(cal: Calibration, names: Sequence[str] | None) -> list[int]:
    """The indices (in ``cal.rounds``) of the rounds to leave out: ``names``, or every round.

    Raises
    ------
    ValidationError
        Fewer than 3 rounds (a fold would fit on one), or a name that is not a round of ``cal``.
    """
    from trucesim.config.tomlio import cut, suggest

    stems = [round_name(r.path) for r in cal.rounds]
    if len(stems) < 3:
        raise ValidationError(
            f"{cal.path}: rounds: expected at least 3 rounds to leave one out at a time, found {len(stems)}"
        )
    if not names:
        return list(range(len(stems)))
    out = []
    for name in names:
        stem = round_name(name)
        if stem not in stems:
            raise ValidationError(
                f"--fold {cut(str(name))}: not a round of {cal.path}{suggest(stem, stems)} (rounds: {', '.join(stems)})"
            )
        if stems.index(stem) not in out:
            out.append(stems.index(stem))
    return out


def fold_calibration(cal: Calibration, i: int) -> Calibration:
    """``cal`` without its round ``i``: what the fold that leaves round ``i`` out fits (``OUT/fold-NAME/fit.json``)."""
    return replace(cal, rounds=tuple(r for j, r in enumerate(cal.rounds) if j != i))


def fold_fingerprints(cal: Calibration, seed: int) -> dict[str, str]:
    """The fingerprint of each fold's fit (``fold-ROUND/fit.json``) in a validation of ``cal`` with ``seed``, by
    the fold's directory name: the work :func:`trucesim.history.fits.reusable_work` reuses as it is."""
    return {
        fold_dir(Path(), round_name(r.path)).name: fingerprint(fold_calibration(cal, i), seed)
        for i, r in enumerate(cal.rounds)
    }


def fold(
    cal: Calibration,
    i: int,
    out: Path,
    seed: int,
    executor,
    on_progress: Callable[[int, int, int, int], None] | None = None,
    table: tuple[Table, np.ndarray] | None = None,
) -> tuple[FoldScore, Fit]:
    """Fit ``cal`` without its round ``i``, then score round ``i``.

    An ABC-SMC fit runs into ``OUT/fold-NAME`` (or resumes there); with ``table`` (a reference table and
    its :func:`~trucesim.history.table.distances`), the fit keeps the draws nearest the other rounds.
    """
    left = cal.rounds[i]
    fitted_on = fold_calibration(cal, i)
    others = fitted_on.rounds
    if table is None:
        fit = calibrate(fitted_on, fold_dir(out, round_name(left.path)), seed, executor, on_progress)
    else:
        rest = [j for j in range(len(cal.rounds)) if j != i]
        fit = select(table[0], cal, rest, table[1])
        if cal.refine:  # a second stage on the rounds this fold fits: the left-out round is not simulated
            fit = refine(cal, fit, rest, seed, executor)
    worlds = cal.predictive_worlds
    model_p = predictive_p(executor, left, cal.fit, fit.particles, worlds, (seed, PREDICTIVE_STREAM, i))
    base = np.array([base_rate_p(f, [r.observed for r in others]) for f in left.observed])
    p = {"model": model_p, "base_rate": base, "coin": np.full(len(left.observed), 0.5)}
    last = fit.generations[-1] if fit.generations else {"epsilon": float("nan")}
    score = FoldScore(
        round_name(left.path),
        tuple(round_name(r.path) for r in others),
        left.observed,
        p,
        worlds,
        len(fit.generations),
        float(last["epsilon"]),
    )
    return score, fit


def validate(
    cal: Calibration,
    out: Path,
    seed: int = 0,
    executor=None,
    folds: Sequence[str] | None = None,
    on_fold_start: Callable[[int, int, str, tuple[str, ...]], None] | None = None,
    on_progress: Callable[[int, int, int, int], None] | None = None,
    on_fold: Callable[[FoldScore], None] | None = None,
    on_table: Callable[[int, int, int, int], None] | None = None,
    write: bool = True,
) -> Validation:
    """Leave each round of ``cal`` out in turn (or the rounds named in ``folds``); see the module's docstring.

    ``cal`` carries the sizes (:meth:`~trucesim.config.calibration.Calibration.validate_preset`);
    ``executor`` (:func:`trucesim.run.executors.make_executor`) runs the simulations, in this
    process by default.  ``on_fold_start(k, n, name, fitted)`` is told before the ``k``-th of
    ``n`` folds, ``on_progress`` is :func:`calibrate`'s within it, ``on_fold(score)`` after it;
    with a reference table (``method = "table"``), ``on_table`` is told as its blocks end, before the folds.
    Writes ``OUT/validate.json`` first (:func:`open_validation`), ``OUT/validation.json`` (:func:`to_dict`)
    once every fold is done, unless ``write`` is false (a few folds scored beside a fuller validation).

    Raises
    ------
    ValidationError
        See :func:`check_folds`.
    FitError
        ``out`` holds a validation, or a fold's directory a fit, of other rounds, sizes or seed.
    """
    from trucesim.run.executors import borrowed

    chosen = check_folds(cal, folds)
    open_validation(cal, out, seed)
    scores = []
    with borrowed(executor) as ex:
        shared = None
        if cal.method == "table":  # one reference table serves every fold
            t = build_table(cal, out / TABLE_DIR, seed, ex, on_table)
            shared = (t, distances(t, cal.distance))
        for k, i in enumerate(chosen):
            fitted = tuple(round_name(r.path) for j, r in enumerate(cal.rounds) if j != i)
            if on_fold_start is not None:
                on_fold_start(k, len(chosen), round_name(cal.rounds[i].path), fitted)
            score, _ = fold(cal, i, out, seed, ex, on_progress, shared)
            scores.append(score)
            if on_fold is not None:
                on_fold(score)
    result = Validation(str(cal.path), seed, cal.sizes(), scores)
    if write:
        write_atomic(out / "validation.json", json.dumps(to_dict(result), indent=1))
    return result


def _total(scores: Sequence[dict[str, np.ndarray]], with_hits: bool = True) -> dict:
    """Facts, hits, mean Brier and mean log (nats) over the facts of ``scores`` (None where there are none)."""
    b = np.concatenate([s["brier"] for s in scores]) if scores else np.zeros(0)
    lg = np.concatenate([s["log"] for s in scores]) if scores else np.zeros(0)
    hits = int(sum(int(s["hit"].sum()) for s in scores))
    return {
        "facts": int(len(b)),
        "hits": hits if with_hits else None,
        "brier": float(b.mean()) if len(b) else None,
        "log": float(lg.mean()) if len(lg) else None,
    }


def totals(folds: Sequence[FoldScore]) -> dict:
    """Per forecaster, its totals per left-out round and over all of them.

    ``{"model": {"rounds": {name: total}, "overall": total}, "base_rate": ..., "coin": ...}``, each
    total ``{"facts", "hits", "brier", "log"}`` (means; lower is better).  A coin's ``hits`` are None:
    ``p = 0.5`` has no likelier outcome.

    >>> f = FoldScore("r", ("a", "b"), (Observed("deal", "deal", False, ""),),
    ...               {"model": np.array([0.8]), "base_rate": np.array([1.0]), "coin": np.array([0.5])}, 100, 2, 0.1)
    >>> t = totals([f])
    >>> round(t["model"]["overall"]["brier"], 2), t["base_rate"]["overall"]["brier"], t["coin"]["overall"]["hits"]
    (0.04, 0.0, None)
    """
    out = {}
    for name in FORECASTERS:
        per = {f.name: f.scores(name) for f in folds}
        with_hits = name != "coin"
        out[name] = {
            "rounds": {n: _total([s], with_hits) for n, s in per.items()},
            "overall": _total(list(per.values()), with_hits),
        }
    return out


def by_fact(folds: Sequence[FoldScore]) -> list[dict]:
    """Per kind of fact (its key: ``deal``, ``first_text.hamas``, ...), in order of first appearance, each
    forecaster's totals over the left-out facts of that kind, and ``brier_gap``: the model's Brier minus
    the base rate's, summed over those facts (the gaps add up to the overall difference times the facts).

    >>> o = Observed("deal", "deal", False, "")
    >>> f = FoldScore("r", ("a",), (o, o), {"model": np.array([0.8, 0.6]), "base_rate": np.array([0.9, 0.9]),
    ...               "coin": np.array([0.5, 0.5])}, 100, 1, 0.1)
    >>> row = by_fact([f])[0]
    >>> row["fact"], row["model"]["facts"], round(row["brier_gap"], 2)
    ('deal', 2, 0.18)
    """
    scores = {name: [f.scores(name) for f in folds] for name in FORECASTERS}
    kinds = [np.array([o.key for o in f.facts], dtype=object) for f in folds]
    out = []
    for key in dict.fromkeys(o.key for f in folds for o in f.facts):
        row: dict = {"fact": key}
        for name, per_fold in scores.items():
            parts = [
                {k: v[kind == key] for k, v in s.items()} for s, kind in zip(per_fold, kinds) if (kind == key).any()
            ]
            row[name] = _total(parts, name != "coin")
        row["brier_gap"] = row["model"]["facts"] * (row["model"]["brier"] - row["base_rate"]["brier"])
        out.append(row)
    return out


def beats(model: dict, other: dict) -> dict[str, bool | None]:
    """Whether the model's mean Brier and mean log are below ``other``'s (None where either has no facts).

    >>> beats({"brier": 0.1, "log": 0.9}, {"brier": 0.25, "log": 0.69})
    {'brier': True, 'log': False}
    """
    return {k: None if model[k] is None or other[k] is None else bool(model[k] < other[k]) for k in ("brier", "log")}


def differences(folds: Sequence[FoldScore], level: float = 0.95) -> dict:
    """The model's mean score minus each reference's, over every left-out fact, with an interval.

    ``{"base_rate": {"brier": d, "log": d}, "coin": ...}``, each ``d`` ``{"mean", "low", "high"}``:
    the mean over facts of the model's score minus the reference's on the same fact (negative:
    the model is better), and its ``level`` interval clustered by left-out round
    (:func:`trucesim.run.stats.clustered_mean_ci`): the facts of one round share its course,
    so the interval reflects the number of rounds, not only of facts.  ``low`` and ``high``
    are None below two rounds.

    >>> mk = lambda n, m, b: FoldScore(n, (), tuple(Observed("deal", "deal", False, "") for _ in m),
    ...     {"model": np.array(m), "base_rate": np.array(b), "coin": np.full(len(m), 0.5)}, 100, 0, 0.1)
    >>> d = differences([mk("r1", [0.9, 0.8], [1.0, 1.0]), mk("r2", [0.7], [0.2])])
    >>> round(d["base_rate"]["brier"]["mean"], 3), round(d["coin"]["brier"]["mean"], 3)
    (-0.167, -0.203)
    """
    out: dict = {}
    groups = np.concatenate([np.full(len(f.facts), k) for k, f in enumerate(folds)]) if folds else np.zeros(0, int)
    model = [f.scores("model") for f in folds]
    for name in FORECASTERS[1:]:
        other = [f.scores(name) for f in folds]
        out[name] = {}
        for score in ("brier", "log"):
            d = (
                np.concatenate([m[score] - o[score] for m, o in zip(model, other, strict=True)])
                if folds
                else np.zeros(0)
            )
            out[name][score] = clustered_difference(d, groups, level)
    return out


def clustered_difference(d: np.ndarray, groups: np.ndarray, level: float) -> dict:
    """``{"mean", "low", "high"}`` of the differences ``d`` with their interval clustered by ``groups``."""
    if d.size == 0:
        return {"mean": None, "low": None, "high": None}
    lo, hi = clustered_mean_ci(d, groups, level)
    return {"mean": float(np.mean(d)), "low": _finite(lo), "high": _finite(hi)}


def _finite(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


def all_p(folds: Sequence[FoldScore], forecaster: str = "model") -> np.ndarray:
    """Every left-out fact's probability from one forecaster, fold after fold."""
    return np.concatenate([f.p[forecaster] for f in folds]) if folds else np.zeros(0)


def to_dict(v: Validation) -> dict:
    """The validation as a plain dict (``validation.json``, and ``trucesim validate --format json``).

    Keys: ``calibration``, ``seed``, ``sizes``; ``rounds`` (one entry per left-out round:
    ``name``, ``fitted_on``, ``generations``, ``epsilon``, ``facts`` with ``fact``,
    ``observed``, ``p``, ``hit``, ``brier``, ``log`` and the ``base_rate`` forecaster's
    ``p``/``hit``/``brier``/``log``; ``totals``, ``base_rate`` and ``coin`` totals);
    ``overall``, ``coin`` and ``base_rate`` (totals over every left-out fact); ``beats``
    (whether the model's mean scores are below the coin's and the base rate's); ``difference``
    (the model's mean scores minus theirs, with 95% intervals clustered by round:
    :func:`differences`); ``by_fact`` (the same totals per kind of fact, with the model's Brier
    minus the base rate's summed over each kind: :func:`by_fact`) and
    ``reliability`` (:func:`reliability` of the model and of the base rate, as records).
    """
    t = totals(v.folds)
    rounds = []
    for f in v.folds:
        m, b = f.scores("model"), f.scores("base_rate")
        facts = []
        for j, o in enumerate(f.facts):
            row: dict = {"fact": o.key, "observed": o.value_text()}
            row.update({k: _plain(m[k][j]) for k in ("p", "hit", "brier", "log")})
            row["base_rate"] = {k: _plain(b[k][j]) for k in ("p", "hit", "brier", "log")}
            facts.append(row)
        rounds.append(
            {
                "name": f.name,
                "fitted_on": list(f.fitted),
                "generations": f.generations,
                "epsilon": f.epsilon,
                "facts": facts,
                "totals": t["model"]["rounds"][f.name],
                "base_rate": t["base_rate"]["rounds"][f.name],
                "coin": t["coin"]["rounds"][f.name],
            }
        )
    overall, coin, base = t["model"]["overall"], t["coin"]["overall"], t["base_rate"]["overall"]
    return {
        "calibration": v.calibration,
        "seed": v.seed,
        "sizes": v.sizes,
        "rounds": rounds,
        "overall": overall,
        "coin": coin,
        "base_rate": base,
        "beats": {"coin": beats(overall, coin), "base_rate": beats(overall, base)},
        "difference": differences(v.folds),
        "by_fact": by_fact(v.folds),
        "reliability": {name: _records(reliability(all_p(v.folds, name))) for name in ("model", "base_rate")},
    }


def _plain(x) -> bool | float:
    return bool(x) if isinstance(x, (bool, np.bool_)) else float(x)


def _records(table: pd.DataFrame) -> list[dict]:
    return [
        {k: (None if isinstance(x, float) and np.isnan(x) else x) for k, x in r.items()}
        for r in table.to_dict("records")
    ]
