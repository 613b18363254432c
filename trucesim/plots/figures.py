"""The common charts of trucesim, one call each; every function returns a matplotlib Figure.

Every figure names its units, its scenario and its number of worlds, uses a
colour-blind-safe palette (Okabe-Ito for categories, cividis for
probabilities) and carries the note that it explores stated assumptions and
is not a forecast.  Nothing here opens a window: the functions work under
the Agg backend (the command line, the tests, a server).

* :func:`heatmap` -- probability of an outcome over two factors, with the 0.5 contour;
* :func:`acceptance_curves` -- each side's acceptance (and the deal) against one factor, with bands;
* :func:`sobol_bars` -- first- and total-order Sobol' indices with their intervals;
* :func:`distributions` -- the deal day and the hostages released;
* :func:`timeline` -- the day-by-day story of one traced world;
* :func:`seats` -- coalition seats kept against the majority, across worlds;
* :func:`outcome_bars` -- the probability of every outcome, for one or several runs;
* :func:`prim_plot` -- PRIM boxes (and their coverage-density trade-off).

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> df = pd.DataFrame({"terms.prisoners_per_hostage": rng.choice([5, 20, 35, 50], 4000),
...                    "context.us_pressure": rng.choice([0.2, 0.5, 0.8], 4000)})
>>> p = df["terms.prisoners_per_hostage"] / 60 + df["context.us_pressure"] / 2
>>> df["deal"] = rng.random(4000) < p
>>> fig = heatmap(df, "terms.prisoners_per_hostage", "context.us_pressure", scenario="toy")
>>> fig.axes[0].get_xlabel()
'terms.prisoners_per_hostage [prisoners per hostage]'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.patheffects as pe
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from trucesim.analysis import probability as an

#: Okabe and Ito's colour-blind-safe palette
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
}
CYCLE = [OKABE_ITO[k] for k in ("blue", "vermillion", "bluish_green", "orange", "reddish_purple",
                                "sky_blue", "black", "yellow")]
#: colour map of probabilities: perceptually uniform and readable with colour-vision deficiencies
CMAP = "cividis"
DISCLAIMER = ("An exploration of the scenario's stated assumptions, not a forecast of the talks "
              "or advice.")

_OUTCOME_STYLE = {
    "israel_accepted": (OKABE_ITO["blue"], "o", "-"),
    "hamas_accepted": (OKABE_ITO["vermillion"], "s", "-"),
    "deal": (OKABE_ITO["black"], "D", "--"),
    "any_exit": (OKABE_ITO["reddish_purple"], "^", ":"),
    "permanent": (OKABE_ITO["bluish_green"], "v", "-."),
}
_MARKERS = ["o", "s", "D", "^", "v", "P", "X", "*"]


# --------------------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------------------
def factor_label(key: str, scenario=None) -> str:
    """Axis label of a factor: its dotted key and its unit.

    Examples
    --------
    >>> factor_label("context.us_pressure")
    'context.us_pressure [0..1]'
    >>> factor_label("actors.hamas.weights.withdrawal")
    'actors.hamas.weights.withdrawal [weight]'
    """
    from trucesim.config.params import KIND_PARAMS, SECTIONS

    parts = key.split(".")
    param = None
    if parts[0] in SECTIONS and len(parts) == 2:
        param = SECTIONS[parts[0]].get(parts[1])
    elif parts[0] == "actors" and len(parts) >= 3:
        rest = ".".join(parts[2:])
        kind = getattr(scenario, "actors", {}).get(parts[1]) if scenario is not None else None
        kinds = [kind] if kind else list(KIND_PARAMS)
        for k in kinds:
            if rest in KIND_PARAMS.get(k, {}):
                param = KIND_PARAMS[k][rest]
                break
    return f"{key} [{param.unit}]" if param is not None else key


def _scenario_name(scenario, df: pd.DataFrame | None = None) -> str:
    if scenario is None and df is not None:
        scenario = df.attrs.get("scenario")
    if scenario is None:
        return "scenario not stated"
    return str(getattr(scenario, "name", scenario))


def _labels(scenario) -> dict[str, str]:
    return {**an.DEFAULT_ACTOR_LABELS, **(getattr(scenario, "labels", None) or {})}


_TOP_IN = 0.72     # inches kept at the top for the title and the subtitle
_BOTTOM_IN = 0.40  # inches kept at the bottom for the note


def _new_figure(figsize=(8, 5.5), nrows=1, ncols=1, **kw):
    fig = Figure(figsize=figsize, layout="constrained")
    h = figsize[1]
    bottom, top = _BOTTOM_IN / h, _TOP_IN / h
    fig.get_layout_engine().set(rect=(0, bottom, 1, 1 - bottom - top))
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


def _finish(fig: Figure, title: str, subtitle: str, note: str | None = None) -> Figure:
    h = fig.get_figheight()
    fig.text(0.5, 1 - 0.10 / h, title, ha="center", va="top", fontsize=13, fontweight="bold")
    fig.text(0.5, 1 - 0.42 / h, subtitle, ha="center", va="top", fontsize=9.5, color="#333333")
    text = DISCLAIMER if note is None else f"{note}  {DISCLAIMER}"
    fig.text(0.01, 0.04 / h, text, ha="left", va="bottom", fontsize=7.5, color="#555555", style="italic",
             wrap=True)
    return fig


def _subtitle(scenario_name: str, worlds: int, *extra: str) -> str:
    parts = [f"scenario {scenario_name}", f"{worlds:,} worlds", *[e for e in extra if e]]
    return "  ·  ".join(parts)


def _own_axes(ax, figsize):
    """A new single-axes figure, or the figure of ``ax`` when one is given."""
    if ax is None:
        fig, axes = _new_figure(figsize)
        return fig, axes[0, 0], True
    return ax.figure, ax, False


def _edges(centres: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Cell edges of one heatmap axis: the bins' edges, or midpoints between levels."""
    if np.all(hi > lo):
        return np.unique(np.concatenate([lo, hi]))
    c = np.asarray(centres, float)
    if c.size == 1:
        return np.array([c[0] - 0.5, c[0] + 0.5]) if c[0] == 0 else np.array([c[0] * 0.9, c[0] * 1.1])
    mid = (c[:-1] + c[1:]) / 2
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])


