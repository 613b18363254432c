"""What drives acceptance: probabilities by factor, Sobol' indices and PRIM boxes.

Every function takes plain DataFrames or arrays (the per-world outcome table of
:func:`trucesim.run.simulate`, or of a sweep read with :func:`load_results`, one
row per world with one column per factor) and returns a DataFrame, so the
command line, the HTML report and the notebooks share one computation.

* :func:`probability_by` -- the share of worlds with an outcome (a deal, each
  side's acceptance, a coalition exit, a permanent end...) by one or two
  factors, with Wilson confidence intervals; continuous factors are binned.
* :func:`sobol_indices` / :func:`sobol_from_samples` -- first- and total-order
  Sobol' indices with bootstrap confidence intervals, computed by SALib from
  the outputs of a Sobol' (Saltelli) design.
* :func:`prim_boxes` -- scenario discovery with the Patient Rule Induction
  Method of the EMA Workbench: boxes of parameter space where an outcome is
  likely, with their coverage and density.

The numbers explore the stated assumptions of a scenario; they are not
forecasts of the talks.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> df = pd.DataFrame({"context.us_pressure": rng.uniform(0, 1, 2000)})
>>> df["deal"] = rng.random(2000) < df["context.us_pressure"]
>>> t = probability_by(df, "context.us_pressure", bins=4)
>>> t["p"].round(1).tolist()
[0.1, 0.4, 0.6, 0.9]
>>> list(t.columns)  # doctest: +NORMALIZE_WHITESPACE
['context.us_pressure', 'context.us_pressure_lo', 'context.us_pressure_hi',
 'outcome', 'label', 'worlds', 'k', 'p', 'p_lo', 'p_hi']
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

#: yes/no outcomes of the per-world table worth charting, in display order
#: (``<id>_accepted`` and ``exit_<party>`` are found from the columns)
CORE_OUTCOMES = ("deal", "deal_by_first_deadline", "government_fell", "safety_net_used",
                 "offensive", "pause_completed", "permanent", "collapsed")

_FIXED_LABELS = {
    "deal": "deal signed and ratified",
    "deal_by_first_deadline": "deal by the first deadline",
    "government_fell": "government falls",
    "safety_net_used": "opposition safety net used",
    "offensive": "Rafah offensive launched",
    "pause_completed": "pause completed",
    "permanent": "permanent end reached",
    "collapsed": "pause collapsed, war resumed",
    "any_exit": "a coalition partner quits",
}

#: labels of the actor ids of the shipped scenarios, used when no scenario is at hand
DEFAULT_ACTOR_LABELS = {
    "israel": "Israel's government",
    "hamas": "Hamas",
    "coalition_core": "coalition core",
    "religious_zionism": "Religious Zionism",
    "otzma_yehudit": "Otzma Yehudit",
}

#: columns of the per-world table that are never factors
_NOT_FACTORS = {"point", "replicate", "world"}


# --------------------------------------------------------------------------------------
# outcomes and labels
# --------------------------------------------------------------------------------------
def acceptance_outcomes(df: pd.DataFrame) -> list[str]:
    """The ``<id>_accepted`` columns of a table: the government's first, then the armed group's.

    Examples
    --------
    >>> acceptance_outcomes(pd.DataFrame(columns=["deal", "hamas_accepted", "israel_accepted"]))
    ['israel_accepted', 'hamas_accepted']
    """
    cols = [c for c in df.columns if isinstance(c, str) and c.endswith("_accepted")]
    order = {"israel_accepted": 0, "hamas_accepted": 1}
    return sorted(cols, key=lambda c: (order.get(c, 2), c))


def exit_outcomes(df: pd.DataFrame) -> list[str]:
    """The ``exit_<party>`` columns of a table, in column order."""
    return [c for c in df.columns if isinstance(c, str) and c.startswith("exit_")]


def outcome_names(df: pd.DataFrame) -> list[str]:
    """Every yes/no outcome :func:`probability_by` can count in ``df``, in display order.

    ``any_exit`` (some coalition partner quits) is listed when there are ``exit_`` columns.

    Examples
    --------
    >>> outcome_names(pd.DataFrame(columns=["deal", "israel_accepted", "exit_a", "permanent"]))
    ['deal', 'israel_accepted', 'any_exit', 'exit_a', 'permanent']
    """
    exits = exit_outcomes(df)
    names = [c for c in ("deal", "deal_by_first_deadline") if c in df.columns]
    names += acceptance_outcomes(df)
    if exits:
        names += ["any_exit"] + exits
    names += [c for c in CORE_OUTCOMES[2:] if c in df.columns]
    return names


def outcome_label(name: str, labels: dict[str, str] | None = None) -> str:
    """A readable label of an outcome column.

    Parameters
    ----------
    name : str
        An outcome name (``"deal"``, ``"hamas_accepted"``, ``"exit_otzma_yehudit"``, ...).
    labels : dict, optional
        Actor id to label (a scenario's ``labels``); defaults to those of the shipped scenarios.

    Examples
    --------
    >>> outcome_label("hamas_accepted")
    'Hamas accepts a proposal'
    >>> outcome_label("exit_otzma_yehudit")
    'Otzma Yehudit quits the coalition'
    """
    labels = {**DEFAULT_ACTOR_LABELS, **(labels or {})}
    if name in _FIXED_LABELS:
        return _FIXED_LABELS[name]
    if name.endswith("_accepted"):
        actor = name[: -len("_accepted")]
        return f"{labels.get(actor, actor)} accepts a proposal"
    if name.startswith("exit_"):
        actor = name[len("exit_"):]
        return f"{labels.get(actor, actor)} quits the coalition"
    return name.replace("_", " ")


def binary_outcome(df: pd.DataFrame, name: str) -> np.ndarray:
    """The yes/no outcome ``name`` of every row, as a boolean array.

    ``"any_exit"`` is true where any ``exit_<party>`` column is.  A column of
    0/1 numbers counts as yes/no; any other column raises ``ValueError``.

    Examples
    --------
    >>> binary_outcome(pd.DataFrame({"exit_a": [True, False], "exit_b": [False, False]}), "any_exit")
    array([ True, False])
    """
    if name == "any_exit":
        exits = exit_outcomes(df)
        if not exits:
            raise ValueError("outcome 'any_exit': the table has no exit_<party> columns")
        return df[exits].to_numpy(dtype=bool).any(axis=1)
    if name not in df.columns:
        raise ValueError(f"unknown outcome {name!r}{_suggest(name, outcome_names(df))}")
    col = df[name]
    if col.dtype == bool:
        return col.to_numpy()
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    if not np.isin(values[~np.isnan(values)], (0.0, 1.0)).all():
        raise ValueError(f"outcome {name!r}: expected a yes/no column, found values other than 0 and 1")
    return values == 1.0


def _suggest(word: str, candidates) -> str:
    close = difflib.get_close_matches(word, [str(c) for c in candidates], n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_factor(df: pd.DataFrame, factor: str, factors: Sequence[str] | None = None) -> None:
    """Raise ``ValueError`` (one line, with a did-you-mean) unless ``factor`` is a column of ``df``.

    Examples
    --------
    >>> check_factor(pd.DataFrame(columns=["context.us_pressure"]), "context.us_presure")
    Traceback (most recent call last):
    ...
    ValueError: unknown factor 'context.us_presure' (did you mean 'context.us_pressure'?)
    """
    known = list(factors) if factors is not None else [c for c in df.columns if c not in _NOT_FACTORS]
    if factor not in df.columns or (factors is not None and factor not in known):
        hint = _suggest(factor, known)
        if not hint and factors is not None:
            hint = f" (factors: {', '.join(known)})" if known else " (the experiment has no factors)"
        raise ValueError(f"unknown factor {factor!r}{hint}")


# --------------------------------------------------------------------------------------
# probabilities with confidence intervals
# --------------------------------------------------------------------------------------
def wilson_interval(k, n, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score intervals of the proportions ``k / n``, elementwise.

    The same interval as :func:`trucesim.run.outcomes.proportion_ci` (SciPy's
    ``binomtest(...).proportion_ci(method="wilson")``), for whole arrays at
    once; NaN where ``n == 0``.

    Examples
    --------
    >>> lo, hi = wilson_interval([50, 0], [100, 20])
    >>> lo.round(3).tolist(), hi.round(3).tolist()
    ([0.404, 0.0], [0.596, 0.161])
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    z = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
        lo, hi = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    lo = np.where(k == 0, 0.0, lo)
    hi = np.where(k == n, 1.0, hi)
    bad = n <= 0
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


def bin_factor(values, bins: int | Sequence[float] = 10, max_levels: int = 30) -> pd.DataFrame:
    """Assign each value of a factor to a level or to a bin.

    A factor with at most ``max_levels`` distinct values (a grid design, a
    fixed parameter) keeps its levels; any other is cut into ``bins``
    equal-width bins over its range (or at the edges given).

    Returns
    -------
    DataFrame
        ``value`` (the level, or the centre of the bin), ``lo`` and ``hi``
        (the bin's edges; both equal the level for a kept level), one row per value.

    Examples
    --------
    >>> bin_factor([0.0, 0.1, 0.9, 1.0], bins=2, max_levels=3).to_numpy().tolist()
    [[0.25, 0.0, 0.5], [0.25, 0.0, 0.5], [0.75, 0.5, 1.0], [0.75, 0.5, 1.0]]
    >>> bin_factor([5, 10, 5]).value.tolist()
    [5.0, 10.0, 5.0]
    """
    v = np.asarray(values, dtype=float)
    finite = v[np.isfinite(v)]
    levels = np.unique(finite)
    if isinstance(bins, (int, np.integer)) and len(levels) <= max_levels:
        return pd.DataFrame({"value": v, "lo": v, "hi": v})
    if isinstance(bins, (int, np.integer)):
        if bins < 1:
            raise ValueError(f"bins: expected a number >= 1, found {bins}")
        lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, int(bins) + 1)
    else:
        edges = np.asarray(bins, dtype=float)
        if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
            raise ValueError("bins: expected an increasing sequence of at least two edges")
    i = np.clip(np.searchsorted(edges, v, side="right") - 1, 0, edges.size - 2)
    lo, hi = edges[i], edges[i + 1]
    out = pd.DataFrame({"value": (lo + hi) / 2, "lo": lo, "hi": hi})
    outside = ~np.isfinite(v) | (v < edges[0]) | (v > edges[-1])
    out.loc[outside, :] = np.nan
    return out


def probability_by(df: pd.DataFrame, by: str | Sequence[str] = (),
                   outcome: str | Sequence[str] = "deal", *, bins: int | Sequence[float] = 10,
                   max_levels: int = 30, level: float = 0.95) -> pd.DataFrame:
    """Share of worlds with an outcome, by one or two factors, with Wilson intervals.

    Parameters
    ----------
    df : DataFrame
        One row per world: factor columns and outcome columns (a per-world
        outcome table, or a sweep read with :func:`load_results`).
    by : str or sequence of str
        Factor columns to group by (none: one row over all worlds).
        Continuous factors are binned (see :func:`bin_factor`).
    outcome : str or sequence of str
        Yes/no outcomes (see :func:`outcome_names`), e.g. ``"deal"``,
        ``"israel_accepted"``, ``"hamas_accepted"``, ``"any_exit"``, ``"permanent"``.
    bins, max_levels
        Binning of continuous factors, as in :func:`bin_factor`.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        One row per cell and outcome: each factor (its level or bin centre)
        with ``<factor>_lo`` and ``<factor>_hi`` (the bin's edges), then
        ``outcome``, ``label``, ``worlds``, ``k`` (worlds with the outcome),
        ``p``, ``p_lo`` and ``p_hi``.

    Examples
    --------
    >>> df = pd.DataFrame({"terms.pause_days": [42, 42, 60, 60],
    ...                    "deal": [True, False, True, True],
    ...                    "hamas_accepted": [True, False, True, True]})
    >>> t = probability_by(df, "terms.pause_days", ["deal", "hamas_accepted"])
    >>> t[["terms.pause_days", "outcome", "worlds", "k", "p"]].to_string(index=False)
    ' terms.pause_days        outcome  worlds  k   p\\n             42.0           deal       2  1 0.5\\n             42.0 hamas_accepted       2  1 0.5\\n             60.0           deal       2  2 1.0\\n             60.0 hamas_accepted       2  2 1.0'
    """
    by = [by] if isinstance(by, str) else list(by)
    outcomes = [outcome] if isinstance(outcome, str) else list(outcome)
    if len(set(by)) != len(by):
        raise ValueError(f"by: expected distinct factors, found {by}")
    for f in by:
        check_factor(df, f)
    frame = pd.DataFrame(index=df.index)
    for f in by:
        b = bin_factor(df[f].to_numpy(), bins, max_levels)
        frame[f] = b["value"].to_numpy()
        frame[f"{f}_lo"] = b["lo"].to_numpy()
        frame[f"{f}_hi"] = b["hi"].to_numpy()
    keys = [c for f in by for c in (f, f"{f}_lo", f"{f}_hi")]
    for o in outcomes:
        frame[o] = binary_outcome(df, o)
    parts = []
    if by:
        grouped = frame.dropna(subset=by).groupby(keys, sort=True, dropna=False)
        counts = grouped[outcomes].agg(["sum", "count"])
    else:
        counts = pd.DataFrame({(o, s): [frame[o].sum() if s == "sum" else len(frame)]
                               for o in outcomes for s in ("sum", "count")})
    for o in outcomes:
        part = pd.DataFrame({"outcome": o, "label": outcome_label(o),
                             "worlds": counts[(o, "count")].to_numpy(dtype=np.int64),
                             "k": counts[(o, "sum")].to_numpy(dtype=np.int64)},
                            index=counts.index)
        parts.append(part)
    out = pd.concat(parts)
    out = out.reset_index() if by else out.reset_index(drop=True)
    if by:
        out = out.sort_values(by + ["outcome"], kind="stable",
                              key=lambda s: s.map({o: i for i, o in enumerate(outcomes)})
                              if s.name == "outcome" else s).reset_index(drop=True)
    out["p"] = out["k"] / out["worlds"]
    out["p_lo"], out["p_hi"] = wilson_interval(out["k"], out["worlds"], level)
    return out


def summary_table(df: pd.DataFrame, outcomes: Sequence[str] | None = None,
                  labels: dict[str, str] | None = None, level: float = 0.95) -> pd.DataFrame:
    """Every yes/no outcome over all worlds: ``outcome``, ``label``, ``worlds``, ``k``, ``p``, ``p_lo``, ``p_hi``.

    Examples
    --------
    >>> summary_table(pd.DataFrame({"deal": [True, False, False, False]}))[["outcome", "p"]].to_dict("records")
    [{'outcome': 'deal', 'p': 0.25}]
    """
    outcomes = list(outcomes) if outcomes is not None else outcome_names(df)
    t = probability_by(df, (), outcomes, level=level)
    t["label"] = [outcome_label(o, labels) for o in t["outcome"]]
    return t


# --------------------------------------------------------------------------------------
# Sobol' indices (SALib)
# --------------------------------------------------------------------------------------
def sobol_from_samples(f_A, f_B, f_AB, factors: Sequence[str], *, level: float = 0.95,
                       n_resamples: int = 1000, seed: int = 0) -> pd.DataFrame:
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
        raise ValueError(f"expected f_A and f_B of shape ({n},) and f_AB of shape ({d}, {n}), "
                         f"found {f_B.shape} and {f_AB.shape}")
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
        res = salib_sobol.analyze(problem, y, calc_second_order=False, num_resamples=n_resamples,
                                  conf_level=level, seed=int(seed) + 1)  # SALib treats seed 0 as 'unseeded'
    out = pd.DataFrame({
        "factor": factors,
        "S1": res["S1"], "S1_lo": res["S1"] - res["S1_conf"], "S1_hi": res["S1"] + res["S1_conf"],
        "ST": res["ST"], "ST_lo": res["ST"] - res["ST_conf"], "ST_hi": res["ST"] + res["ST_conf"],
    })
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
        raise ValueError(f"{missing.size} of {n} design points have no worlds (first: point {missing[0]}); "
                         f"finish the sweep (trucesim sweep ... --resume) before computing indices")
    return means.reindex(np.arange(n)).to_numpy()


def sobol_indices(worlds: pd.DataFrame, design: dict, outcome: str = "deal", *, level: float = 0.95,
                  n_resamples: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Sobol' indices of an outcome from a Saltelli Sobol' sweep.

    Parameters
    ----------
    worlds : DataFrame
        One row per world with its ``point`` (a sweep read with :func:`load_results`).
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
    >>> exp = load_results("results/sobol-main")                       # doctest: +SKIP
    >>> sobol_indices(exp.worlds, exp.manifest["design"], "deal")         # doctest: +SKIP
    """
    blocks = design.get("saltelli") if isinstance(design, dict) else None
    if not blocks:
        raise ValueError("expected a Sobol' design laid out for Saltelli (saltelli = true), "
                         f"found a {design.get('kind', 'unknown') if isinstance(design, dict) else 'missing'} design")
    factors = list(design["factors"])
    f = point_means(worlds, outcome, design.get("points"))
    sl = lambda r: f[int(r[0]):int(r[1])]  # noqa: E731
    f_AB = np.vstack([sl(blocks["AB"][k]) for k in factors])
    out = sobol_from_samples(sl(blocks["A"]), sl(blocks["B"]), f_AB, factors, level=level,
                             n_resamples=n_resamples, seed=seed)
    out.attrs.update(base_samples=int(blocks.get("n", f_AB.shape[1])), worlds=int(len(worlds)), outcome=outcome)
    return out


# --------------------------------------------------------------------------------------
# scenario discovery (PRIM, EMA Workbench)
# --------------------------------------------------------------------------------------
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


def prim_boxes(x: pd.DataFrame, y, *, threshold: float | None = None, max_boxes: int = 1,
               mass_min: float = 0.05, peel_alpha: float = 0.05, paste_alpha: float = 0.05,
               min_coverage: float | None = None, prune: float | None = 0.05,
               return_trajectory: bool = False):
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
    xf = x.reset_index(drop=True).astype(np.float64)
    const = [c for c in xf.columns if xf[c].nunique() < 2]
    xf = xf.drop(columns=const)
    if xf.shape[1] == 0:
        raise ValueError("x: expected at least one factor that varies")
    ranges = {c: (float(xf[c].min()), float(xf[c].max())) for c in xf.columns}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        engine = prim.Prim(xf, yv.astype(int), mass_min=mass_min, peel_alpha=peel_alpha,
                           paste_alpha=paste_alpha)
    rows, traj = [], []
    total_hits = int(yv.sum())
    for b in range(1, max_boxes + 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            box = engine.find_box()
        if box is None:
            break
        t = box.peeling_trajectory
        cov, dens = t["coverage"].to_numpy(float), t["density"].to_numpy(float)
        if min_coverage is not None:
            ok = np.flatnonzero(cov >= min_coverage)
            i = int(ok[np.argmax(dens[ok])]) if ok.size else 0
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                f1 = np.nan_to_num(2 * cov * dens / (cov + dens))
            i = int(np.argmax(f1))
        box.select(i)
        chosen = i
        if prune:
            chosen = _prune_box(box, i, xf, yv, engine.yi_remaining, prune)
        t = box.peeling_trajectory
        traj.append(pd.DataFrame({"box": b, "step": t["id"].to_numpy(int),
                                  "coverage": t["k"].to_numpy(float) / total_hits,
                                  "density": t["density"].to_numpy(float),
                                  "mass": t["mass"].to_numpy(float), "res_dim": t["res_dim"].to_numpy(int),
                                  "kind": np.where(np.arange(len(t)) < len(cov), "peel", "pruned"),
                                  "chosen": np.arange(len(t)) == chosen}))
        i = chosen
        stats_row, lims = box.inspect(i, style="data")[0]
        lims.columns = ["low", "high", "qp_low", "qp_high"]
        hits = int(stats_row["k"])
        base = {"box": b, "coverage": hits / total_hits, "density": float(stats_row["density"]),
                "mass": float(stats_row["mass"]), "cases": int(stats_row["n"]), "hits": hits,
                "res_dim": int(stats_row["res_dim"])}
        if lims.empty:
            rows.append({**base, "factor": None, "low": np.nan, "high": np.nan,
                         "range_low": np.nan, "range_high": np.nan, "qp_low": np.nan, "qp_high": np.nan})
        for factor, r in lims.iterrows():
            rows.append({**base, "factor": factor, "low": float(r["low"]), "high": float(r["high"]),
                         "range_low": ranges[factor][0], "range_high": ranges[factor][1],
                         "qp_low": float(r["qp_low"]), "qp_high": float(r["qp_high"])})
        if engine.yi_remaining.size == 0:
            break
    boxes = pd.DataFrame(rows, columns=["box", "coverage", "density", "mass", "cases", "hits", "res_dim",
                                        "factor", "low", "high", "range_low", "range_high",
                                        "qp_low", "qp_high"])
    if return_trajectory:
        return boxes, pd.concat(traj, ignore_index=True)
    return boxes


def scenario_discovery(worlds: pd.DataFrame, factors: Sequence[str], outcome: str = "deal", *,
                       max_worlds: int | None = 50_000, seed: int = 0, max_boxes: int = 2, **prim_kw):
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
    return prim_boxes(df[cols], y, max_boxes=max_boxes, return_trajectory=True, **prim_kw)


# --------------------------------------------------------------------------------------
# sweep results on disk, traced worlds
# --------------------------------------------------------------------------------------
@dataclass
class Results:
    """A sweep's results directory, read: the worlds, the points and the manifest.

    ``worlds`` has one row per world (``point``, ``replicate``, one column per
    factor, then every outcome column); ``points`` one row per design point
    (or ``None``); ``scenario`` the :class:`~trucesim.config.scenario.Scenario` the
    sweep ran, rebuilt from the manifest (see :func:`scenario_from_record`).
    Not to be confused with :class:`trucesim.sweep.experiment.Experiment`, the
    experiment *file* that produced them.
    """

    path: Path
    manifest: dict
    worlds: pd.DataFrame
    points: pd.DataFrame | None = None
    scenario: object | None = None
    factors: list[str] = field(default_factory=list)

    @property
    def scenario_name(self) -> str:
        if self.scenario is not None:
            return self.scenario.name
        rec = self.manifest.get("scenario")
        if isinstance(rec, dict):
            return str(rec.get("name") or Path(str(rec.get("path", "scenario"))).stem)
        return Path(str(rec)).stem if rec else "scenario not recorded"

    @property
    def design_kind(self) -> str:
        d = self.manifest.get("design") or {}
        return str(d.get("kind", "unknown")) if isinstance(d, dict) else str(d)

    @property
    def labels(self) -> dict[str, str]:
        return dict(getattr(self.scenario, "labels", {}) or {})

    @property
    def name(self) -> str:
        e = self.manifest.get("experiment")
        if isinstance(e, dict):
            return str(e.get("name") or Path(str(e.get("path", self.path.name))).stem)
        return str(e or self.path.name)


def scenario_from_record(record: dict):
    """The :class:`~trucesim.config.scenario.Scenario` a sweep ran, rebuilt from its manifest's ``scenario`` record.

    The record holds every resolved value (numbers, or distributions as
    ``{"dist": kind, ...}``), the actors and their labels, so the scenario is
    the one simulated even if its file has since moved or changed.
    """
    from trucesim.config.distributions import Dist
    from trucesim.config.scenario import Scenario

    values = {}
    for k, v in record["values"].items():
        if isinstance(v, dict):
            values[k] = Dist(str(v["dist"]), {a: float(x) for a, x in v.items() if a != "dist"})
        else:
            values[k] = float(v)
    return Scenario(path=Path(str(record.get("path", "scenario.toml"))), meta=dict(record.get("meta") or {}),
                    values=values, sources=dict(record.get("sources") or {}), actors=dict(record["actors"]),
                    targets=dict(record.get("targets") or {}), labels=dict(record.get("labels") or {}))


def _scenario_of(manifest: dict, base: Path):
    from trucesim.config.scenario import ScenarioError, load_scenario

    rec = manifest.get("scenario")
    if isinstance(rec, dict) and "values" in rec and "actors" in rec:
        try:
            return scenario_from_record(rec)
        except (KeyError, TypeError, ValueError):
            pass
        rec = rec.get("path")
    if not rec:
        return None
    for c in (Path(rec), base / rec, base.parent / rec):
        if c.is_file():
            try:
                return load_scenario(c)
            except ScenarioError:
                return None
    return None


def load_results(path: str | Path) -> Results:
    """Read the results directory of a sweep (the ``--out`` of ``trucesim sweep``).

    Raises
    ------
    trucesim.sweep.store.StoreError
        (a ``ValueError``) with a one-line message: not a results directory,
        an unfinished sweep, an unreadable manifest.

    Examples
    --------
    >>> exp = load_results("out/prisoners-vs-us-pressure")          # doctest: +SKIP
    >>> probability_by(exp.worlds, exp.factors[:2], "deal")           # doctest: +SKIP
    """
    from trucesim.sweep import store as store

    path = Path(path)
    manifest = store.load_manifest(path)
    worlds = store.load(path)
    points = None
    if (path / "points.parquet").is_file():
        points = store.load_points(path)
    factors = list(manifest.get("factors") or [])
    return Results(path=path, manifest=manifest, worlds=worlds, points=points,
                      scenario=_scenario_of(manifest, path), factors=factors)


def trace_world(scenario, world: int, seed: int = 0, chunk_worlds: int | None = None):
    """The day-by-day events of one world of a scenario run, and its outcome row.

    The same world as ``trucesim run SCENARIO --seed SEED --trace WORLD``:
    only the chunk holding it is simulated.

    Returns
    -------
    (list of (day, text), Series)

    Examples
    --------
    >>> from trucesim import load_scenario
    >>> events, row = trace_world(load_scenario("scenarios/april-2024.toml"), 3)   # doctest: +SKIP
    >>> events[0][1][:32]                                                           # doctest: +SKIP
    'mediators table proposal 1 (dead'
    """
    from trucesim.run.outcomes import outcome_table
    from trucesim.run.simulate import CHUNK_WORLDS, run_chunk

    cw = chunk_worlds or CHUNK_WORLDS
    if world < 0:
        raise ValueError(f"world: expected a number >= 0, found {world}")
    chunk, local = divmod(int(world), cw)
    model = run_chunk(scenario, seed, chunk, cw, trace_world=local)
    row = outcome_table(model, world_offset=chunk * cw).iloc[local]
    return list(model.trace), row


def seats_kept(df: pd.DataFrame, scenario) -> pd.Series:
    """Coalition seats kept in each world: the seats of the partners that did not quit.

    A party's seats come from a ``actors.<party>.seats`` column when the sweep
    varied them, otherwise from the scenario.

    Examples
    --------
    >>> from trucesim import load_scenario
    >>> s = load_scenario("scenarios/april-2024.toml")                      # doctest: +SKIP
    >>> seats_kept(pd.DataFrame({"exit_coalition_core": [False], "exit_religious_zionism": [True],
    ...                          "exit_otzma_yehudit": [False]}), s).tolist()  # doctest: +SKIP
    [57.0]
    """
    total = np.zeros(len(df))
    for p in scenario.actors_of("coalition_party"):
        col = f"actors.{p}.seats"
        seats = df[col].to_numpy(float) if col in df.columns else float(scenario.value(col))
        exited = df[f"exit_{p}"].to_numpy(bool) if f"exit_{p}" in df.columns else np.zeros(len(df), bool)
        total += np.where(exited, 0.0, seats)
    return pd.Series(total, index=df.index, name="seats_kept")


def majority(df: pd.DataFrame, scenario) -> float | np.ndarray:
    """The seats a government needs (``context.knesset_majority``), per world when a sweep varied it."""
    key = "context.knesset_majority"
    return df[key].to_numpy(float) if key in df.columns else float(scenario.value(key))


__all__ = [
    "CORE_OUTCOMES", "Results", "acceptance_outcomes", "bin_factor", "binary_outcome",
    "check_factor", "exit_outcomes", "load_results", "scenario_from_record", "majority", "outcome_label", "outcome_names",
    "point_means", "prim_boxes", "probability_by", "scenario_discovery", "seats_kept", "sobol_from_samples", "sobol_indices",
    "summary_table",
    "trace_world", "wilson_interval",
]

