"""Probabilities of outcomes by factor, with Wilson confidence intervals.

Every function takes a plain DataFrame with one row per world (the per-world
outcome table of :func:`trucesim.run.simulate.simulate`, or a sweep's worlds read with
:func:`trucesim.analysis.results.load_results`, one column per factor) and
returns a DataFrame, so the command line, the HTML report and the notebooks
share one computation.  :func:`probability_by` gives the share of worlds with an
outcome (a deal, each side's acceptance, a coalition exit, a permanent end...)
by one or two factors; continuous factors are binned (:func:`bin_factor`).
The intervals are :func:`trucesim.run.stats.wilson_interval`.

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

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from trucesim.analysis.labels import exit_outcomes, outcome_label, outcome_names
from trucesim.config.tomlio import suggest
from trucesim.run.stats import effective_worlds, wilson_interval

#: columns of the per-world table that are never factors
NOT_FACTORS = {"point", "replicate", "world"}


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
        raise ValueError(f"unknown outcome {name!r}{suggest(name, outcome_names(df), cutoff=0.5)}")
    col = df[name]
    if col.dtype == bool:
        return col.to_numpy()
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    if not np.isin(values[~np.isnan(values)], (0.0, 1.0)).all():
        raise ValueError(f"outcome {name!r}: expected a yes/no column, found values other than 0 and 1")
    return values == 1.0


def check_factor(df: pd.DataFrame, factor: str, factors: Sequence[str] | None = None) -> None:
    """Raise ``ValueError`` (one line, with a did-you-mean) unless ``factor`` is a column of ``df``.

    Examples
    --------
    >>> check_factor(pd.DataFrame(columns=["context.us_pressure"]), "context.us_presure")
    Traceback (most recent call last):
    ...
    ValueError: unknown factor 'context.us_presure' (did you mean 'context.us_pressure'?)
    """
    known = list(factors) if factors is not None else [c for c in df.columns if c not in NOT_FACTORS]
    if factor not in df.columns or (factors is not None and factor not in known):
        hint = suggest(factor, known, cutoff=0.5)
        if not hint and factors is not None:
            hint = f" (factors: {', '.join(known)})" if known else " (the experiment has no factors)"
        raise ValueError(f"unknown factor {factor!r}{hint}")


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


def probability_by(
    df: pd.DataFrame,
    by: str | Sequence[str] = (),
    outcome: str | Sequence[str] = "deal",
    *,
    bins: int | Sequence[float] = 10,
    max_levels: int = 30,
    level: float = 0.95,
    labels: Mapping[str, str] | None = None,
    cluster: str | None = "replicate",
) -> pd.DataFrame:
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
    labels : mapping, optional
        Actor id to label, for the ``label`` column (a scenario's ``labels``).
    cluster : str or None
        The column naming each world's draws, where several rows share them (a sweep's
        ``replicate``: world ``r`` of every point).  A cell that pools rows sharing draws is worth
        fewer independent worlds than it holds, and its interval is Wilson's on those
        (:func:`trucesim.run.stats.effective_worlds`); without the column, every row is a world
        of its own.

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
    clustered = cluster is not None and cluster in df.columns and not df[cluster].is_unique
    if clustered:
        frame["_draws"] = df[cluster].to_numpy()
    if by:
        frame = frame.dropna(subset=by)  # worlds without a factor's value are in no cell
    parts = []
    if by:
        grouped = frame.groupby(keys, sort=True, dropna=False)
        counts = grouped[outcomes].agg(["sum", "count"])
    else:
        counts = pd.DataFrame(
            {(o, s): [frame[o].sum() if s == "sum" else len(frame)] for o in outcomes for s in ("sum", "count")}
        )
    for o in outcomes:
        part = pd.DataFrame(
            {
                "outcome": o,
                "label": outcome_label(o, labels),
                "worlds": counts[(o, "count")].to_numpy(dtype=np.int64),
                "k": counts[(o, "sum")].to_numpy(dtype=np.int64),
            },
            index=counts.index,
        )
        parts.append(part)
    out = pd.concat(parts)
    out = out.reset_index() if by else out.reset_index(drop=True)
    if by:
        out = out.sort_values(
            by + ["outcome"],
            kind="stable",
            key=lambda s: s.map({o: i for i, o in enumerate(outcomes)}) if s.name == "outcome" else s,
        ).reset_index(drop=True)
    out["p"] = out["k"] / out["worlds"]
    worlds = out["worlds"].to_numpy(dtype=float)
    if clustered:
        worlds = _effective(frame, keys, outcomes, out)
    out["p_lo"], out["p_hi"] = wilson_interval(out["p"].to_numpy() * worlds, worlds, level)
    return out


def _effective(frame: pd.DataFrame, keys: list[str], outcomes: list[str], out: pd.DataFrame) -> np.ndarray:
    """The independent worlds each row of ``out`` (a cell and an outcome) is worth, its rows clustered by draws."""
    per = frame.groupby([*keys, "_draws"], sort=False, dropna=False)[outcomes].agg(["sum", "count"])
    cells = per.index.droplevel("_draws") if keys else pd.Index(np.zeros(len(per), int))
    codes, uniq = pd.factorize(cells)
    worlds = np.zeros(len(out))
    for o in outcomes:
        eff = effective_worlds(per[(o, "sum")].to_numpy(), per[(o, "count")].to_numpy(), codes, len(uniq))
        rows = out["outcome"] == o
        lookup = pd.Series(eff, index=uniq)
        # keys: three columns per factor, or none (one cell: all the worlds)
        worlds[rows.to_numpy()] = lookup.reindex(pd.MultiIndex.from_frame(out.loc[rows, keys])) if keys else eff
    return worlds


def summary_table(
    df: pd.DataFrame,
    outcomes: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Every yes/no outcome over all worlds: ``outcome``, ``label``, ``worlds``, ``k``, ``p``, ``p_lo``, ``p_hi``.

    Examples
    --------
    >>> summary_table(pd.DataFrame({"deal": [True, False, False, False]}))[["outcome", "p"]].to_dict("records")
    [{'outcome': 'deal', 'p': 0.25}]
    """
    outcomes = list(outcomes) if outcomes is not None else outcome_names(df)
    return probability_by(df, (), outcomes, level=level, labels=labels)


__all__ = ["NOT_FACTORS", "bin_factor", "binary_outcome", "check_factor", "probability_by", "summary_table"]
