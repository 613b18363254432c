"""Sobol' sensitivity indices: which factor of a sweep matters most for an outcome.

First- and total-order indices with bootstrap confidence intervals, computed by
SALib from the outputs of a Sobol' (Saltelli) design: :func:`sobol_from_samples`
from outputs computed anywhere, :func:`sobol_indices` from a sweep's worlds
(the output apportioned is the mean of an outcome over each design point's
worlds, :func:`point_means`), :func:`sweep_sobol` from a sweep read with
:func:`~trucesim.analysis.results.load_results`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from trucesim.analysis.probability import binary_outcome
from trucesim.analysis.results import ResultsError


def sobol_from_samples(
    f_A, f_B, f_AB, factors: Sequence[str], *, level: float = 0.95, n_resamples: int = 1000, seed: int = 0
) -> pd.DataFrame:
    """First- and total-order Sobol' indices from the outputs of a Saltelli design.

    The estimators are SALib's (:func:`SALib.analyze.sobol.analyze`: Saltelli
    et al. 2010 for the first order, Jansen's for the total order) and so are
    the intervals (bootstrap over the ``N`` base samples, normal
    approximation).

    Parameters
    ----------
    f_A, f_B : array_like, shape (N,)
        Outputs at the rows of the two independent base matrices A and B.
    f_AB : array_like, shape (d, N)
        Outputs at the rows of A with column ``i`` taken from B, for each factor ``i``.
    factors : sequence of str
        The ``d`` factor names, in the order of ``f_AB``.
    level : float
        Confidence level of the intervals.
    n_resamples : int
        Bootstrap resamples.
    seed : int
        Seed of the bootstrap, so the intervals are reproducible.

    Returns
    -------
    DataFrame
        One row per factor: ``factor``, ``S1``, ``S1_lo``, ``S1_hi``, ``ST``,
        ``ST_lo``, ``ST_hi``, sorted by ``ST`` (largest first).

    Examples
    --------
    The additive function ``y = x0 + 2 x1`` on the unit square has
    ``S1 = ST = (0.2, 0.8)``:

    >>> from scipy.stats import qmc
    >>> AB = qmc.Sobol(4, seed=1).random(1024); A, B = AB[:, :2], AB[:, 2:]
    >>> f = lambda x: x[:, 0] + 2 * x[:, 1]
    >>> f_AB = [f(np.where(np.arange(2) == i, B, A)) for i in range(2)]
    >>> s = sobol_from_samples(f(A), f(B), f_AB, ["x0", "x1"])
    >>> s[["factor", "S1", "ST"]].round(2).to_dict("list")
    {'factor': ['x1', 'x0'], 'S1': [0.8, 0.2], 'ST': [0.8, 0.2]}
    """
    from SALib.analyze import sobol as salib_sobol

    f_A = np.asarray(f_A, dtype=float).ravel()
    f_B = np.asarray(f_B, dtype=float).ravel()
    f_AB = np.atleast_2d(np.asarray(f_AB, dtype=float))
    factors = list(factors)
    d, n = len(factors), f_A.size
    if f_B.size != n or f_AB.shape != (d, n):
        raise ValueError(
            f"expected f_A and f_B of shape ({n},) and f_AB of shape ({d}, {n}), found {f_B.shape} and {f_AB.shape}"
        )
    if n < 2:
        raise ValueError(f"expected at least 2 base samples, found {n}")
    if not (np.isfinite(f_A).all() and np.isfinite(f_B).all() and np.isfinite(f_AB).all()):
        raise ValueError("expected finite outputs, found NaN or infinity")
    cols = ["factor", "S1", "S1_lo", "S1_hi", "ST", "ST_lo", "ST_hi"]
    everything = np.concatenate([f_A, f_B, f_AB.ravel()])
    if np.ptp(everything) == 0:
        # a constant output has no variance to apportion
        return pd.DataFrame({"factor": factors, **{c: 0.0 for c in cols[1:]}})
    # SALib reads the outputs in Saltelli order: for each base sample, A, AB_1..AB_d, B
    y = np.column_stack([f_A, f_AB.T, f_B]).ravel()
    problem = {"num_vars": d, "names": factors, "bounds": [[0.0, 1.0]] * d}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = salib_sobol.analyze(
            problem, y, calc_second_order=False, num_resamples=n_resamples, conf_level=level, seed=int(seed) + 1
        )  # SALib treats seed 0 as 'unseeded'
    out = pd.DataFrame(
        {
            "factor": factors,
            "S1": res["S1"],
            "S1_lo": res["S1"] - res["S1_conf"],
            "S1_hi": res["S1"] + res["S1_conf"],
            "ST": res["ST"],
            "ST_lo": res["ST"] - res["ST_conf"],
            "ST_hi": res["ST"] + res["ST_conf"],
        }
    )
    return out.sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)[cols]


def point_means(worlds: pd.DataFrame, outcome: str = "deal", points: int | None = None) -> np.ndarray:
    """The mean of an outcome over the worlds of each design point, ordered by point id.

    A yes/no outcome gives the probability per point (e.g. ``p_deal``); a
    numeric column (``hostages_released``) its mean.

    Examples
    --------
    >>> point_means(pd.DataFrame({"point": [0, 0, 1, 1], "deal": [True, False, True, True]}))
    array([0.5, 1. ])
    """
    if "point" not in worlds.columns:
        raise ValueError("expected a 'point' column (the design point of each world)")
    try:
        y = binary_outcome(worlds, outcome).astype(float)
    except ValueError:
        if outcome not in worlds.columns or not pd.api.types.is_numeric_dtype(worlds[outcome]):
            raise
        y = worlds[outcome].to_numpy(dtype=float)
    means = pd.Series(y, index=worlds["point"].to_numpy()).groupby(level=0).mean()
    n = int(points) if points is not None else int(means.index.max()) + 1
    missing = np.setdiff1d(np.arange(n), means.index.to_numpy())
    if missing.size:
        raise ValueError(
            f"{missing.size} of {n} design points have no worlds (first: point {missing[0]}); "
            f"finish the sweep (trucesim sweep ... --resume) before computing indices"
        )
    return means.reindex(np.arange(n)).to_numpy()


def sobol_indices(
    worlds: pd.DataFrame,
    design: dict,
    outcome: str = "deal",
    *,
    level: float = 0.95,
    n_resamples: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Sobol' indices of an outcome from a Saltelli Sobol' sweep.

    Parameters
    ----------
    worlds : DataFrame
        One row per world with its ``point`` (a sweep read with :func:`~trucesim.analysis.results.load_results`).
    design : dict
        The ``design`` of the sweep's manifest: ``factors``, ``points`` and
        ``saltelli`` (row ranges ``A``, ``B`` and ``AB[factor]`` of the points).
    outcome : str
        Its mean per design point is the output apportioned (``deal``: the probability of a deal).

    Returns
    -------
    DataFrame
        As :func:`sobol_from_samples`, with ``attrs`` ``base_samples`` (N),
        ``worlds`` and ``outcome``.

    Examples
    --------
    >>> from trucesim.analysis.results import load_results
    >>> exp = load_results("results/sobol-main")                       # doctest: +SKIP
    >>> sobol_indices(exp.worlds, exp.manifest["design"], "deal")         # doctest: +SKIP
    """
    blocks = design.get("saltelli") if isinstance(design, dict) else None
    if not blocks:
        raise ValueError(
            "expected a Sobol' design laid out for Saltelli (saltelli = true), "
            f"found a {design.get('kind', 'unknown') if isinstance(design, dict) else 'missing'} design"
        )
    factors = list(design["factors"])
    f = point_means(worlds, outcome, design.get("points"))
    finite = f[np.isfinite(f)]
    if finite.size and np.ptp(finite) == 0:  # no variance to apportion: the indices are 0/0, not 0
        raise ValueError(
            f"the outcome {outcome!r} is {finite[0]:g} at every design point: its Sobol' indices are undefined"
        )
    sl = lambda r: f[int(r[0]) : int(r[1])]
    f_AB = np.vstack([sl(blocks["AB"][k]) for k in factors])
    out = sobol_from_samples(
        sl(blocks["A"]), sl(blocks["B"]), f_AB, factors, level=level, n_resamples=n_resamples, seed=seed
    )
    out.attrs.update(base_samples=int(blocks.get("n", f_AB.shape[1])), worlds=int(len(worlds)), outcome=outcome)
    return out