def save_figure(fig: Figure, path: str | Path, dpi: int = 150) -> Path:
    """Write a figure to ``path`` (PNG, SVG or PDF by its suffix) and return the path."""
    path = Path(path)
    fig.savefig(path, dpi=dpi)
    return path


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


def heatmap(df: pd.DataFrame, x: str, y: str, outcome: str = "deal", *, scenario=None,
            bins: int | None = None, max_levels: int = 30, level: float = 0.95, annotate: bool | None = None,
            vmax: float | None = None, ax=None, title: str | None = None) -> Figure:
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
        A yes/no outcome (:func:`trucesim.analysis.probability.outcome_names`).
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
    t = an.probability_by(df, [x, y], outcome, bins=bins, max_levels=max_levels, level=level)
    labels = _labels(scenario)
    olabel = an.outcome_label(outcome, labels)
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
    finite = Z[np.isfinite(Z)]
    top = float(finite.max()) if finite.size else 1.0
    if vmax is None:
        vmax = 1.0 if top > 0.5 else next(v for v in (0.05, 0.1, 0.2, 0.3, 0.4, 0.5) if top <= v)
    fig, ax, own = _own_axes(ax, (8.5, 6.2))
    ax.set_facecolor("#dddddd")
    mesh = ax.pcolormesh(xe, ye, np.ma.masked_invalid(Z), cmap=CMAP, vmin=0, vmax=vmax, shading="flat")
    mesh.set_gid("cells")
    cbar = fig.colorbar(mesh, ax=ax, pad=0.02)
    cbar.ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    cbar.set_label(f"P({olabel})  [% of worlds]" + (f"; colour scale 0-{100 * vmax:g}%" if vmax < 1 else ""))
    cells = Z.size
    if annotate is None:
        annotate = cells <= 150
    if annotate:
        for (r, c), p in np.ndenumerate(Z):
            if np.isnan(p):
                continue
            ax.text(xc[c], yc[r], f"{100 * p:.0f}%" if vmax >= 0.2 else f"{100 * p:.1f}", ha="center",
                    va="center", fontsize=8 if xc.size <= 12 else 7, color="white" if p / vmax < 0.55 else "black")
    straddles = finite.size > 0 and finite.min() < 0.5 < finite.max()
    crosses = straddles and min(Z.shape) >= 2
    handles = []
    if crosses:
        cs = ax.contour(xc, yc, np.ma.masked_invalid(Z), levels=[0.5], colors=[OKABE_ITO["orange"]],
                        linewidths=2.5)
        cs.set_path_effects([pe.Stroke(linewidth=4.5, foreground="black"), pe.Normal()])
        cs.set_gid("contour-0.5")
        handles.append(Line2D([], [], color=OKABE_ITO["orange"], lw=2.5,
                              path_effects=[pe.Stroke(linewidth=4.5, foreground="black"), pe.Normal()],
                              label="P = 0.5"))
    elif straddles:
        handles.append(Line2D([], [], ls="none", label="cells on both sides of 0.5, too few rows or columns "
                                                       "for a contour"))
    else:
        where = "below" if finite.size and finite.max() <= 0.5 else "above"
        handles.append(Line2D([], [], ls="none", label=f"P stays {where} 0.5 in every cell (no 0.5 contour)"))
    if np.isnan(Z).any():
        handles.append(Patch(facecolor="#dddddd", label="no worlds in cell"))
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=len(handles), fontsize=8.5,
              frameon=False, borderaxespad=0.2)
    ax.set_xlabel(factor_label(x, scenario))
    ax.set_ylabel(factor_label(y, scenario))
    if not binned_x and xc.size <= 15:
        ax.set_xticks(xc)
    if not binned_y and yc.size <= 15:
        ax.set_yticks(yc)
    wpc = W[W > 0]
    per_cell = (f"{wpc.min():,} worlds per cell" if wpc.min() == wpc.max()
                else f"{wpc.min():,}-{wpc.max():,} worlds per cell") if wpc.size else ""
    if own:
        _finish(fig, title or f"Probability: {olabel}",
                _subtitle(_scenario_name(scenario, df), len(df), per_cell),
                note=("Numbers: % of the cell's worlds. " if annotate else "")
                + f"{int(level * 100)}% Wilson intervals are at most "
                  f"±{100 * float(np.nanmax((t.p_hi - t.p_lo) / 2)):.1f} points.")
    else:
        ax.set_title(title or olabel, pad=20)
    return fig


