"""Scenario discovery: boxes of a sweep's factor space where an outcome is likely (PRIM).

:func:`prim_boxes` runs the Patient Rule Induction Method of the EMA Workbench
on any cases and outcomes, returning boxes with their coverage and density;
:func:`scenario_discovery` runs it on a sweep's worlds over its factors, and
:func:`sweep_prim` on a sweep read with
:func:`~trucesim.analysis.results.load_results`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from trucesim.analysis.probability import binary_outcome
from trucesim.analysis.results import ResultsError

#: worlds PRIM peels at most (a sweep's worlds are sampled down to these)
PRIM_WORLDS = 50_000


def _import_prim():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import logging

        from ema_workbench.analysis import prim

        logging.getLogger("EMA").setLevel(logging.WARNING)
        logging.getLogger("EMA.ema_workbench.analysis.prim").setLevel(logging.WARNING)
    return prim


def _prune_box(box, i: int, xf: pd.DataFrame, y: np.ndarray, remaining: np.ndarray, tol: float) -> int:
    """Drop a box's restrictions that hardly matter; return the index of the final box on its trajectory.

    Greedily drops the restriction whose removal keeps the density highest,
    as long as the density stays within ``tol`` (a share) of the chosen
    box's; each drop goes through the EMA Workbench (``drop_restriction``),
    which recomputes the box's statistics and quasi-p-values.
    """
    _, lims = box.inspect(i, style="data")[0]
    lims.columns = ["low", "high", "qp_low", "qp_high"]
    restricted = list(lims.index)
    xr = xf.iloc[remaining]
    yr = y[remaining]
    inside = {f: ((xr[f] >= lims.loc[f, "low"]) & (xr[f] <= lims.loc[f, "high"])).to_numpy() for f in restricted}

    def density(dims):
        m = np.ones(len(xr), bool)
        for f in dims:
            m &= inside[f]
        return float(yr[m].mean()) if m.any() else 0.0

    d0 = density(restricted)
    dropped = []
    while len(restricted) > 1:
        best_d, best_f = max((density([g for g in restricted if g != f]), f) for f in restricted)
        if best_d < d0 * (1 - tol):
            break
        restricted.remove(best_f)
        dropped.append(best_f)
    for f in dropped:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            box.drop_restriction(f)
    return len(box.peeling_trajectory) - 1 if dropped else i


def prim_boxes(
    x: pd.DataFrame,
    y,
    *,
    threshold: float | None = None,
    max_boxes: int = 1,
    mass_min: float = 0.05,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    min_coverage: float | None = None,
    prune: float | None = 0.05,
    return_trajectory: bool = False,
):
    """Boxes of parameter space where an outcome is likely: PRIM from the EMA Workbench.

    PRIM peels the space of the factors ``x`` down to boxes rich in cases of
    interest ``y``.  Each box is chosen on its peeling trajectory: by default
    the box that best balances coverage and density (their harmonic mean);
    with ``min_coverage``, the densest box that still covers that share.

    Parameters
    ----------
    x : DataFrame
        One row per case (a world, or a design point), one numeric column per factor.
    y : array_like
        Cases of interest: booleans, or numbers with ``threshold``.
    threshold : float, optional
        Numbers in ``y`` at or above it are cases of interest
        (e.g. ``p_deal >= 0.5`` per design point).
    max_boxes : int
        Boxes to find, one after the other (each on the cases outside the earlier ones).
    mass_min, peel_alpha, paste_alpha : float
        PRIM's smallest box (share of cases) and its peeling and pasting steps.
    min_coverage : float, optional
        Choose the densest box with at least this coverage instead.
    prune : float or None
        Then drop, one by one, the restrictions that hardly matter: those
        whose removal keeps the box's density within this share (default 5%)
        of the chosen box's.  PRIM's peeling often trims many factors a
        little; pruning leaves the few that define the box.  ``None`` keeps
        every restriction.
    return_trajectory : bool
        Also return the peeling trajectories.

    Returns
    -------
    DataFrame
        One row per box and restricted factor: ``box`` (1, 2, ...),
        ``coverage`` (share of all cases of interest inside the box),
        ``density`` (share of the cases inside the box that are of interest),
        ``mass`` (share of all cases inside the box), ``cases``, ``hits``,
        ``res_dim``, ``factor``, ``low``, ``high`` (the box's limits),
        ``range_low``, ``range_high`` (the factor's full range), ``qp_low``,
        ``qp_high`` (quasi-p-values of each limit, Bryant and Lempert 2010).
        With ``return_trajectory``, also a DataFrame of every box on each
        peeling trajectory (``box``, ``step``, ``coverage``, ``density``,
        ``mass``, ``res_dim``, ``kind`` (``peel``, or ``pruned`` for the
        boxes left by pruning) and ``chosen``).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> x = pd.DataFrame(rng.uniform(0, 1, (3000, 3)), columns=["a", "b", "c"])
    >>> y = (x.a > 0.6) & (x.b < 0.5)
    >>> boxes = prim_boxes(x, y)
    >>> boxes[["factor", "low", "high"]].round(1).to_dict("list")
    {'factor': ['a', 'b'], 'low': [0.6, 0.0], 'high': [1.0, 0.5]}
    """
    prim = _import_prim()
    yv = _cases_of_interest(x, y, threshold)
    xf, ranges = _varying_factors(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        engine = prim.Prim(xf, yv.astype(int), mass_min=mass_min, peel_alpha=peel_alpha, paste_alpha=paste_alpha)
    rows, traj = [], []
    total_hits = int(yv.sum())
    for b in range(1, max_boxes + 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            box = engine.find_box()
        if box is None:
            break
        peeled = len(box.peeling_trajectory)
        i = _choose_step(box.peeling_trajectory, min_coverage)
        box.select(i)
        chosen = _prune_box(box, i, xf, yv, engine.yi_remaining, prune) if prune else i
        traj.append(_trajectory(box, b, peeled, chosen, total_hits))
        rows += _box_rows(box, b, chosen, ranges, total_hits)
        if engine.yi_remaining.size == 0:
            break
    boxes = pd.DataFrame(rows, columns=BOX_COLUMNS)
    if return_trajectory:
        return boxes, pd.concat(traj, ignore_index=True)
    return boxes


#: the columns of :func:`prim_boxes`'s boxes
BOX_COLUMNS = [
    "box",
    "coverage",
    "density",
    "mass",
    "cases",
    "hits",
    "res_dim",
    "factor",
    "low",
    "high",
    "range_low",
    "range_high",
    "qp_low",
    "qp_high",
]


def _cases_of_interest(x: pd.DataFrame, y, threshold: float | None) -> np.ndarray:
    """``y`` as one boolean per row of ``x`` (numbers compared with ``threshold``), checked."""
    if not isinstance(x, pd.DataFrame):
        raise TypeError("x: expected a DataFrame with one column per factor")
    yv = np.asarray(y)
    if threshold is not None:
        yv = np.asarray(yv, dtype=float) >= threshold
    elif yv.dtype != bool:
        values = np.asarray(yv, dtype=float)
        if not np.isin(values, (0.0, 1.0)).all():
            raise ValueError("y: expected yes/no values, or numbers with a threshold")
        yv = values == 1.0
    if yv.shape != (len(x),):
        raise ValueError(f"y: expected {len(x)} values, found shape {yv.shape}")
    if not yv.any():
        raise ValueError("y: no case of interest (nothing to find a box around)")
    return yv


def _varying_factors(x: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, tuple[float, float]]]:
    """The factors of ``x`` that vary, as floats indexed 0.., and each one's full range."""
    xf = x.reset_index(drop=True).astype(np.float64)
    xf = xf.drop(columns=[c for c in xf.columns if xf[c].nunique() < 2])
    if xf.shape[1] == 0:
        raise ValueError("x: expected at least one factor that varies")
    return xf, {c: (float(xf[c].min()), float(xf[c].max())) for c in xf.columns}


def _choose_step(trajectory: pd.DataFrame, min_coverage: float | None) -> int:
    """The step of a peeling trajectory to keep: the densest with ``min_coverage``, else the best balance.

    The balance is the harmonic mean of coverage and density; without a step that covers
    ``min_coverage``, the first step (the whole space).
    """
    cov, dens = trajectory["coverage"].to_numpy(float), trajectory["density"].to_numpy(float)
    if min_coverage is not None:
        ok = np.flatnonzero(cov >= min_coverage)
        return int(ok[np.argmax(dens[ok])]) if ok.size else 0
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.nan_to_num(2 * cov * dens / (cov + dens))
    return int(np.argmax(f1))


def _trajectory(box, b: int, peeled: int, chosen: int, total_hits: int) -> pd.DataFrame:
    """Box ``b``'s trajectory: its ``peeled`` peeling steps, then those pruning added; ``chosen`` marked."""
    t = box.peeling_trajectory
    return pd.DataFrame(
        {
            "box": b,
            "step": t["id"].to_numpy(int),
            "coverage": t["k"].to_numpy(float) / total_hits,
            "density": t["density"].to_numpy(float),
            "mass": t["mass"].to_numpy(float),
            "res_dim": t["res_dim"].to_numpy(int),
            "kind": np.where(np.arange(len(t)) < peeled, "peel", "pruned"),
            "chosen": np.arange(len(t)) == chosen,
        }
    )


def _box_rows(box, b: int, i: int, ranges: dict[str, tuple[float, float]], total_hits: int) -> list[dict]:
    """The rows of box ``b`` at step ``i``: its statistics, one row per restricted factor (one if none)."""
    stats_row, lims = box.inspect(i, style="data")[0]
    lims.columns = ["low", "high", "qp_low", "qp_high"]
    hits = int(stats_row["k"])
    base = {
        "box": b,
        "coverage": hits / total_hits,
        "density": float(stats_row["density"]),
        "mass": float(stats_row["mass"]),
        "cases": int(stats_row["n"]),
        "hits": hits,
        "res_dim": int(stats_row["res_dim"]),
    }
    if lims.empty:
        nothing = dict.fromkeys(("low", "high", "range_low", "range_high", "qp_low", "qp_high"), np.nan)
        return [{**base, "factor": None, **nothing}]
    return [
        {
            **base,
            "factor": factor,
            "low": float(r["low"]),
            "high": float(r["high"]),
            "range_low": ranges[factor][0],
            "range_high": ranges[factor][1],
            "qp_low": float(r["qp_low"]),
            "qp_high": float(r["qp_high"]),
        }
        for factor, r in lims.iterrows()
    ]


def scenario_discovery(
    worlds: pd.DataFrame,
    factors: Sequence[str],
    outcome: str = "deal",
    *,
    max_worlds: int | None = PRIM_WORLDS,
    seed: int = 0,
    max_boxes: int = 2,
    **prim_kw,
):
    """PRIM boxes of a sweep: where in the space of its factors an outcome is most likely.

    Each world is a case (its factor values, whether it had the outcome), so
    a box's density is the probability of the outcome inside it.  Factors
    that do not vary are left out; at most ``max_worlds`` worlds, drawn at
    random with ``seed``, keep PRIM quick on large sweeps.

    Returns
    -------
    (DataFrame, DataFrame)
        The boxes and the peeling trajectories of :func:`prim_boxes`.

    Examples
    --------
    >>> from trucesim.analysis.results import load_results
    >>> exp = load_results("results/sobol-main")                          # doctest: +SKIP
    >>> boxes, trajectory = scenario_discovery(exp.worlds, exp.factors)       # doctest: +SKIP
    """
    cols = [f for f in factors if f in worlds.columns and worlds[f].nunique() > 1]
    if not cols:
        raise ValueError("no factor varies: nothing for PRIM to restrict")
    df = worlds
    if max_worlds is not None and len(df) > max_worlds:
        df = df.sample(int(max_worlds), random_state=seed)
    y = binary_outcome(df, outcome)
    if not y.any():
        raise ValueError(f"no world has the outcome {outcome!r}: nothing to find a box around")
    if y.all():
        raise ValueError(f"every world has the outcome {outcome!r}: no box can hold it more often than the whole space")
    return prim_boxes(df[cols], y, max_boxes=max_boxes, return_trajectory=True, **prim_kw)


def sweep_prim(results, outcome: str = "deal", max_worlds: int = PRIM_WORLDS, seed: int = 0, *, why: str = "PRIM"):
    """PRIM boxes and trajectory of a sweep's worlds over its factors, on at most ``max_worlds`` worlds.

    ``results`` is a sweep read with :func:`~trucesim.analysis.results.load_results`.

    Raises
    ------
    ResultsError
        One line starting ``why``: no factor varies, or no world has the outcome.
    """
    try:
        return scenario_discovery(results.worlds, results.factors, outcome, max_worlds=max_worlds, seed=seed)
    except ValueError as e:
        raise ResultsError(f"{why}: {results.path}: {e}") from None


__all__ = ["PRIM_WORLDS", "prim_boxes", "scenario_discovery", "sweep_prim"]
