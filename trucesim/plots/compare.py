"""The figure of ``trucesim compare``: the chosen figures of several scenarios, side by side, a panel per group.

Each group of figures (:data:`trucesim.analysis.compare_groups.GROUPS`) gets a panel
with its own axis and unit: probabilities in % of worlds with their 95% Wilson
intervals, means in their own unit.  One bar per scenario and figure, its value
written after it, followed by ``*`` when its difference from the first scenario
has a 95% interval that excludes zero (the mark means the same in the text).
By default the main outcomes, hostages and acceptance are drawn
(:data:`~trucesim.analysis.compare_groups.FIGURE_GROUPS`).

Examples
--------
>>> c = {"scenarios": ["a", "b"], "worlds": 100, "seed": 0, "figures": [
...     {"figure": "p_deal", "share": True, "values": [0.2, 0.5], "ci": [[0.13, 0.29], [0.4, 0.6]],
...      "differences": [{"diff": 0.3, "lo": 0.2, "hi": 0.4, "method": "paired"}]}]}
>>> [t.get_text() for t in comparison_bars(c).axes[0].get_yticklabels()]
['deal signed and ratified']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from trucesim.analysis.compare_groups import FIGURE_GROUPS, Group, in_groups, row_label, select
from trucesim.plots.style import CYCLE, finish, new_figure

_BAR_IN = 0.13  # inches of one bar
_GAP_IN = 0.14  # inches between the bars of two figures
_PANEL_IN = 0.55  # inches of a panel's title and axis
_LEGEND_ROW_IN = 0.28  # inches of a row of the legend of scenarios
_SIGNIFICANT = "*"  # as trucesim.report.comparison.SIGNIFICANT (plots come before report)


def _excludes_zero(d: Mapping) -> bool:
    lo, hi = d.get("lo"), d.get("hi")
    return lo is not None and hi is not None and (lo > 0 or hi < 0)


def _panel(ax, group: Group, figs: Sequence[Mapping], names: Sequence[str], labels) -> None:
    """One group's bars: a bar per scenario and figure, whiskers of Wilson intervals, values with their mark."""
    k = len(names)
    share = all(f["share"] for f in figs)
    scale = 100.0 if share else 1.0
    h = 0.8 / k
    ypos = np.arange(len(figs))[::-1].astype(float)
    top = 100.0 if share else max([abs(v) for f in figs for v in f["values"] if v is not None] or [1.0])
    for j in range(k):
        y = ypos + (k - 1) / 2 * h - j * h
        v = np.array([np.nan if f["values"][j] is None else scale * f["values"][j] for f in figs], float)
        ci = [((f.get("ci") or [None] * k)[j] or [None, None]) for f in figs]
        lo = np.array([np.nan if c[0] is None else scale * c[0] for c in ci], float)
        hi = np.array([np.nan if c[1] is None else scale * c[1] for c in ci], float)
        ax.barh(y, np.nan_to_num(v), height=h * 0.9, color=CYCLE[j % len(CYCLE)])
        has = np.isfinite(v) & np.isfinite(lo) & np.isfinite(hi)  # whiskers only where there is an interval
        if has.any():
            err = np.vstack([(v - lo)[has], (hi - v)[has]])
            ax.errorbar(v[has], y[has], xerr=err, fmt="none", ecolor="#333333", capsize=1.5, lw=0.7)
        for i, (yy, vv, hh) in enumerate(zip(y, v, hi)):
            if np.isnan(vv):
                continue
            mark = f" {_SIGNIFICANT}" if j > 0 and _excludes_zero(figs[i]["differences"][j - 1]) else ""
            text = f"{vv:.1f}%" if share else f"{vv:.1f}"
            x = np.nanmax([vv, hh]) + 0.012 * top * (1.12 if share else 1.25)
            ax.text(x, yy, text + mark, va="center", fontsize=7)
    ax.set_yticks(ypos, [row_label(f["figure"], labels) for f in figs], fontsize=8.5)
    ax.set_ylim(-0.5, len(figs) - 0.5)
    ax.set_xlim(0, top * (1.12 if share else 1.25))
    ax.set_title(group.heading, loc="left", fontsize=9.5, fontweight="bold")
    ax.grid(True, axis="x", color="#eeeeee")
    ax.set_axisbelow(True)


def comparison_bars(
    comparison: Mapping,
    *,
    labels: Mapping[str, str] | None = None,
    only: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """The chosen figures of a comparison of scenarios as bars, a panel per group of figures.

    Parameters
    ----------
    comparison : mapping
        :meth:`trucesim.analysis.compare.Comparison.result`.
    labels : mapping, optional
        Actor id -> label, for the figures named after actors.
    only : sequence of str, optional
        The dotted figure names to draw (:func:`trucesim.analysis.compare_groups.select`);
        default the groups of :data:`~trucesim.analysis.compare_groups.FIGURE_GROUPS`.
    title : str, optional
        The figure's title.

    Returns
    -------
    Figure
        9.5 inches wide, about a third of an inch per figure and scenario high; a
        figure's bar is followed by its value, and by ``*`` when its difference from
        the first scenario has a 95% interval that excludes zero.
    """
    names = list(comparison["scenarios"])
    by_name = {f["figure"]: f for f in comparison["figures"] if any(v is not None for v in f["values"])}
    chosen = list(only) if only is not None else select(list(by_name), None, default=FIGURE_GROUPS)
    groups = in_groups(n for n in chosen if n in by_name)
    if not groups:
        groups = in_groups(select(list(by_name), None)[:1])
    rows = [len(fs) * (_BAR_IN * len(names) + _GAP_IN) + _PANEL_IN for _, fs in groups]
    ncols = 4 if max(len(n) for n in names) <= 24 else 2
    legend_in = _LEGEND_ROW_IN * -(-len(names) // ncols)
    height = 1.75 + legend_in + sum(rows)
    fig, axes = new_figure((9.5, height), nrows=len(groups), ncols=1, gridspec_kw={"height_ratios": rows})
    x, y, w, h = fig.get_layout_engine().get()["rect"]
    fig.get_layout_engine().set(rect=(x, y, w, h - legend_in / height))  # room for the legend under the subtitle
    for ax, (group, fs) in zip(axes[:, 0], groups):
        _panel(ax, group, [by_name[n] for n in fs], names, labels)
    handles = [Patch(color=CYCLE[j % len(CYCLE)], label=n) for j, n in enumerate(names)]
    fig.legend(
        handles=handles, loc="upper center", bbox_to_anchor=(0.5, y + h), ncols=ncols, fontsize=8.5, frameon=False
    )
    worlds = int(comparison["worlds"])
    finish(
        fig,
        title or "Scenarios compared on the same worlds",
        f"{len(names)} scenarios  ·  the same {worlds:,} worlds each, seed {comparison['seed']}",
        note=f"Whiskers: 95% Wilson intervals of the probabilities. {_SIGNIFICANT} after a value: its difference from {names[0]} "
        "has a 95% interval that excludes zero.",
    )
    return fig


__all__ = ["comparison_bars"]