# --------------------------------------------------------------------------------------
# acceptance against one factor
# --------------------------------------------------------------------------------------
def acceptance_curves(df: pd.DataFrame, x: str, outcomes: Sequence[str] | None = None, *,
                      scenario=None, bins: int | None = None, max_levels: int = 30, level: float = 0.95,
                      ax=None, title: str | None = None) -> Figure:
    """Each side's acceptance (and the deal) against one factor, with confidence bands.

    Parameters
    ----------
    df : DataFrame
        One row per world.
    x : str
        The factor (dotted key) on the horizontal axis; binned when continuous
        (``bins``, default :func:`auto_bins`).
    outcomes : sequence of str, optional
        Default: every ``<id>_accepted`` column (Israel's government, then
        Hamas) and ``deal``.
    level : float
        Confidence level of the Wilson bands.

    Returns
    -------
    Figure
        One line (with markers) and one band per outcome.
    """
    if outcomes is None:
        outcomes = an.acceptance_outcomes(df) + (["deal"] if "deal" in df.columns else [])
    outcomes = list(outcomes)
    if bins is None:
        bins = auto_bins(df, [x], per_cell=8.0)
    t = an.probability_by(df, x, outcomes, bins=bins, max_levels=max_levels, level=level)
    labels = _labels(scenario)
    fig, ax, own = _own_axes(ax, (8.5, 5.6))
    for i, o in enumerate(outcomes):
        s = t[t["outcome"] == o]
        colour, marker, ls = _OUTCOME_STYLE.get(o, (CYCLE[(i + 2) % len(CYCLE)], _MARKERS[i % len(_MARKERS)], "-"))
        ax.fill_between(s[x], s["p_lo"], s["p_hi"], color=colour, alpha=0.18, linewidth=0)
        ax.plot(s[x], s["p"], color=colour, marker=marker, linestyle=ls, lw=2, ms=5.5,
                label=an.outcome_label(o, labels))
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(factor_label(x, scenario))
    ax.set_ylabel("probability  [share of worlds]")
    ax.axhline(0.5, color="#999999", lw=0.8, ls=":")
    ax.grid(True, color="#eeeeee")
    ax.legend(loc="best", fontsize=9, framealpha=0.9)
    if own:
        per = t.groupby(x)["worlds"].first()
        per_text = (f"{per.min():,} worlds per point" if per.min() == per.max()
                    else f"{per.min():,}-{per.max():,} worlds per point")
        _finish(fig, title or f"Who accepts, by {x}",
                _subtitle(_scenario_name(scenario, df), len(df), per_text),
                note=f"Bands: {int(level * 100)}% Wilson intervals. 'Accepts' = accepts at least one "
                     "proposal during the talks; a deal also needs the other side and ratification.")
    else:
        ax.set_title(title or x)
    return fig


