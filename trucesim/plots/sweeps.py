"""Figures of a sweep: probability over two factors, acceptance against one, Sobol' indices.

* :func:`heatmap` -- probability of an outcome over two factors, with the 0.5 contour;
* :func:`acceptance_curves` -- each side's acceptance (and the deal) against one factor, with bands;
* :func:`sobol_bars` -- first- and total-order Sobol' indices with their intervals.

A sweep's PRIM boxes are drawn by :func:`trucesim.plots.prim.prim_plot`.

Every function returns a matplotlib Figure and opens no window (it works under
the Agg backend: the command line, the tests, a server).

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> df = pd.DataFrame({"terms.prisoners_per_hostage": rng.choice([5, 20, 35, 50], 4000),
...                    "context.us_pressure": rng.choice([0.2, 0.5, 0.8], 4000)})
>>> p = df["terms.prisoners_per_hostage"] / 60 + df["context.us_pressure"] / 2
>>> df["deal"] = rng.random(4000) < p
>>> fig = heatmap(df, "terms.prisoners_per_hostage", "context.us_pressure", scenario="toy")
>>> fig.axes[0].get_xlabel()
'Palestinian prisoners released for each hostage [prisoners per hostage]'
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.patheffects as pe
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from trucesim.analysis.labels import acceptance_outcomes, outcome_label
from trucesim.analysis.probability import probability_by
from trucesim.plots.style import (
    CMAP,
    CYCLE,
    OKABE_ITO,
    actor_labels,
    factor_label,
    finish,
    own_axes,
    scenario_name,
    subtitle,
)

#: colour, marker and line style of the two sides' acceptance (the government's, then the armed group's)
_SIDE_STYLES = [(OKABE_ITO["blue"], "o", "-"), (OKABE_ITO["vermillion"], "s", "-")]
_OUTCOME_STYLE = {
    "deal": (OKABE_ITO["black"], "D", "--"),
    "any_exit": (OKABE_ITO["reddish_purple"], "^", ":"),
    "permanent": (OKABE_ITO["bluish_green"], "v", "-."),
}
_MARKERS = ["o", "s", "D", "^", "v", "P", "X", "*"]


def _edges(centres: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Cell edges of one heatmap axis: the bins' edges, or midpoints between levels."""
    if np.all(hi > lo):
        return np.unique(np.concatenate([lo, hi]))
    c = np.asarray(centres, float)
    if c.size == 1:
        return np.array([c[0] - 0.5, c[0] + 0.5]) if c[0] == 0 else np.array([c[0] * 0.9, c[0] * 1.1])
    mid = (c[:-1] + c[1:]) / 2
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])


# --------------------------------------------------------------------------------------
# probability over two factors
# --------------------------------------------------------------------------------------
def auto_bins(df: pd.DataFrame, factors: Sequence[str], per_cell: float = 3.0, most: int = 10) -> int:
    """Bins per continuous factor so that a cell holds about ``per_cell`` distinct design points.

    A sampled design of a few hundred points gets fewer, wider bins than a
    run where every world has its own values.

    Examples
    --------
    >>> auto_bins(pd.DataFrame({"a": np.arange(160.0), "b": np.arange(160.0) % 7}), ["a", "b"])
    7
    """
    distinct = len(df[list(factors)].drop_duplicates()) if len(df) else 0
    return int(np.clip(np.floor((distinct / per_cell) ** (1 / len(factors))), 3, most))


