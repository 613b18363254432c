"""A second stage after the reference table: one ABC-PMC step near the draws a fit kept.

A reference table covers fifteen values' priors coarsely: with the shipped sizes its 100 nearest
draws lie within about 0.14 of what happened while its nearest lies at 0.09.  The second stage
searches nearer (Beaumont, Cornuet, Marin and Robert 2009's ABC-PMC step): it draws ``refine``
new values from a kernel around the first stage's particles (a mixture of normals, one on each
particle, with twice their covariance, on the priors' unit scale), keeps those inside the priors
and consistent in the rounds fitted (:mod:`trucesim.history.consistency`), simulates them on those
rounds with the table's worlds and keeps the ``population`` nearest what happened.  Each kept draw
is weighted by its prior density over its proposal density; every prior must be uniform, so the
prior's density is constant inside its bounds and a weight is the inverse of the kernel mixture's
density at the draw.

The stage depends only on the rounds it fits: a fold of ``trucesim validate`` refines its own
first stage, on the rounds it fits, and the left-out round is never simulated here.  Its random
numbers are named by the seed and the set of rounds fitted, so the same seed gives the same
particles whatever the workers.

Examples
--------
>>> u = np.array([[0.5, 0.5]]); cov = np.eye(2) * 0.01
>>> round(float(np.exp(log_kernel_density(u, u, cov))[0]), 2)   # 1 / (2 pi 0.01) at the centre
15.92
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy.special import logsumexp

from trucesim.config.calibration import Calibration
from trucesim.history.batch import batch_shares
from trucesim.history.consistency import round_margins
from trucesim.history.distance import distances_by_round, fact_labels
from trucesim.history.fits import Fit, FitError

#: the first number of the second stage's random streams: apart from the table's and a validation's
REFINE_STREAM = 2**22
#: the kernel's covariance is this multiple of the first stage's (Beaumont et al. 2009)
KERNEL_SCALE = 2.0


def unit_bounds(cal: Calibration) -> tuple[np.ndarray, np.ndarray]:
    """Each fitted key's uniform prior as (low, width), for the unit scale ``u = (x - low) / width``.

    Raises
    ------
    FitError
        A prior that is not uniform: the weights assume a flat prior density.
    """
    other = [k for k in cal.fit if cal.priors[k].kind != "uniform"]
    if other:
        raise FitError(
            f"{cal.path.name}: refine: expected uniform priors (a draw's weight assumes a flat prior), "
            f"found {cal.priors[other[0]].kind} for {other[0]}"
        )
    low = np.array([cal.priors[k].args["low"] for k in cal.fit], dtype=float)
    high = np.array([cal.priors[k].args["high"] for k in cal.fit], dtype=float)
    return low, high - low


def log_kernel_density(u: np.ndarray, centres: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Log density at each row of ``u`` of an equal mixture of normals centred on ``centres`` (rows),
    each with covariance ``cov``."""
    inv = np.linalg.inv(cov)
    _, logdet = np.linalg.slogdet(cov)
    diff = u[:, None, :] - centres[None, :, :]
    maha = np.einsum("nkd,de,nke->nk", diff, inv, diff)
    dim = u.shape[1]
    return logsumexp(-0.5 * maha, axis=1) - np.log(len(centres)) - 0.5 * (logdet + dim * np.log(2 * np.pi))


def kernel_draws(centres: np.ndarray, cov: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` draws inside the unit cube from the mixture of normals on ``centres`` with covariance ``cov``.

    >>> d = kernel_draws(np.array([[0.5, 0.5]]), np.eye(2) * 0.04, 1000, np.random.default_rng(0))
    >>> d.shape, bool(((d > 0) & (d < 1)).all())
    ((1000, 2), True)
    """
    chol = np.linalg.cholesky(cov)
    out = np.zeros((0, centres.shape[1]))
    while len(out) < n:  # outside the priors their density is zero: drawn again
        pick = centres[rng.integers(0, len(centres), 2 * n)]
        cand = pick + rng.standard_normal(pick.shape) @ chol.T
        out = np.concatenate([out, cand[((cand > 0.0) & (cand < 1.0)).all(axis=1)]])[:n]
    return out


def refine(cal: Calibration, first: Fit, rounds: Sequence[int], seed: int, executor=None) -> Fit:
    """One ABC-PMC step of ``cal.refine`` draws near ``first``'s particles, fitted on ``rounds``
    (indices into ``cal.rounds``): the ``cal.population`` nearest, weighted (see the module's docstring).
    ``executor`` (:func:`trucesim.run.executors.make_executor`) simulates, in this process by default.

    The fit's generations are ``first``'s and this stage's (its tolerance, draws simulated, acceptance
    and effective sample size).

    Raises
    ------
    FitError
        A prior that is not uniform, or fewer consistent draws than ``cal.population``.
    """
    rounds = list(rounds)
    keys = list(cal.fit)
    low, width = unit_bounds(cal)
    centres = (first.particles[keys].to_numpy(float) - low) / width
    w0 = first.particles["weight"].to_numpy(float)
    cov = KERNEL_SCALE * np.atleast_2d(np.cov(centres, rowvar=False, aweights=w0))
    mask = sum(1 << j for j in rounds)  # the stage's random numbers are named by the rounds it fits
    rng = np.random.default_rng([seed, REFINE_STREAM, mask])
    u = kernel_draws(centres, cov, cal.refine, rng)
    fitted = [cal.rounds[j] for j in rounds]
    values = low + u * width
    ok = (round_margins(fitted, keys, values) > 0.0).all(axis=1)
    if ok.sum() < cal.population:
        raise FitError(
            f"{cal.path.name}: refine: {int(ok.sum())} of its {cal.refine:,} draws are consistent, fewer than "
            f"population = {cal.population}; raise refine"
        )
    values, u = values[ok], u[ok]
    from trucesim.run.executors import borrowed

    with borrowed(executor) as ex:
        shares = batch_shares(ex, fitted, keys, values, cal.worlds, (seed, REFINE_STREAM, mask))
    labels = fact_labels(fitted)
    d = distances_by_round(cal.distance, labels, shares, cal.worlds).mean(axis=1)
    idx = np.argsort(d, kind="stable")[: cal.population]
    log_q = log_kernel_density(u[idx], centres, cov)
    w = np.exp(log_q.min() - log_q)  # prior over proposal: the prior's density is constant
    w /= w.sum()
    particles = pd.DataFrame(values[idx], columns=keys)
    particles["weight"] = w
    particles["distance"] = d[idx]
    table = pd.DataFrame({name: s[idx, i] for g, s in zip(labels, shares, strict=True) for i, name in enumerate(g)})
    table["weight"] = w
    generation = {
        "generation": len(first.generations),
        "epsilon": float(d[idx[-1]]),
        "evaluations": int(len(values)),
        "acceptance": len(idx) / cal.refine,
        "ess": float(1.0 / np.sum(w * w)),
    }
    return replace(first, particles=particles, shares=table, generations=[*first.generations, generation])