# --------------------------------------------------------------------------------------
# Sobol' indices
# --------------------------------------------------------------------------------------
def sobol_bars(indices: pd.DataFrame, *, scenario=None, worlds: int | None = None,
               outcome: str = "deal", base_samples: int | None = None, level: float = 0.95,
               ax=None, title: str | None = None) -> Figure:
    """First- and total-order Sobol' indices as bars with their confidence intervals.

    Parameters
    ----------
    indices : DataFrame
        As returned by :func:`trucesim.analysis.probability.sobol_from_samples` or
        :func:`trucesim.analysis.probability.sobol_indices` (``factor``, ``S1``, ``S1_lo``,
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
    labels = _labels(scenario)
    fig, ax, own = _own_axes(ax, (8.5, 1.6 + 0.55 * len(s)))
    yv = np.arange(len(s))
    h = 0.38
    for off, key, colour, hatch, name in ((h / 2, "ST", OKABE_ITO["blue"], None, "total order (ST)"),
                                          (-h / 2, "S1", OKABE_ITO["sky_blue"], "//", "first order (S1)")):
        val = s[key].to_numpy()
        err = np.vstack([np.maximum(val - s[f"{key}_lo"].to_numpy(), 0),
                         np.maximum(s[f"{key}_hi"].to_numpy() - val, 0)])
        ax.barh(yv + off, val, height=h, color=colour, hatch=hatch, edgecolor="white", label=name,
                xerr=err, error_kw=dict(ecolor="black", capsize=3, lw=1))
    ax.set_yticks(yv, [factor_label(f, scenario) for f in s["factor"]], fontsize=9)
    ax.axvline(0, color="black", lw=0.8)
    hi = float(np.nanmax(np.r_[s["ST_hi"].to_numpy(), s["S1_hi"].to_numpy(), 0.1]))
    lo = float(np.nanmin(np.r_[s["S1_lo"].to_numpy(), s["ST_lo"].to_numpy(), 0.0]))
    ax.set_xlim(min(lo - 0.02, -0.02), min(max(hi + 0.05, 0.2), 1.3))
    ax.set_xlabel(f"Sobol' index  [share of the variance of P({an.outcome_label(outcome, labels)})]")
    ax.grid(True, axis="x", color="#eeeeee")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2, fontsize=9, frameon=False, borderaxespad=0.2)
    if own:
        extra = f"N = {base_samples:,} base samples" if base_samples else ""
        _finish(fig, title or "What matters: Sobol' sensitivity indices",
                _subtitle(_scenario_name(scenario), int(worlds or 0), extra) if worlds
                else f"scenario {_scenario_name(scenario)}  ·  {extra}",
                note=f"Whiskers: {int(level * 100)}% bootstrap intervals (SALib). ST - S1 is the "
                     "share owed to interactions.")
    else:
        ax.set_title(title or "Sobol' indices")
    return fig


# --------------------------------------------------------------------------------------
# distributions of the deal day and of hostages released
# --------------------------------------------------------------------------------------
def distributions(df: pd.DataFrame, *, scenario=None, title: str | None = None) -> Figure:
    """Distributions of the day a deal is signed and of the hostages released, over the worlds with a deal.

    Returns
    -------
    Figure
        Two panels: histogram of ``deal_day`` (weekly bins, days after the
        framework was tabled) and of ``hostages_released``, each with its median.
    """
    deal = df["deal"].to_numpy(bool)
    n, k = len(df), int(deal.sum())
    fig, axes = _new_figure((11, 4.8), 1, 2)
    a1, a2 = axes[0]
    if k == 0:
        for a in (a1, a2):
            a.text(0.5, 0.5, "no deal in any world", ha="center", va="center", transform=a.transAxes)
    else:
        days = df.loc[deal, "deal_day"].to_numpy(float)
        edges = np.arange(0, max(7, np.nanmax(days) + 8), 7)
        a1.hist(days, bins=edges, weights=np.full(days.size, 100.0 / k), color=OKABE_ITO["blue"],
                edgecolor="white")
        med = float(np.median(days))
        a1.axvline(med, color=OKABE_ITO["orange"], lw=2.5, ls="--", label=f"median: day {med:g}")
        a1.legend(fontsize=9)
        rel = df.loc[deal, "hostages_released"].to_numpy(float)
        top = int(np.nanmax(rel)) if rel.size else 1
        width = max(1, int(np.ceil((top + 1) / 40)))
        a2.hist(rel, bins=np.arange(0, top + width + 1, width) - 0.5 * (width == 1),
                weights=np.full(rel.size, 100.0 / k), color=OKABE_ITO["bluish_green"], edgecolor="white")
        medr = float(np.median(rel))
        a2.axvline(medr, color=OKABE_ITO["orange"], lw=2.5, ls="--", label=f"median: {medr:g} released")
        a2.legend(fontsize=9)
    a1.set_xlabel("deal day  [days after the framework was tabled]")
    a1.set_ylabel("share of worlds with a deal  [%]")
    a1.set_title("When the deal is signed", fontsize=11)
    a2.set_xlabel("hostages released  [people, over the pause and any permanent end]")
    a2.set_ylabel("share of worlds with a deal  [%]")
    a2.set_title("Hostages released", fontsize=11)
    for a in (a1, a2):
        a.grid(True, axis="y", color="#eeeeee")
    share = f"deal in {k:,} of {n:,} worlds ({100 * k / max(n, 1):.1f}%)"
    _finish(fig, title or "Deal day and hostages released",
            _subtitle(_scenario_name(scenario, df), n, share),
            note="Worlds without a deal release no hostage and are left out of both panels.")
    return fig


# --------------------------------------------------------------------------------------
# timeline of one traced world
# --------------------------------------------------------------------------------------
_ANSWER = re.compile(r"^(?P<actor>.+?) (?P<verb>accepts|counters|rejects) proposal (?P<round>\d+)"
                     r"(?: \(acceptance probability (?P<p>[\d.]+)\))?")
_RULES = [  # (pattern, lane, kind)
    (re.compile(r"mediators table proposal (?P<round>\d+)"), "mediators", "proposal"),
    (re.compile(r"mediators revise the terms"), "mediators", "revision"),
    (re.compile(r"mediators walk away"), "mediators", "walk_away"),
    (re.compile(r"deadline passes"), "deadlines", "deadline"),
    (re.compile(r"launches the Rafah offensive"), "government", "offensive"),
    (re.compile(r"^(?P<actor>.+?) quits the coalition"), "coalition", "exit"),
    (re.compile(r"safety net carries the vote"), "coalition", "safety_net"),
    (re.compile(r"loses its majority and falls"), "coalition", "fall"),
    (re.compile(r"deal signed and ratified(?:; pause until day (?P<until>\d+))?"), "deal", "signed"),
    (re.compile(r"pause is extended"), "deal", "extension"),
    (re.compile(r"pause is breached by (?P<actor>.+?);"), "deal", "breach"),
    (re.compile(r"permanent end of the war"), "deal", "permanent"),
    (re.compile(r"no agreement on a permanent end"), "deal", "collapse"),
    (re.compile(r"hostages released: (?P<n>\d+)"), "hostages", "release"),
    (re.compile(r"(?P<n>\d+) hostage\(s\) reported dead"), "hostages", "death"),
]
_KIND_STYLE = {  # marker, colour, size, legend label
    "proposal": ("^", OKABE_ITO["black"], 80, "proposal tabled"),
    "revision": (".", "#777777", 60, "terms revised"),
    "walk_away": ("X", OKABE_ITO["vermillion"], 120, "mediators walk away"),
    "deadline": ("|", OKABE_ITO["reddish_purple"], 140, "deadline missed"),
    "accepts": ("o", OKABE_ITO["bluish_green"], 90, "accepts"),
    "counters": ("s", OKABE_ITO["orange"], 80, "counters"),
    "rejects": ("X", OKABE_ITO["vermillion"], 100, "rejects"),
    "offensive": ("*", OKABE_ITO["black"], 180, "Rafah offensive"),
    "exit": ("v", OKABE_ITO["reddish_purple"], 100, "partner quits"),
    "safety_net": ("P", OKABE_ITO["blue"], 100, "safety net carries vote"),
    "fall": ("X", OKABE_ITO["black"], 130, "government falls"),
    "signed": ("D", OKABE_ITO["blue"], 110, "deal signed"),
    "extension": ("+", OKABE_ITO["blue"], 90, "pause extended"),
    "breach": ("X", OKABE_ITO["vermillion"], 130, "pause breached"),
    "permanent": ("*", OKABE_ITO["bluish_green"], 200, "permanent end"),
    "collapse": ("x", OKABE_ITO["vermillion"], 110, "war resumes"),
    "release": ("o", OKABE_ITO["sky_blue"], 70, "hostages released"),
    "death": ("x", "#666666", 45, "hostage death reported"),
    "other": (".", "#999999", 40, "other event"),
}


def parse_trace(events: Sequence[tuple[int, str]], labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Classify the events of a traced world (``TruceModel.trace``).

    Returns
    -------
    DataFrame
        ``day``, ``lane`` (mediators, deadlines, the two sides, coalition,
        deal, hostages, other), ``kind`` (proposal, accepts, counters,
        rejects, deadline, exit, release, breach, ...), ``value`` (a round,
        an acceptance probability, a count, a day) and ``text``.

    Examples
    --------
    >>> parse_trace([(0, "mediators table proposal 1 (deadline day 2): pause_days=42"),
    ...              (2, "Israel's government accepts proposal 1 (acceptance probability 0.61)")]
    ...             )[["day", "lane", "kind", "value"]].to_dict("records")
    [{'day': 0, 'lane': 'mediators', 'kind': 'proposal', 'value': 1.0}, {'day': 2, 'lane': "Israel's government", 'kind': 'accepts', 'value': 0.61}]
    """
    labels = {**an.DEFAULT_ACTOR_LABELS, **(labels or {})}
    gov_label = labels.get("israel", "Israel's government")
    rows = []
    for day, text in events:
        m = _ANSWER.match(text)
        if m:
            p = m.group("p")
            rows.append((int(day), m.group("actor"), m.group("verb"),
                         float(p) if p is not None else float(m.group("round")), text))
            continue
        for pattern, lane, kind in _RULES:
            m = pattern.search(text)
            if m:
                g = m.groupdict()
                val = next((float(v) for v in g.values() if v is not None and v.isdigit()), np.nan)
                rows.append((int(day), gov_label if lane == "government" else lane, kind, val, text))
                break
        else:
            rows.append((int(day), "other", "other", np.nan, text))
    return pd.DataFrame(rows, columns=["day", "lane", "kind", "value", "text"])