def heatmap(
    df: pd.DataFrame,
    x: str,
    y: str,
    outcome: str = "deal",
    *,
    scenario=None,
    bins: int | None = None,
    max_levels: int = 30,
    level: float = 0.95,
    annotate: bool | None = None,
    vmax: float | None = None,
    ax=None,
    title: str | None = None,
) -> Figure:
    """Probability of an outcome over two factors, with its 0.5 contour.

    Parameters
    ----------
    df : DataFrame
        One row per world, with the columns ``x``, ``y`` and ``outcome``.
    x, y : str
        Factors (dotted keys) on the horizontal and vertical axes.  Continuous
        factors are cut into ``bins`` bins (default: :func:`auto_bins`); a
        grid's levels are kept.
    outcome : str
        A yes/no outcome (:func:`trucesim.analysis.labels.outcome_names`).
    scenario : str or Scenario, optional
        Named on the figure (and its labels used).
    annotate : bool, optional
        Print the percentage in each cell (default: when there are at most 150 cells).
    vmax : float, optional
        Top of the colour scale.  Default: 1 when some cell reaches 0.5,
        otherwise the smallest of 0.05, 0.1, 0.2, ... 0.5 above every cell, so
        that differences among small probabilities stay visible (the colour
        bar says so).
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.

    Returns
    -------
    Figure
        Cells are a ``QuadMesh`` with one value per cell; the 0.5 contour, when
        the probability crosses it, a ``ContourSet`` with ``levels == [0.5]``.
    """
    if bins is None:
        bins = auto_bins(df, [x, y])
    t = probability_by(df, [x, y], outcome, bins=bins, max_levels=max_levels, level=level)
    labels = actor_labels(scenario)
    olabel = outcome_label(outcome, labels)
    g = _cell_grid(t, x, y)
    Z = g.Z
    finite = Z[np.isfinite(Z)]
    if vmax is None:
        vmax = _colour_top(float(finite.max()) if finite.size else 1.0)
    fig, ax, own = own_axes(ax, (8.5, 6.2))
    ax.set_facecolor("#dddddd")
    mesh = ax.pcolormesh(g.xe, g.ye, np.ma.masked_invalid(Z), cmap=CMAP, vmin=0, vmax=vmax, shading="flat")
    mesh.set_gid("cells")
    cbar = fig.colorbar(mesh, ax=ax, pad=0.02)
    # as many decimals as each tick needs: 2% and 2.5% alike (a fixed count wrote 2.5% as 2%)
    cbar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{round(100 * v, 6):g}%"))
    cbar.set_label(f"P({olabel})  [% of worlds]" + (f"; colour scale 0-{100 * vmax:g}%" if vmax < 1 else ""))
    if annotate is None:
        annotate = Z.size <= 150
    if annotate:
        _write_cells(ax, g, vmax)
    handles = _contour_at_half(ax, g)
    if np.isnan(Z).any():
        handles.append(Patch(facecolor="#dddddd", label="no worlds in cell"))
    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncols=len(handles),
        fontsize=8.5,
        frameon=False,
        borderaxespad=0.2,
    )
    ax.set_xlabel(factor_label(x, scenario))
    ax.set_ylabel(factor_label(y, scenario))
    if not g.binned_x and g.xc.size <= 15:
        ax.set_xticks(g.xc)
    if not g.binned_y and g.yc.size <= 15:
        ax.set_yticks(g.yc)
    if own:
        finish(
            fig,
            title or f"Probability: {olabel}",
            subtitle(scenario_name(scenario, df), len(df), _worlds_per_cell(g.W)),
            note=("Numbers: % of the cell's worlds. " if annotate else "")
            + f"{int(level * 100)}% Wilson intervals (on the independent worlds a cell holds) are at most "
            f"±{100 * float(np.nanmax((t.p_hi - t.p_lo) / 2)):.1f} points.",
        )
    else:
        ax.set_title(title or olabel, pad=20)
    return fig


@dataclass
class _Grid:
    """The cells of a heatmap: edges (``xe``, ``ye``), centres (``xc``, ``yc``), probability ``Z``, worlds ``W``."""

    xe: np.ndarray
    ye: np.ndarray
    xc: np.ndarray
    yc: np.ndarray
    Z: np.ndarray
    W: np.ndarray
    binned_x: bool
    binned_y: bool


def _cell_grid(t: pd.DataFrame, x: str, y: str) -> _Grid:
    """The probability table of :func:`probability_by` over ``x`` and ``y`` as a grid of cells (NaN: no worlds)."""
    xe = _edges(np.unique(t[x]), t[f"{x}_lo"].to_numpy(), t[f"{x}_hi"].to_numpy())
    ye = _edges(np.unique(t[y]), t[f"{y}_lo"].to_numpy(), t[f"{y}_hi"].to_numpy())
    binned_x = bool(np.all(t[f"{x}_hi"] > t[f"{x}_lo"]))
    binned_y = bool(np.all(t[f"{y}_hi"] > t[f"{y}_lo"]))
    xc = (xe[:-1] + xe[1:]) / 2 if binned_x else np.unique(t[x])
    yc = (ye[:-1] + ye[1:]) / 2 if binned_y else np.unique(t[y])
    xi = np.searchsorted(xe, t[f"{x}_lo"].to_numpy(), side="right") - 1 if binned_x else np.searchsorted(xc, t[x])
    yi = np.searchsorted(ye, t[f"{y}_lo"].to_numpy(), side="right") - 1 if binned_y else np.searchsorted(yc, t[y])
    Z = np.full((yc.size, xc.size), np.nan)
    W = np.zeros((yc.size, xc.size), dtype=np.int64)
    Z[yi, xi] = t["p"].to_numpy()
    W[yi, xi] = t["worlds"].to_numpy()
    return _Grid(xe, ye, xc, yc, Z, W, binned_x, binned_y)