def has_saltelli_layout(results) -> bool:
    """Whether a sweep (read with :func:`~trucesim.analysis.results.load_results`) is a Sobol' design laid out for Saltelli."""
    design = results.manifest.get("design") or {}
    return results.design_kind == "sobol" and bool(isinstance(design, dict) and design.get("saltelli"))


def sweep_sobol(results, outcome: str = "deal", *, why: str = "Sobol' indices", **kw) -> pd.DataFrame:
    """Sobol' indices of an outcome over a sweep read with :func:`~trucesim.analysis.results.load_results`.

    ``kw`` goes to :func:`sobol_indices`.

    Raises
    ------
    ResultsError
        One line: the sweep is not a Sobol' design laid out for Saltelli
        (``why`` says what needed one, e.g. ``"--kind sobol"``), or some of its
        design points have no worlds.
    """
    if not has_saltelli_layout(results):
        kind = results.design_kind
        raise ResultsError(
            f"{why} needs a Sobol' experiment laid out for Saltelli "
            f'([design] kind = "sobol", saltelli = true, e.g. experiments/sobol-main.toml); '
            f"{results.path} has a {kind} design" + ("" if kind != "sobol" else " without saltelli = true")
        )
    try:
        return sobol_indices(results.worlds, results.manifest["design"], outcome, **kw)
    except ValueError as e:
        raise ResultsError(f"{results.path}: {e}") from None


__all__ = ["has_saltelli_layout", "point_means", "sobol_from_samples", "sobol_indices", "sweep_sobol"]