def timeline(events: Sequence[tuple[int, str]], *, scenario=None, world: int | None = None,
             seed: int | None = None, horizon: int | None = None, title: str | None = None) -> Figure:
    """The day-by-day story of one traced world: proposals, answers, deadlines, exits, releases, breaches.

    Parameters
    ----------
    events : list of (day, text)
        ``TruceModel(..., trace_world=K).run().trace``, or the first value of
        :func:`trucesim.analysis.probability.trace_world`.
    scenario : Scenario or str, optional
        For its name, its actors' labels and its horizon.
    world, seed : int, optional
        Named on the figure.

    Returns
    -------
    Figure
        One lane per actor or kind of event, days on the horizontal axis; the
        pause (if any) is shaded.
    """
    labels = _labels(scenario)
    ev = parse_trace(events, labels)
    gov = labels.get("israel", "Israel's government")
    ag = labels.get("hamas", "Hamas")
    answer_lanes = [lane for lane in ev.loc[ev["kind"].isin(["accepts", "counters", "rejects"]), "lane"].unique()]
    lanes = ["mediators", "deadlines", gov, ag, *[a for a in answer_lanes if a not in (gov, ag)],
             "coalition", "deal", "hostages"]
    if (ev["lane"] == "other").any():
        lanes.append("other")
    ypos = {lane: len(lanes) - 1 - i for i, lane in enumerate(lanes)}
    if horizon is None and scenario is not None and hasattr(scenario, "value"):
        horizon = int(scenario.value("protocol.horizon_days"))
    last = int(ev["day"].max()) if len(ev) else 0
    horizon = max(horizon or 0, last + 1)
    fig, axes = _new_figure((12, 5.8))
    ax = axes[0, 0]
    # the pause, shaded from signature to its end (or breach)
    signed = ev[ev["kind"] == "signed"]
    for _, r in signed.iterrows():
        start = r["day"]
        end = r["value"] if np.isfinite(r["value"]) else horizon
        stop = ev[(ev["day"] >= start) & ev["kind"].isin(["breach", "collapse", "permanent"])]
        if len(stop):
            end = int(stop["day"].iloc[0])
        ax.axvspan(start, end, color=OKABE_ITO["sky_blue"], alpha=0.15, lw=0)
        ax.text((start + end) / 2, len(lanes) - 0.45, "pause", ha="center", va="bottom", fontsize=8.5,
                color=OKABE_ITO["blue"])
    seen = []
    for kind, grp in ev.groupby("kind", sort=False):
        marker, colour, size, _ = _KIND_STYLE.get(kind, _KIND_STYLE["other"])
        ys = grp["lane"].map(ypos).to_numpy(float)
        ax.scatter(grp["day"], ys, marker=marker, c=colour, s=size, zorder=3,
                   linewidths=2 if marker in ("|", "x", "+") else 0.6,
                   edgecolors="white" if marker not in ("|", "x", "+", ".") else None)
        seen.append(kind)
    # small labels: proposal rounds, acceptance probabilities, releases
    for _, r in ev.iterrows():
        y = ypos[r["lane"]]
        if r["kind"] == "proposal":
            ax.annotate(f"P{int(r['value'])}", (r["day"], y), xytext=(0, 7), textcoords="offset points",
                        ha="center", fontsize=7.5)
        elif r["kind"] in ("accepts", "counters", "rejects") and r["value"] < 1.0 + 1e-9:
            ax.annotate(f"{r['value']:.2f}", (r["day"], y), xytext=(0, 7), textcoords="offset points",
                        ha="center", fontsize=7, color="#333333")
        elif r["kind"] == "release":
            ax.annotate(f"{int(r['value'])}", (r["day"], y), xytext=(0, 7), textcoords="offset points",
                        ha="center", fontsize=7, color="#333333")
    ax.set_yticks([ypos[lane] for lane in lanes], lanes)
    ax.set_ylim(-0.7, len(lanes) - 0.2)
    ax.set_xlim(-2, horizon + 2)
    ax.set_xlabel("day  [days after the framework was tabled on day 0]")
    ax.grid(True, axis="x", color="#eeeeee")
    for y in range(len(lanes)):
        ax.axhline(y, color="#f0f0f0", lw=0.8, zorder=0)
    order = [k for k in _KIND_STYLE if k in seen]
    handles = [Line2D([], [], ls="none", marker=_KIND_STYLE[k][0], color=_KIND_STYLE[k][1],
                      markersize=7, mew=2 if _KIND_STYLE[k][0] in ("|", "x", "+") else 1,
                      label=_KIND_STYLE[k][3]) for k in order]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=8, frameon=False)
    ending = _story_end(ev)
    who = f"world {world}" if world is not None else "one world"
    run = f"seed {seed}" if seed is not None else ""
    _finish(fig, title or f"The talks in {who}, day by day",
            "  ·  ".join(p for p in (f"scenario {_scenario_name(scenario)}", f"1 traced world ({who})", run, ending) if p),
            note="Numbers above answers: the side's acceptance probability for that proposal.")
    return fig