def _colour_top(top: float) -> float:
    """The default top of a heatmap's colour scale: 1 from 0.5 up, else the smallest of 0.05, 0.1, 0.2 ... 0.5
    at or above ``top``.

    >>> _colour_top(0.03), _colour_top(0.45), _colour_top(0.5)
    (0.05, 0.5, 1.0)
    """
    return 1.0 if top >= 0.5 else next(v for v in (0.05, 0.1, 0.2, 0.3, 0.4, 0.5) if top <= v)


def _write_cells(ax, g: _Grid, vmax: float) -> None:
    """Each cell's probability written in it, in % (with a decimal on a scale below 20%)."""
    for (r, c), p in np.ndenumerate(g.Z):
        if np.isnan(p):
            continue
        ax.text(
            g.xc[c],
            g.yc[r],
            f"{100 * p:.0f}%" if vmax >= 0.2 else f"{100 * p:.1f}",
            ha="center",
            va="center",
            fontsize=8 if g.xc.size <= 12 else 7,
            color="white" if p / vmax < 0.55 else "black",
        )


def _contour_at_half(ax, g: _Grid) -> list[Artist]:
    """Draw the 0.5 contour where the probability crosses it; return the legend's entries saying what is drawn."""
    finite = g.Z[np.isfinite(g.Z)]
    straddles = finite.size > 0 and finite.min() < 0.5 < finite.max()
    if straddles and min(g.Z.shape) >= 2:
        stroke = [pe.Stroke(linewidth=4.5, foreground="black"), pe.Normal()]
        cs = ax.contour(
            g.xc, g.yc, np.ma.masked_invalid(g.Z), levels=[0.5], colors=[OKABE_ITO["orange"]], linewidths=2.5
        )
        cs.set_path_effects(stroke)
        cs.set_gid("contour-0.5")
        return [Line2D([], [], color=OKABE_ITO["orange"], lw=2.5, path_effects=stroke, label="P = 0.5")]
    if straddles:
        return [Line2D([], [], ls="none", label="cells on both sides of 0.5, too few rows or columns for a contour")]
    if not finite.size:
        where = "no cell has worlds"
    elif finite.max() < 0.5:
        where = "P stays below 0.5 in every cell"
    elif finite.min() < 0.5:
        where = "P reaches 0.5 in some cells but does not cross it"
    else:
        where = "P is 0.5 or more in every cell"
    return [Line2D([], [], ls="none", label=f"{where} (no 0.5 contour)")]


def _worlds_per_cell(W: np.ndarray) -> str:
    """``N worlds per cell`` or ``N-M worlds per cell`` over the cells with worlds ("" if none has)."""
    wpc = W[W > 0]
    if not wpc.size:
        return ""
    return (
        f"{wpc.min():,} worlds per cell" if wpc.min() == wpc.max() else f"{wpc.min():,}-{wpc.max():,} worlds per cell"
    )


# --------------------------------------------------------------------------------------
# acceptance against one factor
# --------------------------------------------------------------------------------------
def acceptance_curves(
    df: pd.DataFrame,
    x: str,
    outcomes: Sequence[str] | None = None,
    *,
    scenario=None,
    bins: int | None = None,
    max_levels: int = 30,
    level: float = 0.95,
    ax=None,
    title: str | None = None,
) -> Figure:
    """Each side's acceptance (and the deal) against one factor, with confidence bands.

    Parameters
    ----------
    df : DataFrame
        One row per world.
    x : str
        The factor (dotted key) on the horizontal axis; binned when continuous
        (``bins``, default :func:`auto_bins`).
    outcomes : sequence of str, optional
        Default: every ``<id>_accepted`` column (the government's, then the
        armed group's) and ``deal``.
    level : float
        Confidence level of the Wilson bands.

    Returns
    -------
    Figure
        One line (with markers) and one band per outcome.
    """
    if outcomes is None:
        outcomes = acceptance_outcomes(df) + (["deal"] if "deal" in df.columns else [])
    outcomes = list(outcomes)
    if bins is None:
        bins = auto_bins(df, [x], per_cell=8.0)
    t = probability_by(df, x, outcomes, bins=bins, max_levels=max_levels, level=level)
    labels = actor_labels(scenario)
    styles = {**dict(zip(acceptance_outcomes(df), _SIDE_STYLES)), **_OUTCOME_STYLE}
    fig, ax, own = own_axes(ax, (8.5, 5.6))
    for i, o in enumerate(outcomes):
        s = t[t["outcome"] == o]
        colour, marker, ls = styles.get(o, (CYCLE[(i + 2) % len(CYCLE)], _MARKERS[i % len(_MARKERS)], "-"))
        ax.fill_between(s[x], s["p_lo"], s["p_hi"], color=colour, alpha=0.18, linewidth=0)
        ax.plot(s[x], s["p"], color=colour, marker=marker, linestyle=ls, lw=2, ms=5.5, label=outcome_label(o, labels))
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(factor_label(x, scenario))
    ax.set_ylabel("probability  [share of worlds]")
    ax.axhline(0.5, color="#999999", lw=0.8, ls=":")
    ax.grid(True, color="#eeeeee")
    ax.legend(loc="best", fontsize=9, framealpha=0.9)
    if own:
        per = t.groupby(x)["worlds"].first()
        per_text = (
            f"{per.min():,} worlds per level"
            if per.min() == per.max()
            else f"{per.min():,}-{per.max():,} worlds per level"
        )
        finish(
            fig,
            title or f"Who accepts, by {factor_label(x, scenario, unit=False)}",
            subtitle(scenario_name(scenario, df), len(df), per_text),
            note=f"Bands: {int(level * 100)}% Wilson intervals, on the independent worlds a level holds (the "
            "sweep's points share their worlds). 'Accepts' = accepts at least one proposal during the talks; "
            "a deal also needs the other side and ratification.",
        )
    else:
        ax.set_title(title or factor_label(x, scenario, unit=False))
    return fig