def _story_end(ev: pd.DataFrame) -> str:
    kinds = set(ev["kind"])
    if "permanent" in kinds:
        return "deal, then a permanent end"
    if "breach" in kinds:
        return "deal, then the pause is breached"
    if "collapse" in kinds:
        return "deal; war resumes after the pause"
    if "signed" in kinds:
        return "deal signed"
    if "fall" in kinds:
        return "the government falls over the deal"
    if "walk_away" in kinds:
        return "no deal: the mediators walk away"
    return "no deal by the horizon"


# --------------------------------------------------------------------------------------
# coalition seats
# --------------------------------------------------------------------------------------
def seats(df: pd.DataFrame, scenario, *, title: str | None = None) -> Figure:
    """Coalition seats kept in each world, against the majority the government needs.

    Parameters
    ----------
    df : DataFrame
        One row per world with the ``exit_<party>`` columns.
    scenario : Scenario
        For the parties' seats, the majority (``context.knesset_majority``) and the labels.

    Returns
    -------
    Figure
        One bar per number of seats kept (share of worlds), coloured by whether
        it keeps the majority, and a dashed line at the majority.
    """
    kept = an.seats_kept(df, scenario).to_numpy()
    maj = an.majority(df, scenario)
    maj_value = float(np.median(maj))
    total_seats = float(scenario.value("context.knesset_seats"))
    labels = _labels(scenario)
    parties = scenario.actors_of("coalition_party")
    n = len(df)
    values, counts = np.unique(kept, return_counts=True)
    share = 100.0 * counts / max(n, 1)
    fig, axes = _new_figure((9.5, 5.6))
    ax = axes[0, 0]
    pos = np.arange(values.size)  # one evenly spaced bar per number of seats kept
    ok = values >= maj_value
    colours = np.where(ok, OKABE_ITO["bluish_green"], OKABE_ITO["vermillion"])
    bars = ax.bar(pos, share, width=0.7, color=colours, edgecolor="black", linewidth=0.6)
    for b, o in zip(bars, ok):
        if not o:
            b.set_hatch("//")
    line_x = (np.flatnonzero(ok)[0] - 0.5) if ok.any() else values.size - 0.5
    ax.axvline(line_x, color="black", ls="--", lw=1.5)
    ax.text(line_x, 0.98, f"majority: {maj_value:g} of {total_seats:g} seats  ", transform=ax.get_xaxis_transform(),
            ha="right", va="top", fontsize=9)
    # which partners quit, for each bar
    exits = {p: (df[f"exit_{p}"].to_numpy(bool) if f"exit_{p}" in df.columns else np.zeros(n, bool))
             for p in parties}
    ticks = []
    for x, v, s in zip(pos, values, share):
        sel = np.flatnonzero(kept == v)[:5000]
        combos = pd.Series([" + ".join(labels.get(p, p) for p in parties if exits[p][i]) or "no partner quits"
                            for i in sel])
        top = combos.value_counts().index[0]
        quit_text = top if top == "no partner quits" else f"{top} quit"
        ticks.append(f"{v:g} seats\n" + quit_text.replace(" + ", " +\n"))
        ax.annotate(f"{s:.1f}%", (x, s), xytext=(0, 3), textcoords="offset points", ha="center", fontsize=9)
    ax.set_xticks(pos, ticks, fontsize=8)
    ax.set_ylim(0, min(100, max(share) * 1.15 + 1))
    ax.set_xlim(-0.7, values.size - 0.3)
    ax.set_xlabel(f"coalition seats kept after the deal vote  [seats of {total_seats:g}; bars: most common partners quitting]")
    ax.set_ylabel("share of worlds  [%]")
    ax.grid(True, axis="y", color="#eeeeee")
    fell = float(df["government_fell"].mean()) if "government_fell" in df.columns else np.nan
    net = float(df["safety_net_used"].mean()) if "safety_net_used" in df.columns else 0.0
    handles = [Patch(facecolor=OKABE_ITO["bluish_green"], edgecolor="black", label="keeps the majority"),
               Patch(facecolor=OKABE_ITO["vermillion"], edgecolor="black", hatch="//", label="below the majority (falls unless a safety net holds)")]
    ax.legend(handles=handles, loc="upper left", fontsize=9)
    extra = f"government falls in {100 * fell:.1f}% of worlds" if np.isfinite(fell) else ""
    if net > 0:
        extra += f"; opposition safety net used in {100 * net:.1f}%"
    _finish(fig, title or "Coalition seats kept against the majority",
            _subtitle(_scenario_name(scenario, df), n, extra),
            note="Partners can only quit over a deal put to a vote; worlds without one keep every seat.")
    return fig