# --------------------------------------------------------------------------------------
# Sobol' indices
# --------------------------------------------------------------------------------------
def sobol_bars(
    indices: pd.DataFrame,
    *,
    scenario=None,
    worlds: int | None = None,
    outcome: str = "deal",
    base_samples: int | None = None,
    level: float = 0.95,
    ax=None,
    title: str | None = None,
) -> Figure:
    """First- and total-order Sobol' indices as bars with their confidence intervals.

    Parameters
    ----------
    indices : DataFrame
        As returned by :func:`trucesim.analysis.sensitivity.sobol_from_samples` or
        :func:`trucesim.analysis.sensitivity.sobol_indices` (``factor``, ``S1``, ``S1_lo``,
        ``S1_hi``, ``ST``, ``ST_lo``, ``ST_hi``).
    worlds : int, optional
        Worlds simulated for the estimate (named on the figure).
    base_samples : int, optional
        ``N``, the rows of each base matrix of the design.

    Returns
    -------
    Figure
        Two horizontal bars per factor (first order, total order), largest total order on top.
    """
    s = indices.sort_values("ST", ascending=True, kind="stable")
    labels = actor_labels(scenario)
    fig, ax, own = own_axes(ax, (8.5, 2.2 + 0.6 * len(s)))
    yv = np.arange(len(s))
    h = 0.38
    for off, key, colour, hatch, name in (
        (h / 2, "ST", OKABE_ITO["blue"], None, "total order (ST)"),
        (-h / 2, "S1", OKABE_ITO["sky_blue"], "//", "first order (S1)"),
    ):
        raw = s[key].to_numpy()
        val = np.maximum(raw, 0)  # an index is a share of variance: a negative estimate is noise around 0
        err = np.vstack(
            [np.maximum(val - s[f"{key}_lo"].to_numpy(), 0), np.maximum(s[f"{key}_hi"].to_numpy() - val, 0)]
        )
        ax.barh(
            yv + off,
            val,
            height=h,
            color=colour,
            hatch=hatch,
            edgecolor="white",
            label=name,
            xerr=err,
            error_kw=dict(ecolor="black", capsize=3, lw=1),
        )
        for yi, r in zip(yv, raw):
            if r < 0:
                ax.text(0.005, yi + off, f"{key} {r:.2f} < 0: read as 0", fontsize=7, va="center", color="#555555")
    unstable = sobol_unstable(indices, base_samples)
    if unstable:  # a row of its own below the bars
        ax.text(
            0.01,
            -1.0,
            textwrap.fill(f"Too few samples for stable indices: {unstable}", 60),
            transform=ax.get_yaxis_transform(),
            ha="left",
            va="center",
            fontsize=8,
            color=OKABE_ITO["vermillion"],
            fontweight="bold",
        )
    ax.set_yticks(yv, [textwrap.fill(factor_label(f, scenario), 40) for f in s["factor"]], fontsize=9)
    ax.set_ylim(-1.5 if unstable else -0.6, len(s) - 0.4)
    ax.axvline(0, color="black", lw=0.8)
    hi = float(np.nanmax(np.r_[s["ST_hi"].to_numpy(), s["S1_hi"].to_numpy(), 0.1]))
    lo = float(np.nanmin(np.r_[s["S1_lo"].to_numpy(), s["ST_lo"].to_numpy(), 0.0]))
    ax.set_xlim(min(lo - 0.02, -0.02), min(max(hi + 0.05, 0.2), 1.3))
    ax.set_xlabel(f"Sobol' index  [share of the variance of P({outcome_label(outcome, labels)})]")
    ax.grid(True, axis="x", color="#eeeeee")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2, fontsize=9, frameon=False, borderaxespad=0.2)
    if own:
        extra = f"N = {base_samples:,} base samples" if base_samples else ""
        finish(
            fig,
            title or "What matters: Sobol' sensitivity indices",
            subtitle(scenario_name(scenario), int(worlds or 0), extra)
            if worlds
            else f"scenario {scenario_name(scenario)}  ·  {extra}",
            note=f"Whiskers: {int(level * 100)}% bootstrap intervals (SALib). ST - S1 is the "
            "share owed to interactions. A negative first-order estimate is sampling noise around 0: its bar "
            "is drawn at 0 and its value written beside it."
            + (f" Too few samples for stable indices ({unstable}): more points in the design." if unstable else ""),
        )
    else:
        ax.set_title(title or "Sobol' indices")
    return fig


#: base samples (N of a Saltelli design) below which Sobol' indices are called unstable
SOBOL_MIN_BASE = 256


def sobol_unstable(indices: pd.DataFrame, base_samples: int | None = None) -> str:
    """Why Sobol' indices are too unstable to read (empty if they are not).

    Unstable: ``base_samples`` (N) below :data:`SOBOL_MIN_BASE`, or a factor whose total-order
    interval is wider than its index and than 0.1 (a share of variance).

    >>> ind = pd.DataFrame({"factor": ["a"], "ST": [0.3], "ST_lo": [0.0], "ST_hi": [0.7]})
    >>> sobol_unstable(ind, 1024)
    'intervals wider than the indices for 1 of 1 factors'
    >>> sobol_unstable(ind.assign(ST_lo=0.25, ST_hi=0.35), 64)
    'N = 64 base samples, below 256'
    """
    why = []
    if base_samples is not None and base_samples < SOBOL_MIN_BASE:
        why.append(f"N = {base_samples:,} base samples, below {SOBOL_MIN_BASE}")
    width = indices["ST_hi"] - indices["ST_lo"]
    wide = int((width > np.maximum(indices["ST"].abs(), 0.1)).sum())
    if wide:
        why.append(f"intervals wider than the indices for {wide} of {len(indices)} factors")
    return "; ".join(why)


# --------------------------------------------------------------------------------------
# PRIM boxes
# --------------------------------------------------------------------------------------
__all__ = ["SOBOL_MIN_BASE", "acceptance_curves", "auto_bins", "heatmap", "sobol_bars", "sobol_unstable"]