# --------------------------------------------------------------------------------------
# every outcome, one or several runs
# --------------------------------------------------------------------------------------
def outcome_bars(tables: pd.DataFrame | Mapping[str, pd.DataFrame], outcomes: Sequence[str] | None = None, *,
                 scenario=None, level: float = 0.95, title: str | None = None) -> Figure:
    """Probability of each outcome with Wilson intervals, for one run or several side by side.

    Parameters
    ----------
    tables : DataFrame or mapping of name to DataFrame
        Per-world outcome tables; a mapping compares runs (e.g. scenarios).
    outcomes : sequence of str, optional
        Default: every yes/no outcome of the first table.

    Returns
    -------
    Figure
        Horizontal bars, one group per outcome, one bar per run.
    """
    if isinstance(tables, pd.DataFrame):
        tables = {_scenario_name(scenario, tables): tables}
    names = list(tables)
    first = tables[names[0]]
    outcomes = list(outcomes) if outcomes is not None else [
        o for o in an.outcome_names(first) if o not in ("collapsed", "deal_by_first_deadline")]
    labels = _labels(scenario)
    k = len(names)
    fig, axes = _new_figure((9.5, 1.4 + 0.32 * len(outcomes) * max(k, 1.6)))
    ax = axes[0, 0]
    h = 0.8 / k
    for j, name in enumerate(names):
        t = an.summary_table(tables[name], outcomes, labels, level)
        yv = np.arange(len(outcomes))[::-1] + (k - 1) / 2 * h - j * h
        p = t["p"].to_numpy() * 100
        err = np.vstack([p - t["p_lo"].to_numpy() * 100, t["p_hi"].to_numpy() * 100 - p])
        ax.barh(yv, p, height=h * 0.92, color=CYCLE[j % len(CYCLE)], label=f"{name} ({len(tables[name]):,} worlds)",
                xerr=err, error_kw=dict(ecolor="black", capsize=2, lw=0.8))
        for yy, pp in zip(yv, p):
            ax.text(min(pp, 100) + 1.5, yy, f"{pp:.1f}%", va="center", fontsize=7.5)
    ax.set_yticks(np.arange(len(outcomes))[::-1], [an.outcome_label(o, labels) for o in outcomes], fontsize=9)
    ax.set_xlim(0, 112)
    ax.set_xlabel("probability  [% of worlds]")
    ax.grid(True, axis="x", color="#eeeeee")
    ax.legend(loc="lower right", fontsize=8.5)
    worlds = sum(len(t) for t in tables.values())
    sub = (_subtitle(names[0], worlds) if k == 1
           else f"{k} runs: {', '.join(names)}  ·  {worlds:,} worlds in all")
    _finish(fig, title or "What happens across worlds", sub,
            note=f"Whiskers: {int(level * 100)}% Wilson intervals. 'Accepts' = at least one proposal.")
    return fig


# --------------------------------------------------------------------------------------
# PRIM boxes
# --------------------------------------------------------------------------------------
def prim_plot(boxes: pd.DataFrame, trajectory: pd.DataFrame | None = None, *, scenario=None,
              worlds: int | None = None, outcome: str = "deal", title: str | None = None) -> Figure:
    """PRIM boxes: the limits of each restricted factor within its range, with coverage and density.

    Parameters
    ----------
    boxes : DataFrame
        As returned by :func:`trucesim.analysis.probability.prim_boxes`.
    trajectory : DataFrame, optional
        The peeling trajectories (``return_trajectory=True``): adds a
        coverage-density panel with the chosen box marked.

    Returns
    -------
    Figure
    """
    ids = list(dict.fromkeys(boxes["box"]))
    rows = boxes.dropna(subset=["factor"])
    n_rows = max(len(rows), 1)
    ncols = 2 if trajectory is not None else 1
    fig, axes = _new_figure((12 if ncols == 2 else 8.5, 2.0 + 0.5 * n_rows + 0.3 * len(ids)), 1, ncols,
                            width_ratios=[2, 1] if ncols == 2 else None)
    ax = axes[0, 0]
    first = boxes.iloc[0]
    base_rate = (first["hits"] / first["coverage"]) / (first["cases"] / first["mass"]) if len(boxes) else np.nan
    y = 0
    yt, yl = [], []
    for j, b in enumerate(ids):
        part = rows[rows["box"] == b]
        colour = CYCLE[j % len(CYCLE)]
        first = boxes[boxes["box"] == b].iloc[0]
        ax.text(0, y - 0.1, f"box {b}: coverage {100 * first['coverage']:.0f}%, density "
                f"{100 * first['density']:.0f}%, mass {100 * first['mass']:.0f}%",
                fontsize=9, fontweight="bold", va="bottom", color=colour)
        y += 0.6
        for _, r in part.iterrows():
            span = r["range_high"] - r["range_low"] or 1.0
            a, bb = (r["low"] - r["range_low"]) / span, (r["high"] - r["range_low"]) / span
            ax.plot([0, 1], [y, y], color="#cccccc", lw=6, solid_capstyle="butt")
            ax.plot([a, bb], [y, y], color=colour, lw=6, solid_capstyle="butt")
            ax.text(a, y - 0.2, f"{r['low']:.3g}", ha="left", fontsize=7.5, va="bottom")
            ax.text(bb, y - 0.2, f"{r['high']:.3g}", ha="right", fontsize=7.5, va="bottom")
            yt.append(y)
            yl.append(factor_label(r["factor"], scenario))
            y += 1
        y += 0.3
    ax.set_yticks(yt, yl, fontsize=8.5)
    ax.set_ylim(y, -0.5)
    ax.set_xlim(-0.05, 1.05)
    ax.set_xlabel("position in the factor's sampled range  [0 = lowest, 1 = highest]")
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1])
    if trajectory is not None:
        a2 = axes[0, 1]
        for j, b in enumerate(ids):
            t = trajectory[trajectory["box"] == b]
            peel = t[t["kind"] == "peel"] if "kind" in t.columns else t
            a2.plot(peel["coverage"], peel["density"], "-", color=CYCLE[j % len(CYCLE)], lw=1, alpha=0.6)
            sc = a2.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=14, zorder=3,
                            vmin=0, vmax=max(1, int(trajectory["res_dim"].max())))
            c = t[t["chosen"]]
            a2.scatter(c["coverage"], c["density"], s=160, facecolors="none", edgecolors=CYCLE[j % len(CYCLE)],
                       linewidths=2, zorder=4, label=f"box {b} chosen")
        cb = fig.colorbar(sc, ax=a2, label="restricted factors")
        cb.set_ticks(np.arange(0, int(trajectory["res_dim"].max()) + 1))
        a2.set_xlabel("coverage  [share of all cases of interest]")
        a2.set_ylabel("density  [share of the box's cases]")
        a2.set_xlim(0, 1.02)
        a2.set_ylim(0, min(1.02, float(trajectory["density"].max()) * 1.15 + 0.01))
        a2.grid(True, color="#eeeeee")
        a2.legend(fontsize=8, loc="lower left")
        a2.set_title("peeling trajectory", fontsize=10)
    labels = _labels(scenario)
    _finish(fig, title or f"Where '{an.outcome_label(outcome, labels)}' is most likely: PRIM boxes",
            "  ·  ".join([f"scenario {_scenario_name(scenario)}"]
                         + ([f"{int(worlds):,} worlds"] if worlds else [])
                         + ([f"cases of interest: {100 * base_rate:.1f}% of all"] if np.isfinite(base_rate) else [])),
            note="PRIM (EMA Workbench). Coverage: share of cases of interest inside the box; density: share "
                 "of the box's cases that are of interest.")
    return fig


__all__ = ["CMAP", "CYCLE", "DISCLAIMER", "OKABE_ITO", "acceptance_curves", "distributions", "factor_label",
           "auto_bins", "heatmap", "outcome_bars", "parse_trace", "prim_plot", "save_figure", "seats", "sobol_bars",
           "timeline"]
